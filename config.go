package sae

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sae-go/sae/internal/nn"
)

// Config is the architecture and the training settings. Start from
// DefaultConfig; a zero value that stands for a default is filled in by
// Resolve (Train resolves and validates); internal/nn/kind_*.go explain
// the kinds' fields.
type Config struct {
	Hidden     int        `json:"hidden"`              // latents of a one-layer model. Default 0: d/2 in [32, 1024] (a dictionary kind's below 64 columns: 2d; a denoiser's dense code: d, at most 1024)
	Layers     []int      `json:"layers,omitempty"`    // a deep model's widths, down to the code. Default nil: one layer (Stacked: d/2-ish, then half)
	Activation Activation `json:"activation"`          // Default "": relu with TargetL0 or a code kind, else sigmoid
	Sparsity   Sparsity   `json:"sparsity"`            // Default "": topk for a one-layer relu mse model, none for a variational model or a denoiser, else kl (defaultSparsity)
	L1         float64    `json:"l1"`                  // l1's coefficient. Default 0.001
	L1Weight   L1Weight   `json:"l1_weight,omitempty"` // Default "": decoder (none if Tied)
	L0Coef     float64    `json:"l0_coef,omitempty"`   // jumprelu's L0 weight. Default 0: 0.001*d (TargetL0: 1e-5*d)
	Bandwidth  float64    `json:"bandwidth,omitempty"` // of jumprelu's threshold gradient. Default 0: 0.001
	TargetL0   float64    `json:"target_l0,omitempty"` // L1, Rho or L0Coef is tuned for this mean L0. Default 0: off
	Rho        float64    `json:"rho"`                 // kl's target mean activation. Default 0.05
	Beta       float64    `json:"beta"`                // kl's weight. Default 3
	K          int        `json:"k,omitempty"`         // latents kept per row. Default 0: min(32, Hidden/4), at least 1
	// Groups are matryoshka's nested dictionary widths, increasing, the
	// last Hidden (appended when missing). Default nil: Hidden/64,
	// Hidden/16, Hidden/4 (those >= K) and Hidden.
	Groups []int `json:"groups,omitempty"`
	// GroupWeight is the weight of each inner level's (each prefix's but
	// the whole dictionary's) reconstruction loss in matryoshka's
	// objective, the whole dictionary's weighing 1. Default 0: 0.5 (1 is
	// the published sum, which costs the whole dictionary more of its
	// features: internal/nn/kind_matryoshka.go).
	GroupWeight float64 `json:"group_weight,omitempty"`
	AuxK        int     `json:"aux_k,omitempty"`       // dead latents per row in AuxK. Default 0: d/2
	AuxCoef     float64 `json:"aux_coef"`              // AuxK's weight; 0: off. Default 0.03125
	DeadWindow  int     `json:"dead_window,omitempty"` // samples unfired make a latent dead. Default 0: min(10M, max(n, 16 batches))
	Resample    float64 `json:"resample"`              // dead latents' restart scale; 0: off. Default 0.6
	// DecoderNorm and DecoderBiasInit (mse): Default "": unit and median
	// for topk, batchtopk and jumprelu, else free and mean.
	DecoderNorm     DecoderNorm `json:"decoder_norm,omitempty"`
	DecoderBiasInit BiasInit    `json:"decoder_bias_init,omitempty"` // Default "": see DecoderNorm
	// WeightDecay is λ of λ/2 ||W||²; Trim is each batch's share of
	// worst-reconstructed rows left out of the loss. Default 0.0001 and
	// 0.05 (0 and 0 for topk, batchtopk and jumprelu).
	WeightDecay      float64 `json:"weight_decay"`
	Variational      bool    `json:"variational,omitempty"`       // a VAE: a Gaussian code. Default false
	Stacked          bool    `json:"stacked,omitempty"`           // layer by layer pre-training. Default false
	SupervisedEpochs int     `json:"supervised_epochs,omitempty"` // with labels. Default 0: 20
	// KeepPretrained keeps a stacked classifier's pre-trained network.
	// Default false: the same widths are also trained from random
	// initialisation, and the network that validates better is kept
	// (stacked.go, supervisedFromScratch).
	KeepPretrained bool    `json:"keep_pretrained,omitempty"`
	Contractive    float64 `json:"contractive,omitempty"` // weight of the encoder Jacobian's norm². Default 0
	Trim           float64 `json:"trim,omitempty"`        // see WeightDecay. Default 0.05
	Loss           Loss    `json:"loss"`                  // Default mse
	Tied           bool    `json:"tied"`                  // W_dec = W_enc^T. Default false
	Noise          string  `json:"noise,omitempty"`       // "gaussian:S", "mask:P", "saltpepper:P". Default "": none
	// Out > 0 makes a transcoder: the code predicts Out other columns,
	// the rows of TrainOptions.Target, instead of reconstructing the
	// input (a one-layer mse model of any kind; Train sets Out from the
	// target). Default 0: an autoencoder.
	Out  int  `json:"out,omitempty"`
	Skip bool `json:"skip,omitempty"` // a transcoder's linear skip from the input to the target. Default false

	Optimizer Optimizer `json:"optimizer"` // Default adam
	// LR is the peak learning rate. Default 0: 0.001 for adam (topk,
	// batchtopk, jumprelu: 0.003*min(1, sqrt(1024/Hidden))), 0.1 for sgd.
	LR       float64 `json:"lr"`
	Momentum float64 `json:"momentum"` // of sgd. Default 0.9
	Batch    int     `json:"batch"`    // Default 256
	// Epochs of sparse training (-1: none). Default 0: until the plateau
	// schedule converges, within about 30000 steps, 90000 where a step is
	// cheap (plateauBudget; Decay set: about 3000 steps within [20, 200];
	// lbfgs: 400 iterations).
	Epochs         int       `json:"epochs"`
	FinetuneEpochs int       `json:"finetune_epochs"` // without the penalty; -1: none. Default 0: none (Stacked: Epochs)
	Warmup         float64   `json:"warmup"`          // share of each phase's steps. Default 0.02
	Decay          Decay     `json:"decay"`           // Default "": plateau, or cosine when Epochs (but -1), LBFGS or TargetL0 is set
	ClipNorm       float64   `json:"clip_norm"`       // of the gradient; 0: off. Default 0
	ValSplit       float64   `json:"val_split"`       // share held out (no Val rows). Default 0.1
	Patience       int       `json:"patience"`        // epochs of early stopping; 0: off. Default 5
	LBFGSMemory    int       `json:"lbfgs_memory"`    // Default 10
	Normalize      Normalize `json:"normalize"`       // input scaling. Default auto
	Seed           uint64    `json:"seed"`            // with Threads, fixes the model. Default 1
	Threads        int       `json:"threads"`         // cores (nothing process-wide is set); 0: all. Default 0
	// Precision of the training products: fp32, bf16 or auto, which
	// training settles (precision.go). Models are float32 whatever it is,
	// and inference multiplies in fp32. Default fp32 ("" reads as fp32).
	Precision     Precision `json:"precision,omitempty"`
	Contamination float64   `json:"contamination"` // expected anomalies, which set Model.Threshold. Default 0.1
	// Ensemble is the number of autoencoders whose reconstruction errors
	// Model.Score averages (detector.go): the model and Ensemble-1 more
	// like it, or, for a dictionary (topk, batchtopk, jumprelu), a
	// classifier (trained with labels) or a denoiser (Noise), Ensemble
	// dense autoencoders trained beside it. Default 0: 3.
	Ensemble int `json:"ensemble,omitempty"`
	// Neighbours is the number of training rows in each of the samples
	// whose distance to a row Model.Score weighs beside the reconstruction
	// errors (neighbours.go); the samples are saved with the model. -1:
	// none, the reconstruction errors alone. Default 0: 256.
	Neighbours int `json:"neighbours,omitempty"`
}

// maxEnsemble bounds Config.Ensemble.
const maxEnsemble = 16

// DefaultConfig returns the defaults that depend on nothing else.
func DefaultConfig() Config {
	return Config{
		L1:            1e-3,
		Rho:           0.05,
		Beta:          3,
		AuxCoef:       1.0 / 32,
		Resample:      0.6,
		WeightDecay:   1e-4,
		Loss:          MSE,
		Optimizer:     Adam,
		Momentum:      0.9,
		Batch:         256,
		Warmup:        0.02,
		ValSplit:      0.1,
		Patience:      5,
		LBFGSMemory:   10,
		Normalize:     NormalizeAuto,
		Trim:          0.05,
		Seed:          1,
		Contamination: 0.1,
		Precision:     FP32,
	}
}

// Resolve fills in the defaults that depend on other settings, the input
// width d or the training rows n (0: unknown), keeping what is set but what
// a kind fixes. Training settles Normalize auto, Precision auto and
// DeadWindow 0.
func (c Config) Resolve(d, n int) Config {
	c.Layers = slices.Clone(c.Layers)
	if c.Stacked && len(c.Layers) == 0 && c.Hidden == 0 && d > 0 {
		c.Layers = stackedLayers(d, 0) // Train passes a classifier's classes
	}
	if c.Hidden == 0 && len(c.Layers) > 0 {
		c.Hidden = c.Layers[len(c.Layers)-1]
	}
	if len(c.Layers) == 1 && c.Hidden == c.Layers[0] {
		c.Layers = nil // one width is a one-layer model: Hidden says it
	}
	if c.Sparsity == "" {
		c.Sparsity = c.defaultSparsity()
	}
	if c.Hidden == 0 && d > 0 {
		c.Hidden = defaultHidden(d)
		if k := c.kind(); k != nil && k.Traits().Code && d < 64 {
			// A dictionary of a narrow table is overcomplete: d/2
			// latents with a quarter of them active would be a
			// vector quantiser.
			c.Hidden = 2 * d
		}
		if c.Noise != "" && c.denseCode() {
			// A denoiser needs no bottleneck (the corruption keeps it
			// from copying), and one caps its output: on Fashion-MNIST,
			// d latents gained +0.51 dB at noise sd 0.05 where d/2 lost
			// 0.98 (BENCHMARKS "Denoising").
			c.Hidden = max(min(d, 1024), 2)
		}
	}
	if c.Activation == "" {
		c.Activation = Sigmoid
		if c.TargetL0 > 0 {
			c.Activation = ReLU // l0 counts exact zeros: only relu codes have them
		}
	}
	if c.Ensemble == 0 {
		c.Ensemble = 3
	}
	if c.Neighbours == 0 {
		c.Neighbours = neighbourRows
	}
	if c.Out > 0 {
		c.Ensemble = 1 // no anomaly detector: a transcoder's error needs the target
		c.Neighbours = -1
	}
	if c.Precision == "" {
		c.Precision = FP32
	}
	if c.Decay == "" {
		c.Decay = Cosine
		// The target-L0 controller moves the penalty while the model
		// follows it: a schedule that drops the rate on plateaus of an
		// objective whose coefficient moves left its l0 20% off the
		// target, so TargetL0 keeps the cosine schedule.
		// Epochs -1 (no sparse phase) leaves the supervised phase to the
		// schedule: with cosine it ran 20 epochs, a handful of steps on
		// small data.
		if (c.Epochs == 0 || c.Epochs == -1) && c.Optimizer != LBFGS && c.TargetL0 == 0 {
			c.Decay = Plateau
		}
	}
	if k := c.kind(); k != nil {
		p := c.params()
		k.Resolve(&p, d)
		c.setParams(p)
	}
	if c.DecoderNorm == "" {
		c.DecoderNorm = DecoderFree
	}
	if c.DecoderBiasInit == "" {
		c.DecoderBiasInit = BiasMean
	}
	if c.LR == 0 && c.Hidden > 0 { // a kind's default may depend on Hidden
		c.LR = 1e-3
		if c.Optimizer == SGD {
			c.LR = 0.1
		}
	}
	if n > 0 {
		perEpoch := max(1, (n+c.Batch-1)/max(c.Batch, 1))
		budget := max(1, (c.plateauBudget(d, n)+perEpoch-1)/perEpoch)
		switch {
		case c.Epochs != 0:
		case c.Optimizer == LBFGS:
			c.Epochs = 400
		case c.Decay == Plateau:
			c.Epochs = budget
		default:
			c.Epochs = min(max((3000+perEpoch-1)/perEpoch, 20), 200)
		}
		if c.SupervisedEpochs == 0 {
			c.SupervisedEpochs = 20
			if c.Decay == Plateau {
				c.SupervisedEpochs = budget
			}
		}
	}
	if c.Stacked && c.FinetuneEpochs == 0 && c.Epochs > 0 {
		c.FinetuneEpochs = c.Epochs
	}
	return c
}

// plateauBudget is the plateau schedule's bound on a phase, in steps, for
// input width d (a transcoder's input and target) and n training rows:
// longer where a step of the network of these settings is cheap.
func (c Config) plateauBudget(d, n int) int {
	d -= c.Out
	if c.kind() == nil || d <= 0 || c.Hidden <= 0 || slices.ContainsFunc(c.Layers, func(w int) bool { return w <= 0 }) {
		return plateauBudgetSteps // Validate says what is wrong
	}
	if _, params := nn.Layout(c.netSpec(d)); cheapStep(max(1, min(c.Batch, n)), params) {
		return plateauCheapBudgetSteps
	}
	return plateauBudgetSteps
}

// stackedLayers is the default widths of a stacked model of input width d:
// the one-layer default width, then half of it. A classifier's (classes >
// 0) are no narrower than its classes, and on a table of fewer than 64
// columns overcomplete, 2d then d, as a narrow table's dictionary is: on
// development folds of 23 labelled tables (bench/quality/stacked_widths.py)
// d/2 and d/4 left a softmax reading 2 to 15 units and were behind a
// logistic regression on the raw input on 7 sets, 2d and d on 5.
func stackedLayers(d, classes int) []int {
	w := defaultHidden(d)
	switch {
	case classes > 0 && d < 64:
		return []int{max(2*d, classes), max(d, classes)}
	case classes > 0:
		return []int{max(w, classes), max(w/2, 2, classes)}
	}
	return []int{w, max(w/2, 2)}
}

// defaultHidden is the latents of a one-layer model of input width d: d/2,
// within [32, 1024] for d >= 64, at least 2.
func defaultHidden(d int) int {
	if d >= 64 {
		return min(max(d/2, 32), 1024)
	}
	return max(d/2, 2)
}

// defaultSparsity is the kind a model of these settings gets when none is
// asked for: a topk dictionary for a one-layer untied relu model trained
// end to end on mini-batches with the mse loss; the textbook KL penalty
// for the others (deep, stacked, tied, bce, lbfgs, contractive, other
// activations, TargetL0), which a dictionary cannot train; none for a
// variational model, whose code has its own KL term, and for a denoiser
// (Noise), whose corruption regularises it.
func (c Config) defaultSparsity() Sparsity {
	switch {
	case c.Variational:
		return SparsityNone
	case c.TargetL0 > 0:
		return SparsityKL
	case c.Noise != "":
		// The corruption is the regulariser; a sparse code's bottleneck
		// would cap the output's fidelity below mild noise's (see
		// BENCHMARKS "Denoising").
		return SparsityNone
	case len(c.Layers) > 1, c.Stacked, c.Tied, c.Loss == BCE, c.Optimizer == LBFGS, c.Contractive > 0,
		c.Activation != "" && c.Activation != ReLU:
		return SparsityKL
	}
	return SparsityTopK
}

// deadWindow is DeadWindow, or its default for n training rows.
func (c Config) deadWindow(n int) int64 {
	if c.DeadWindow > 0 {
		return int64(c.DeadWindow)
	}
	// At least 16 batches: on small data a window of one epoch restarted
	// latents every step or two, and training never settled. (64 batches
	// left 47% of bench/modern's 4096 Fashion-MNIST latents dead in its
	// 195 steps, against 13% at one epoch.)
	return int64(min(10_000_000, max(n, 16*c.Batch)))
}

// A FieldError is an invalid setting (naming other fields as Config.Name).
type FieldError struct {
	Field, Msg string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// A ConfigError lists the invalid settings Validate found.
type ConfigError []FieldError

func (e ConfigError) Error() string {
	s := make([]string, len(e))
	for i, f := range e {
		s[i] = f.Error()
	}
	return "invalid config: " + strings.Join(s, "; ")
}

// Validate reports every invalid or contradictory setting (ConfigError).
func (c Config) Validate() error {
	var errs ConfigError
	bad := func(field, format string, a ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, a...)})
	}
	c.validateShape(bad)
	if c.Sparsity != "" {
		if k := c.kind(); k == nil {
			bad("Sparsity", "%q is not one of %s", c.Sparsity, nn.Names(nil))
		} else {
			p := c.params()
			k.Validate(&p, bad)
		}
	}
	c.validateKinds(bad)
	c.validateTargetL0(bad)
	c.validateTraining(bad)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

type badFunc = func(field, format string, a ...any)

// oneOf reports v through bad unless it is one of allowed ("" is a
// default when allowed holds it).
func oneOf[T ~string](bad badFunc, field string, v T, allowed ...T) {
	if !slices.Contains(allowed, v) {
		var s []string
		for _, a := range allowed {
			if a != "" {
				s = append(s, string(a))
			}
		}
		bad(field, "%q is not one of %s", v, strings.Join(s, ", "))
	}
}

// validateShape checks the network's shape and its variants.
func (c Config) validateShape(bad badFunc) {
	if c.Hidden < 0 {
		bad("Hidden", "must be >= 0, got %d", c.Hidden)
	}
	for _, w := range c.Layers {
		if w < 1 || w > 1<<20 {
			bad("Layers", "widths must be in [1, %d], got %v", 1<<20, c.Layers)
			break
		}
	}
	if len(c.Layers) > 0 && c.Hidden != 0 && c.Hidden != c.Layers[len(c.Layers)-1] {
		bad("Hidden", "%d contradicts Config.Layers %v (whose last width is the number of latents)", c.Hidden, c.Layers)
	}
	oneOf(bad, "Activation", c.Activation, "", ReLU, Sigmoid, Tanh)
	oneOf(bad, "Loss", c.Loss, MSE, BCE)
	if c.Stacked && (len(c.Layers) == 1 || len(c.Layers) == 0 && c.Hidden != 0) {
		bad("Stacked", "needs a deep model: set Config.Layers to two or more widths (or leave Config.Layers and Config.Hidden to their defaults)")
	}
	if c.Stacked && c.Optimizer == LBFGS {
		bad("Stacked", "use adam or sgd")
	}
	if c.Variational {
		if c.Stacked {
			bad("Variational", "stacked pre-training of a variational model is not supported")
		}
		if c.Sparsity != "" && c.Sparsity != SparsityNone {
			bad("Variational", "the variational code has its own KL term: set Config.Sparsity none (got %s)", c.Sparsity)
		}
		if c.Tied {
			bad("Variational", "a variational model cannot have tied weights")
		}
		if c.Contractive > 0 {
			bad("Variational", "combining with Config.Contractive is not supported")
		}
		if c.Optimizer == LBFGS {
			bad("Variational", "needs fresh samples per batch: use adam or sgd, not lbfgs")
		}
	}
	if c.Contractive < 0 {
		bad("Contractive", "must be >= 0, got %g", c.Contractive)
	}
	if ns, err := parseNoise(c.Noise); err != nil {
		bad("Noise", "%v", err)
	} else if ns.kind != "" && c.Optimizer == LBFGS {
		bad("Noise", "denoising needs fresh noise per batch: use adam or sgd, not lbfgs")
	}
	oneOf(bad, "DecoderNorm", c.DecoderNorm, "", DecoderUnit, DecoderFree)
	if c.DecoderNorm == DecoderUnit && (len(c.Layers) > 1 || c.Tied || c.Variational) {
		bad("DecoderNorm", "unit needs a one-layer untied model")
	}
	oneOf(bad, "DecoderBiasInit", c.DecoderBiasInit, "", BiasMedian, BiasMean)
	c.validateTranscoder(bad)
}

// validateTranscoder checks what a transcoder (Out > 0) cannot train with.
func (c Config) validateTranscoder(bad badFunc) {
	if c.Out < 0 {
		bad("Out", "must be >= 0 (0: an autoencoder), got %d", c.Out)
	}
	if c.Out == 0 {
		if c.Skip {
			bad("Skip", "needs a transcoder: a target to predict (TrainOptions.Target)")
		}
		return
	}
	const tc = "a transcoder (a target to predict)"
	switch {
	case len(c.Layers) > 1 || c.Stacked:
		bad("Layers", "%s is a one-layer model: set Config.Hidden", tc)
	case c.Tied:
		bad("Tied", "%s decodes into the target's space, not the input's: it cannot be tied", tc)
	case c.Variational:
		bad("Variational", "%s is not variational", tc)
	case c.Loss == BCE:
		bad("Loss", "%s trains with mse", tc)
	case c.Optimizer == LBFGS:
		bad("Optimizer", "%s trains with adam or sgd", tc)
	case c.Noise != "":
		bad("Noise", "%s predicts its target from the input as it is: no denoising", tc)
	}
}

// validateKinds checks the ranges of the fields only some kinds use
// (whatever the kind: the kinds' own rules are theirs).
func (c Config) validateKinds(bad badFunc) {
	if c.K < 0 || (c.Hidden > 0 && c.K > c.Hidden) {
		bad("K", "must be in [1, Config.Hidden] (0: the default), got %d", c.K)
	}
	if c.AuxK < 0 || (c.Hidden > 0 && c.AuxK > c.Hidden) {
		bad("AuxK", "must be in [1, Config.Hidden] (0: the default), got %d", c.AuxK)
	}
	if c.AuxCoef < 0 {
		bad("AuxCoef", "must be >= 0, got %g", c.AuxCoef)
	}
	if c.Resample < 0 || math.IsNaN(c.Resample) {
		bad("Resample", "must be >= 0 (0: off), got %g", c.Resample)
	}
	if c.DeadWindow < 0 {
		bad("DeadWindow", "must be >= 0 (0: the default), got %d", c.DeadWindow)
	}
	if c.L1 < 0 {
		bad("L1", "must be >= 0, got %g", c.L1)
	}
	oneOf(bad, "L1Weight", c.L1Weight, "", L1Decoder, L1Plain)
	if c.L1Weight == L1Decoder && c.Tied {
		bad("L1Weight", "decoder needs untied weights (a tied decoder is the encoder)")
	}
	if c.L0Coef < 0 {
		bad("L0Coef", "must be >= 0 (0: the default), got %g", c.L0Coef)
	}
	if c.Bandwidth < 0 {
		bad("Bandwidth", "must be >= 0 (0: the default), got %g", c.Bandwidth)
	}
}

// validateTraining checks the optimiser, the schedule and the data
// handling.
func (c Config) validateTraining(bad badFunc) {
	if c.KeepPretrained && !c.Stacked {
		bad("KeepPretrained", "needs stacked pre-training (Config.Stacked)")
	}
	if c.SupervisedEpochs < 0 {
		bad("SupervisedEpochs", "must be >= 0, got %d", c.SupervisedEpochs)
	}
	if c.Trim < 0 || c.Trim >= 0.5 {
		bad("Trim", "must be in [0, 0.5), got %g", c.Trim)
	}
	if c.WeightDecay < 0 {
		bad("WeightDecay", "must be >= 0, got %g", c.WeightDecay)
	}
	oneOf(bad, "Optimizer", c.Optimizer, Adam, SGD, LBFGS)
	if c.LR < 0 {
		bad("LR", "must be >= 0 (0: the optimiser's default), got %g", c.LR)
	}
	if c.Momentum < 0 || c.Momentum >= 1 {
		bad("Momentum", "must be in [0, 1), got %g", c.Momentum)
	}
	if c.Batch < 1 {
		bad("Batch", "must be >= 1, got %d", c.Batch)
	}
	if c.Epochs < -1 {
		bad("Epochs", "must be >= -1, got %d", c.Epochs)
	}
	if c.Epochs == -1 && c.Stacked {
		bad("Epochs", "-1 (no unsupervised phase) contradicts Config.Stacked")
	}
	if c.FinetuneEpochs < -1 {
		bad("FinetuneEpochs", "must be >= -1 (-1: none), got %d", c.FinetuneEpochs)
	}
	if c.Warmup < 0 || c.Warmup >= 1 {
		bad("Warmup", "must be in [0, 1), got %g", c.Warmup)
	}
	oneOf(bad, "Decay", c.Decay, "", Cosine, Linear, NoDecay, Plateau)
	if c.ClipNorm < 0 {
		bad("ClipNorm", "must be >= 0, got %g", c.ClipNorm)
	}
	if c.ValSplit < 0 || c.ValSplit >= 1 {
		bad("ValSplit", "must be in [0, 1), got %g", c.ValSplit)
	}
	if c.Patience < 0 {
		bad("Patience", "must be >= 0, got %d", c.Patience)
	}
	if c.LBFGSMemory < 1 {
		bad("LBFGSMemory", "must be >= 1, got %d", c.LBFGSMemory)
	}
	oneOf(bad, "Normalize", c.Normalize, NormalizeAuto, NormalizeNone, NormalizeStandard, NormalizeMinMax, NormalizeRobust, NormalizeGlobal)
	if c.Ensemble < 0 || c.Ensemble > maxEnsemble {
		bad("Ensemble", "must be in [1, %d] (0: the default), got %d", maxEnsemble, c.Ensemble)
	}
	if c.Neighbours < -1 || c.Neighbours > maxNeighbourRows {
		bad("Neighbours", "must be -1 (none) or in [1, %d] (0: the default), got %d", maxNeighbourRows, c.Neighbours)
	}
	if c.Threads < 0 {
		bad("Threads", "must be >= 0, got %d", c.Threads)
	}
	oneOf(bad, "Precision", c.Precision, "", FP32, BF16, PrecisionAuto)
	if c.Precision == BF16 && c.Optimizer == LBFGS {
		bad("Precision", "bf16 needs a mini-batch optimiser (adam or sgd): lbfgs's line search compares objectives that bf16 products perturb")
	}
	if c.Contamination < 0 || c.Contamination >= 0.5 {
		bad("Contamination", "must be in [0, 0.5), got %g", c.Contamination)
	}
}
