package sae

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Config holds the architecture and the training hyper-parameters. Start
// from DefaultConfig: every field documents its default, and a zero value
// documented as a default is filled in by Resolve (Train resolves, then
// Validates). Model.Config is the resolved configuration.
type Config struct {
	// Hidden is the number of latents of a one-layer model. Default 0:
	// from the input width d, d/2 within [32, 1024] for d >= 64, at least 2.
	Hidden int `json:"hidden"`
	// Layers, when set, makes a deep autoencoder: the encoder's widths down
	// to the code (the last is the number of latents), mirrored by the
	// decoder; the sparsity acts on the code. Default nil: one layer.
	Layers []int `json:"layers,omitempty"`
	// Activation of the hidden layers. Default "": relu with TargetL0 (and
	// always for topk, batchtopk and jumprelu), sigmoid otherwise.
	Activation Activation `json:"activation"`
	// Sparsity is the kind of sparsity (see the constants). Default "": kl,
	// or none for a variational model.
	Sparsity Sparsity `json:"sparsity"`
	// L1 is the l1 penalty's coefficient. Default 0.001.
	L1 float64 `json:"l1"`
	// L1Weight weighs each latent's l1 term. Default "": decoder for an
	// untied model, none for a tied one.
	L1Weight L1Weight `json:"l1_weight,omitempty"`
	// L0Coef weighs jumprelu's L0 penalty, the mean number of active
	// latents per row. Default 0: 0.001*d (0.00001*d with TargetL0).
	L0Coef float64 `json:"l0_coef,omitempty"`
	// Bandwidth is ε of jumprelu's straight-through estimator (thresholds
	// learn from the pre-activations within ε/2). Default 0: 0.001.
	Bandwidth float64 `json:"bandwidth,omitempty"`
	// TargetL0 > 0 makes the trainer tune the sparsity's coefficient (L1,
	// Rho or L0Coef, from its value) so that TargetL0 latents per row are
	// active on average, and store the final value; the sparse phase then
	// keeps its last weights. Default 0: off.
	TargetL0 float64 `json:"target_l0,omitempty"`
	// Rho is the kl penalty's target mean activation. Default 0.05.
	Rho float64 `json:"rho"`
	// Beta weighs the kl penalty. Default 3.
	Beta float64 `json:"beta"`
	// K is the number of active latents per row of topk (batchtopk: on
	// average). Default 0: min(32, Hidden/4), at least 1.
	K int `json:"k,omitempty"`
	// AuxK is the number of dead latents per row that reconstruct the
	// residual in the AuxK loss (topk, batchtopk). Default 0: d/2, at most
	// Hidden.
	AuxK int `json:"aux_k,omitempty"`
	// AuxCoef weighs the AuxK loss; 0 turns it off. Default 0.03125.
	AuxCoef float64 `json:"aux_coef"`
	// DeadWindow is the number of training samples after which a latent
	// that has not fired counts as dead. Default 0: min(10,000,000,
	// training rows), settled when training starts.
	DeadWindow int `json:"dead_window,omitempty"`
	// Resample restarts dead latents of topk and batchtopk every dead
	// window until 80% of the sparse phase, at the residuals of poorly
	// reconstructed rows, encoder columns at Resample times the live
	// latents' mean norm; 0 turns it off. Default 0.6.
	Resample float64 `json:"resample"`
	// DecoderNorm constrains the decoder rows of a one-layer untied model.
	// Default "": unit for topk, batchtopk and jumprelu, free otherwise.
	DecoderNorm DecoderNorm `json:"decoder_norm,omitempty"`
	// DecoderBiasInit is where the decoder bias starts (mse). Default "":
	// median for topk, batchtopk and jumprelu, mean otherwise.
	DecoderBiasInit BiasInit `json:"decoder_bias_init,omitempty"`
	// WeightDecay is lambda of lambda/2 ||W||² on the weight matrices.
	// Default 0.0001 (topk, batchtopk and jumprelu: 0).
	WeightDecay float64 `json:"weight_decay"`
	// Variational makes a variational autoencoder: a Gaussian code (the
	// last encoder layer gives its mean and log-variance), sampled in
	// training, with KL(q(z|x) || N(0, I)) in the loss; encoding gives the
	// mean. Default false.
	Variational bool `json:"variational,omitempty"`
	// Stacked trains a deep model greedily, each layer first as a
	// one-layer autoencoder of the codes below it (Epochs each), then the
	// stack on reconstruction for FinetuneEpochs. Default false.
	Stacked bool `json:"stacked,omitempty"`
	// SupervisedEpochs is the length of the supervised phase of a model
	// trained with labels (a softmax head on the code, trained with the
	// encoder). Default 0: 20.
	SupervisedEpochs int `json:"supervised_epochs,omitempty"`
	// Contractive weighs the encoder Jacobian's mean squared Frobenius
	// norm (layer by layer when deep). Default 0.
	Contractive float64 `json:"contractive,omitempty"`
	// Trim leaves each mini-batch's worst-reconstructed fraction of rows
	// out of the loss, so that anomalies in the training data are not
	// learned. Default 0.05 (topk, batchtopk and jumprelu: 0).
	Trim float64 `json:"trim,omitempty"`
	// Loss is the reconstruction loss. Default mse.
	Loss Loss `json:"loss"`
	// Tied uses W_dec = W_enc^T. Default false.
	Tied bool `json:"tied"`
	// Noise makes a denoising autoencoder: each batch is corrupted afresh
	// ("gaussian:S" adds N(0, S²), "mask:P" zeroes values with probability
	// P, "saltpepper:P" sets them to their column's min or max) and the
	// loss compares with the clean rows. Default "": none.
	Noise string `json:"noise,omitempty"`

	// Optimizer is the training algorithm. Default adam.
	Optimizer Optimizer `json:"optimizer"`
	// LR is the peak learning rate (unused by lbfgs). Default 0: 0.001 for
	// adam (topk, batchtopk, jumprelu: 0.003*min(1, sqrt(1024/Hidden))),
	// 0.1 for sgd.
	LR float64 `json:"lr"`
	// Momentum of sgd. Default 0.9.
	Momentum float64 `json:"momentum"`
	// Batch is the mini-batch size. Default 256.
	Batch int `json:"batch"`
	// Epochs of sparse training (lbfgs: iterations); -1 skips the phase
	// (with labels: a classifier from random initialisation). Default 0:
	// about 3000 steps, within [20, 200] (lbfgs: 400).
	Epochs int `json:"epochs"`
	// FinetuneEpochs of reconstruction-only training after the sparse
	// phase (no sparsity or contractive penalty). Default 0 (Stacked:
	// Epochs).
	FinetuneEpochs int `json:"finetune_epochs"`
	// Warmup is the fraction of each phase's steps over which the learning
	// rate rises linearly from 0. Default 0.02.
	Warmup float64 `json:"warmup"`
	// Decay is the learning-rate schedule after warm-up. Default cosine.
	Decay Decay `json:"decay"`
	// ClipNorm rescales a gradient whose global L2 norm exceeds it; 0: off.
	// Default 0.
	ClipNorm float64 `json:"clip_norm"`
	// ValSplit is the fraction of the rows held out for validation and
	// early stopping when no validation rows are given; 0: none. Default 0.1.
	ValSplit float64 `json:"val_split"`
	// Patience stops a phase after this many epochs without a better
	// validation loss and restores the best weights (an epoch that
	// resampled latents counts as the best); 0: off. Default 5.
	Patience int `json:"patience"`
	// LBFGSMemory is the number of correction pairs lbfgs keeps. Default 10.
	LBFGSMemory int `json:"lbfgs_memory"`
	// Normalize is the input scaling, fitted on the training rows and
	// stored in the model. Default auto.
	Normalize Normalize `json:"normalize"`
	// Seed fixes initialisation, shuffling and the validation split: the
	// same Seed and Threads give the same model. Default 1.
	Seed uint64 `json:"seed"`
	// Threads is the number of cores training uses; 0: all. Default 0.
	Threads int `json:"threads"`
	// Contamination is the expected fraction of anomalies in the training
	// rows: the stored anomaly threshold is the (1-Contamination) quantile
	// of their scores. Default 0.1.
	Contamination float64 `json:"contamination"`
}

// DefaultConfig returns the documented defaults (those that do not depend
// on other settings or on the data; Resolve fills in the rest).
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
		Decay:         Cosine,
		ValSplit:      0.1,
		Patience:      5,
		LBFGSMemory:   10,
		Normalize:     NormalizeAuto,
		Trim:          0.05,
		Seed:          1,
		Contamination: 0.1,
	}
}

// Resolve returns c with the defaults that depend on other settings or on
// the data filled in: d is the input width and n the number of training
// rows (0: not known yet; what depends on them stays unset). It keeps
// every value set, but those a sparsity kind fixes (relu codes, no
// trimming or weight decay for topk, batchtopk and jumprelu). Normalize
// auto depends on the data's values and is settled when training reads
// them; DeadWindow 0 when training starts.
func (c Config) Resolve(d, n int) Config {
	c.Layers = slices.Clone(c.Layers)
	if c.Hidden == 0 && len(c.Layers) > 0 {
		c.Hidden = c.Layers[len(c.Layers)-1]
	}
	if c.Hidden == 0 && d > 0 {
		c.Hidden = max(d/2, 2)
		if d >= 64 {
			c.Hidden = min(max(d/2, 32), 1024)
		}
	}
	if c.Sparsity == "" {
		c.Sparsity = SparsityKL
		if c.Variational {
			c.Sparsity = SparsityNone
		}
	}
	if c.Activation == "" {
		c.Activation = Sigmoid
		if c.TargetL0 > 0 {
			c.Activation = ReLU // l0 counts exact zeros: only relu codes have them
		}
	}
	if c.SupervisedEpochs == 0 {
		c.SupervisedEpochs = 20
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
	if c.Epochs == 0 && n > 0 {
		c.Epochs = 400
		if c.Optimizer != LBFGS {
			perEpoch := max(1, (n+c.Batch-1)/max(c.Batch, 1))
			c.Epochs = min(max((3000+perEpoch-1)/perEpoch, 20), 200)
		}
	}
	if c.Stacked && c.FinetuneEpochs == 0 && c.Epochs > 0 {
		c.FinetuneEpochs = c.Epochs
	}
	return c
}

// deadWindow is DeadWindow, or its default for n training rows.
func (c Config) deadWindow(n int) int64 {
	if c.DeadWindow > 0 {
		return int64(c.DeadWindow)
	}
	return int64(min(10_000_000, n))
}

// A FieldError is an invalid setting: the Config field and what is wrong
// with it. The message may name other fields as Config.Name.
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

// Validate reports every invalid or contradictory setting as a
// ConfigError. A zero value whose default Resolve fills in is valid.
func (c Config) Validate() error {
	var errs ConfigError
	bad := func(field, format string, a ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, a...)})
	}
	c.validateShape(bad)
	if c.Sparsity != "" {
		if k := c.kind(); k == nil {
			bad("Sparsity", "%q is not one of %s", c.Sparsity, kindNames(nil))
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
	if c.Stacked && len(c.Layers) < 2 {
		bad("Stacked", "needs a deep model: set Config.Layers to two or more widths")
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
	if c.FinetuneEpochs < 0 {
		bad("FinetuneEpochs", "must be >= 0, got %d", c.FinetuneEpochs)
	}
	if c.Warmup < 0 || c.Warmup >= 1 {
		bad("Warmup", "must be in [0, 1), got %g", c.Warmup)
	}
	oneOf(bad, "Decay", c.Decay, Cosine, Linear, NoDecay)
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
	oneOf(bad, "Normalize", c.Normalize, NormalizeAuto, NormalizeNone, NormalizeStandard, NormalizeMinMax, NormalizeRobust)
	if c.Threads < 0 {
		bad("Threads", "must be >= 0, got %d", c.Threads)
	}
	if c.Contamination < 0 || c.Contamination >= 0.5 {
		bad("Contamination", "must be in [0, 0.5), got %g", c.Contamination)
	}
}
