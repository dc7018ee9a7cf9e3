package sae

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/nn"
)

// Activation is the hidden layer's nonlinearity.
type Activation string

// Hidden activations.
const (
	ReLU    Activation = "relu"
	Sigmoid Activation = "sigmoid"
	Tanh    Activation = "tanh"
)

// Sparsity names the penalty that keeps codes sparse.
type Sparsity string

// Sparsity penalties.
const (
	SparsityNone Sparsity = "none"
	// SparsityL1 adds L1 * mean over rows of sum_j |a_j|, each latent
	// weighted by its decoder row's norm (see Config.L1Weight).
	SparsityL1 Sparsity = "l1"
	// SparsityKL adds Beta * sum_j KL(Rho || rho_hat_j), rho_hat_j the mean
	// activation of latent j over the batch (for tanh, of (a+1)/2).
	SparsityKL Sparsity = "kl"
	// SparsityTopK keeps the K largest pre-activations of each row, relu'd,
	// and zeroes the rest: the code has at most K active latents by
	// construction, so there is no penalty to tune (see topk.go).
	SparsityTopK Sparsity = "topk"
	// SparsityBatchTopK keeps the K*B largest pre-activations of a batch of
	// B rows (relu'd), so rows share a budget of K on average. At inference
	// a single threshold learned during training replaces the batch: a
	// latent is active when its pre-activation exceeds it, so a row's code
	// does not depend on the rows encoded with it.
	SparsityBatchTopK Sparsity = "batchtopk"
	// SparsityJumpReLU gives each latent j a learned threshold θ_j: the
	// code is a_j = pre_j where pre_j > θ_j, else 0, and the penalty is
	// L0Coef * mean over rows of the number of active latents. The
	// thresholds train through a straight-through estimator of bandwidth
	// Config.Bandwidth (see jumprelu.go); inference uses them as stored.
	SparsityJumpReLU Sparsity = "jumprelu"
)

// L1 weightings.
const (
	// L1Decoder weighs latent j's |a_j| by the norm of its decoder row
	// ||W_dec[j,:]||, so the penalty cannot be dodged by shrinking codes
	// and growing decoder rows. With unit-norm rows it is plain L1.
	L1Decoder = "decoder"
	// L1Plain is the textbook L1, sum_j |a_j|.
	L1Plain = "none"
)

// DecoderNorm says how the decoder's rows (the dictionary) are constrained.
type DecoderNorm string

// Decoder constraints.
const (
	// DecoderUnit keeps every decoder row at unit norm: the gradient
	// component parallel to each row is removed before a step and the rows
	// are renormalised after it.
	DecoderUnit DecoderNorm = "unit"
	// DecoderFree leaves the decoder unconstrained.
	DecoderFree DecoderNorm = "free"
)

// BiasInit names how the decoder (output) bias starts.
type BiasInit string

// Decoder-bias initialisations (mse models; bce models start at zero).
const (
	// BiasMedian: the geometric median of up to 4096 training rows, a
	// centre that outlying rows do not drag.
	BiasMedian BiasInit = "median"
	// BiasMean: the mean of the training rows.
	BiasMean BiasInit = "mean"
)

// Loss is the reconstruction loss; it also fixes the output layer.
type Loss string

// Reconstruction losses.
const (
	// MSE: linear output, loss = mean over rows of 1/2 * ||x̂ - x||^2.
	MSE Loss = "mse"
	// BCE: sigmoid output, loss = mean over rows of the summed binary cross
	// entropy; the (normalised) data must lie in [0, 1].
	BCE Loss = "bce"
)

// Optimizer names the training algorithm.
type Optimizer string

// Optimizers.
const (
	Adam  Optimizer = "adam"
	SGD   Optimizer = "sgd"
	LBFGS Optimizer = "lbfgs"
)

// Normalize names the input scaling fitted on the training data.
type Normalize string

// Input scalings.
const (
	NormalizeNone     Normalize = "none"
	NormalizeStandard Normalize = "standard"
	NormalizeMinMax   Normalize = "minmax"
	NormalizeRobust   Normalize = "robust"
	// NormalizeAuto resolves at training time: none for pixel-like data
	// (every value in [0, 1] and at least 64 columns, such as images),
	// robust otherwise (tabular data, whose columns differ in units and
	// often have heavy tails).
	NormalizeAuto Normalize = "auto"
)

// Config holds the architecture and the training hyper-parameters. The zero
// value is not useful: start from DefaultConfig. Every field documents its
// default; Validate reports contradictory settings.
type Config struct {
	// Hidden is the number of latents of a one-layer model. Default 0:
	// chosen from the input width d at training time by ResolveHidden.
	Hidden int `json:"hidden"`
	// Layers, when set, makes a deep autoencoder: the encoder's layer widths
	// from the input down to the code (the last width is the number of
	// latents), mirrored by the decoder. The sparsity penalty acts on the
	// code. Default nil: one hidden layer of Hidden latents.
	Layers []int `json:"layers,omitempty"`
	// Activation of the hidden layer. Default sigmoid; topk, batchtopk
	// and jumprelu always use relu (set by the trainer).
	Activation Activation `json:"activation"`
	// Sparsity penalty. Default kl.
	Sparsity Sparsity `json:"sparsity"`
	// L1 is the coefficient of the L1 penalty. Default 1e-3.
	L1 float64 `json:"l1"`
	// L1Weight weighs each latent's L1 term: "decoder" (by the norm of
	// its decoder row) or "none". Default "": decoder for an untied
	// model, none for a tied one (whose decoder is the encoder). The
	// gradient reaches the decoder rows through their norms.
	L1Weight string `json:"l1_weight,omitempty"`
	// L0Coef weighs jumprelu's L0 penalty, the mean number of active
	// latents per row, against the reconstruction loss (mean over rows
	// of 1/2 ||x̂ - x||^2). Default 0: 1e-3 * the input width d (with
	// TargetL0, 1e-5 * d, for the controller to raise).
	L0Coef float64 `json:"l0_coef,omitempty"`
	// Bandwidth is ε of jumprelu's straight-through estimator: a
	// threshold learns from the pre-activations within ε/2 of it (a
	// rectangle kernel). Default 0: 0.001.
	Bandwidth float64 `json:"bandwidth,omitempty"`
	// TargetL0 > 0 makes the trainer tune the penalty coefficient (L1
	// for l1, Beta for kl, L0Coef for jumprelu) so that the mean number
	// of active latents (|a| > 1e-6) per training row approaches it; the
	// configured coefficient is the starting point and the model stores
	// the final one (see targetl0.go). Needs relu codes (others are never
	// exactly zero) and the mini-batch optimisers; the sparse phase then
	// keeps its last weights (the objective changes with the coefficient,
	// so epochs are not compared). Default 0: the coefficient is fixed.
	TargetL0 float64 `json:"target_l0,omitempty"`
	// Rho is the KL penalty's target mean activation. Default 0.05.
	Rho float64 `json:"rho"`
	// Beta weighs the KL penalty. Default 3.
	Beta float64 `json:"beta"`
	// K is the number of active latents per row of topk (for batchtopk,
	// per row on average over a batch). Default 0: min(32, Hidden/4), at
	// least 1.
	K int `json:"k,omitempty"`
	// AuxK is k_aux of the AuxK loss (topk, batchtopk): the residual of
	// each row's reconstruction is reconstructed again from the AuxK
	// largest pre-activations of the dead latents alone, which gives dead
	// latents a gradient towards what the live ones miss. Default 0: d/2
	// (the published recipe), at most Hidden.
	AuxK int `json:"aux_k,omitempty"`
	// AuxCoef weighs the AuxK loss, mean over rows of
	// 1/2 ||residual - aux reconstruction||^2. Default 1/32; 0 turns AuxK off.
	AuxCoef float64 `json:"aux_coef"`
	// DeadWindow is the number of training samples after which a latent
	// that has not fired counts as dead (for AuxK and the dead_fraction
	// the trainer records). Default 0: 10,000,000 or the number of
	// training rows, whichever is smaller.
	DeadWindow int `json:"dead_window,omitempty"`
	// Resample restarts dead latents (topk, batchtopk): every DeadWindow
	// training samples, until 80% of the sparse phase, each dead latent is
	// pointed at the residual of a training row the model reconstructs
	// poorly (drawn in proportion to its squared error), its encoder
	// column scaled to Resample times the live latents' mean norm (see
	// resample.go). Default 0.6; 0 turns it off.
	Resample float64 `json:"resample"`
	// DecoderNorm constrains the decoder rows of a one-layer untied model.
	// Default "": unit for topk, batchtopk and jumprelu, free otherwise.
	DecoderNorm DecoderNorm `json:"decoder_norm,omitempty"`
	// DecoderBiasInit is how the decoder bias starts (mse). Default "":
	// median for topk, batchtopk and jumprelu, mean otherwise.
	DecoderBiasInit BiasInit `json:"decoder_bias_init,omitempty"`
	// WeightDecay is lambda in lambda/2 * ||W||^2 over the weight matrices
	// (not the biases). Default 1e-4; topk, batchtopk and jumprelu use none (their
	// decoder rows are unit-norm, and decay on the encoder costs rare
	// features), so the trainer sets 0 for them.
	WeightDecay float64 `json:"weight_decay"`
	// Variational makes a variational autoencoder: the code is Gaussian
	// (the last encoder layer outputs its mean and log-variance), training
	// samples it with the reparameterisation trick and adds KL(q(z|x) ||
	// N(0, I)) to the loss (the Gaussian decoder for mse, Bernoulli for
	// bce); encode returns the mean. Default false.
	Variational bool `json:"variational,omitempty"`
	// Stacked trains a deep model greedily: each layer first as a one-layer
	// sparse autoencoder of the previous layer's codes (Epochs each, with
	// the same penalty, noise and options), then the whole stack jointly on
	// reconstruction for FinetuneEpochs (default: Epochs). Needs Layers.
	// Default false.
	Stacked bool `json:"stacked,omitempty"`
	// SupervisedEpochs is the length of the supervised phase of a model
	// trained with labels: a softmax head on the code, trained with the
	// whole encoder on cross-entropy. Default 0: 20.
	SupervisedEpochs int `json:"supervised_epochs,omitempty"`
	// Contractive is the coefficient of the contractive penalty: the mean
	// squared Frobenius norm of the encoder's Jacobian (layer by layer in a
	// deep encoder). Default 0.
	Contractive float64 `json:"contractive,omitempty"`
	// Trim leaves out of each mini-batch's loss the fraction Trim of rows
	// it reconstructs worst, so that anomalies hidden in unlabelled
	// training data are not learned (robust training for anomaly
	// detection). Default 0.05; topk, batchtopk and jumprelu train on every row
	// (the rows a trimmed loss drops are where rare features live), so the
	// trainer sets 0 for them.
	Trim float64 `json:"trim,omitempty"`
	// Loss is the reconstruction loss. Default mse.
	Loss Loss `json:"loss"`
	// Tied uses W_dec = W_enc^T. Default false.
	Tied bool `json:"tied"`
	// Noise makes a denoising autoencoder: each batch's input is corrupted
	// afresh ("gaussian:S" adds N(0, S²), "mask:P" zeroes values with
	// probability P, "saltpepper:P" sets values to their column's min or max
	// with probability P) and the loss compares the reconstruction with the
	// clean input. Corruption applies to the scaled input. Default "" (none).
	Noise string `json:"noise,omitempty"`

	// Optimizer. Default adam.
	Optimizer Optimizer `json:"optimizer"`
	// LR is the peak learning rate. Default 1e-3 (adam; for topk,
	// batchtopk and jumprelu 3e-3 * min(1, sqrt(1024/Hidden))), 0.1 (sgd); unused by
	// lbfgs.
	LR float64 `json:"lr"`
	// Momentum of sgd. Default 0.9.
	Momentum float64 `json:"momentum"`
	// Batch is the mini-batch size (adam, sgd). Default 256.
	Batch int `json:"batch"`
	// Epochs of sparse training (iterations for lbfgs). Default 0: enough
	// epochs for about 3000 optimiser steps, within [20, 200] (lbfgs: 400
	// iterations); see ResolveEpochs. -1 skips the phase: with labels, the
	// network is then trained as a classifier from random initialisation.
	Epochs int `json:"epochs"`
	// FinetuneEpochs of reconstruction-only training after the sparse
	// phase: the sparsity penalty is switched off, weight decay stays.
	// Default 0.
	FinetuneEpochs int `json:"finetune_epochs"`
	// Warmup is the fraction of each phase's steps (sparse training,
	// fine-tuning, supervised training) over which the learning rate rises
	// linearly from 0 to LR. Default 0.02.
	Warmup float64 `json:"warmup"`
	// Decay is the learning-rate schedule after warm-up, to the end of each
	// phase: "cosine" (to 10% of LR at the last step), "linear" (to 0) or
	// "none". Default cosine.
	Decay string `json:"decay"`
	// ClipNorm rescales the gradient when its global L2 norm exceeds it;
	// 0 turns clipping off. Default 0.
	ClipNorm float64 `json:"clip_norm"`
	// ValSplit is the fraction of the training rows held out for
	// validation and early stopping, when no separate validation data is
	// given. Default 0.1; 0 disables.
	ValSplit float64 `json:"val_split"`
	// Patience stops training after this many epochs without a better
	// validation loss and restores the best weights; 0 disables. An epoch
	// in which dead latents were resampled counts as the best so far (the
	// loss rises while they settle). Default 5.
	Patience int `json:"patience"`
	// LBFGSMemory is the number of correction pairs lbfgs keeps. Default 10.
	LBFGSMemory int `json:"lbfgs_memory"`
	// Normalize is the input scaling, fitted on the training rows and
	// stored in the model. Default auto (for topk, batchtopk and jumprelu, auto is
	// none: per-column scaling would bend the dictionary's directions).
	Normalize Normalize `json:"normalize"`
	// Seed fixes initialisation, shuffling and the validation split.
	// Default 1. The same seed and Threads give the same model.
	Seed uint64 `json:"seed"`
	// Threads is the number of cores the kernels use; 0 means all. Default 0.
	Threads int `json:"threads"`
	// Contamination is the expected fraction of anomalies in the training
	// data; the anomaly threshold stored with the model is the
	// (1-Contamination) quantile of the training rows' scores. Default 0.1.
	Contamination float64 `json:"contamination"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Activation:    Sigmoid,
		Sparsity:      SparsityKL,
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
		Decay:         "cosine",
		ValSplit:      0.1,
		Patience:      5,
		LBFGSMemory:   10,
		Normalize:     NormalizeAuto,
		Trim:          0.05,
		Seed:          1,
		Contamination: 0.1,
	}
}

// ResolveHidden is the latent count used for input width d when Hidden is
// 0: d/2 clamped to [32, 1024] for d >= 64, max(d/2, 2) below.
func ResolveHidden(d int) int {
	if d >= 64 {
		return min(max(d/2, 32), 1024)
	}
	return max(d/2, 2)
}

// ResolveEpochs is the number of epochs used for trainRows rows when
// Epochs is 0: about 3000 optimiser steps of Batch rows, within [20, 200]
// (small data sets need many epochs to converge, large ones few); 400
// iterations for lbfgs.
func (c Config) ResolveEpochs(trainRows int) int {
	if c.Optimizer == LBFGS {
		return 400
	}
	perEpoch := max(1, (trainRows+c.Batch-1)/max(c.Batch, 1))
	return min(max((3000+perEpoch-1)/perEpoch, 20), 200)
}

// withDefaults fills the fields whose default depends on other fields and
// on the input width d (the epoch count, which depends on the rows, is
// resolved by the trainer).
func (c Config) withDefaults(d int) Config {
	if len(c.Layers) > 0 {
		c.Layers = append([]int(nil), c.Layers...)
		c.Hidden = c.Layers[len(c.Layers)-1]
	}
	if c.Hidden == 0 {
		c.Hidden = ResolveHidden(d)
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
	if c.LR == 0 {
		switch c.Optimizer {
		case SGD:
			c.LR = 0.1
		default:
			c.LR = 1e-3
		}
	}
	return c
}

// Validate reports every invalid or contradictory setting, one per line.
func (c Config) Validate() error {
	var errs []string
	bad := func(field, format string, a ...any) {
		errs = append(errs, field+": "+fmt.Sprintf(format, a...))
	}
	if c.Hidden < 0 {
		bad("hidden", "must be >= 0, got %d", c.Hidden)
	}
	for _, w := range c.Layers {
		if w < 1 || w > 1<<20 {
			bad("layers", "widths must be in [1, %d], got %v", 1<<20, c.Layers)
			break
		}
	}
	if len(c.Layers) > 0 && c.Hidden != 0 && c.Hidden != c.Layers[len(c.Layers)-1] {
		bad("hidden", "%d contradicts --layers %v (whose last width is the number of latents)", c.Hidden, c.Layers)
	}
	switch c.Activation {
	case ReLU, Sigmoid, Tanh:
	default:
		bad("activation", "%q is not one of relu, sigmoid, tanh", c.Activation)
	}
	if k := c.kind(); k == nil {
		bad("sparsity", "%q is not one of %s", c.Sparsity, nn.Names(nil))
	} else {
		p := c.params()
		k.Validate(&p, bad)
	}
	if c.K < 0 || (c.Hidden > 0 && c.K > c.Hidden) {
		bad("k", "must be in [1, hidden] (0: the default), got %d", c.K)
	}
	if c.AuxK < 0 || (c.Hidden > 0 && c.AuxK > c.Hidden) {
		bad("aux-k", "must be in [1, hidden] (0: the default), got %d", c.AuxK)
	}
	if c.AuxCoef < 0 {
		bad("aux-coef", "must be >= 0, got %g", c.AuxCoef)
	}
	if c.Resample < 0 || math.IsNaN(c.Resample) {
		bad("resample", "must be >= 0 (0: off), got %g", c.Resample)
	}
	if c.DeadWindow < 0 {
		bad("dead-window", "must be >= 0 (0: the default), got %d", c.DeadWindow)
	}
	switch c.DecoderNorm {
	case "", DecoderFree:
	case DecoderUnit:
		if len(c.Layers) > 1 || c.Tied || c.Variational {
			bad("decoder-norm", "unit needs a one-layer untied model")
		}
	default:
		bad("decoder-norm", "%q is not one of unit, free", c.DecoderNorm)
	}
	switch c.DecoderBiasInit {
	case "", BiasMedian, BiasMean:
	default:
		bad("decoder-bias-init", "%q is not one of median, mean", c.DecoderBiasInit)
	}
	if c.L1 < 0 {
		bad("l1", "must be >= 0, got %g", c.L1)
	}
	switch c.L1Weight {
	case "", L1Plain:
	case L1Decoder:
		if c.Tied {
			bad("l1-weight", "decoder needs untied weights (a tied decoder is the encoder)")
		}
	default:
		bad("l1-weight", "%q is not one of decoder, none", c.L1Weight)
	}
	if c.L0Coef < 0 {
		bad("l0-coef", "must be >= 0 (0: the default), got %g", c.L0Coef)
	}
	if c.Bandwidth < 0 {
		bad("bandwidth", "must be >= 0 (0: the default), got %g", c.Bandwidth)
	}
	c.validateTargetL0(bad)
	if c.Stacked && len(c.Layers) < 2 {
		bad("stacked", "needs a deep model: give --layers with two or more widths")
	}
	if c.Stacked && c.Optimizer == LBFGS {
		bad("stacked", "use adam or sgd")
	}
	if c.SupervisedEpochs < 0 {
		bad("supervised-epochs", "must be >= 0, got %d", c.SupervisedEpochs)
	}
	if c.Variational {
		if c.Stacked {
			bad("variational", "stacked pre-training of a variational model is not supported")
		}
		if c.Sparsity != SparsityNone {
			bad("variational", "the variational code has its own KL term: use --sparsity none (got %s)", c.Sparsity)
		}
		if c.Tied {
			bad("variational", "a variational model cannot have tied weights")
		}
		if c.Contractive > 0 {
			bad("variational", "combining with --contractive is not supported")
		}
		if c.Optimizer == LBFGS {
			bad("variational", "needs fresh samples per batch: use adam or sgd, not lbfgs")
		}
	}
	if c.Contractive < 0 {
		bad("contractive", "must be >= 0, got %g", c.Contractive)
	}
	if c.Trim < 0 || c.Trim >= 0.5 {
		bad("trim", "must be in [0, 0.5), got %g", c.Trim)
	}
	if c.WeightDecay < 0 {
		bad("weight-decay", "must be >= 0, got %g", c.WeightDecay)
	}
	if ns, err := parseNoise(c.Noise); err != nil {
		bad("noise", "%v", err)
	} else if ns.kind != "" && c.Optimizer == LBFGS {
		bad("noise", "denoising needs fresh noise per batch: use adam or sgd, not lbfgs")
	}
	switch c.Loss {
	case MSE, BCE:
	default:
		bad("loss", "%q is not one of mse, bce", c.Loss)
	}
	switch c.Optimizer {
	case Adam, SGD, LBFGS:
	default:
		bad("optimizer", "%q is not one of adam, sgd, lbfgs", c.Optimizer)
	}
	if c.LR < 0 {
		bad("lr", "must be >= 0 (0: the optimiser's default), got %g", c.LR)
	}
	if c.Momentum < 0 || c.Momentum >= 1 {
		bad("momentum", "must be in [0, 1), got %g", c.Momentum)
	}
	if c.Batch < 1 {
		bad("batch", "must be >= 1, got %d", c.Batch)
	}
	if c.Epochs < -1 {
		bad("epochs", "must be >= -1, got %d", c.Epochs)
	}
	if c.Epochs == -1 && c.Stacked {
		bad("epochs", "-1 (no unsupervised phase) contradicts --stacked")
	}
	if c.FinetuneEpochs < 0 {
		bad("finetune-epochs", "must be >= 0, got %d", c.FinetuneEpochs)
	}
	if c.Warmup < 0 || c.Warmup >= 1 {
		bad("warmup", "must be in [0, 1), got %g", c.Warmup)
	}
	switch c.Decay {
	case "cosine", "linear", "none":
	default:
		bad("decay", "%q is not one of cosine, linear, none", c.Decay)
	}
	if c.ClipNorm < 0 {
		bad("clip", "must be >= 0, got %g", c.ClipNorm)
	}
	if c.ValSplit < 0 || c.ValSplit >= 1 {
		bad("val-split", "must be in [0, 1), got %g", c.ValSplit)
	}
	if c.Patience < 0 {
		bad("patience", "must be >= 0, got %d", c.Patience)
	}
	if c.LBFGSMemory < 1 {
		bad("lbfgs-memory", "must be >= 1, got %d", c.LBFGSMemory)
	}
	switch c.Normalize {
	case NormalizeNone, NormalizeStandard, NormalizeMinMax, NormalizeRobust, NormalizeAuto:
	default:
		bad("normalize", "%q is not one of auto, none, standard, minmax, robust", c.Normalize)
	}
	if c.Threads < 0 {
		bad("threads", "must be >= 0, got %d", c.Threads)
	}
	if c.Contamination < 0 || c.Contamination >= 0.5 {
		bad("contamination", "must be in [0, 0.5), got %g", c.Contamination)
	}
	if len(errs) > 0 {
		return errors.New("invalid config: " + strings.Join(errs, "; "))
	}
	return nil
}

// netSpec is the network shape for input width d (defaults resolved).
func (c Config) netSpec(d int) nn.Spec {
	k := c.kind()
	s := nn.Spec{Sizes: c.sizes(d), Act: c.Activation.act(), Loss: c.Loss.loss(), Tied: c.Tied, VAE: c.Variational, Kind: k,
		UnitDecoder: c.DecoderNorm == DecoderUnit}
	if k.Traits().K {
		s.K = c.K
	}
	return s
}

// act is a's kernel activation.
func (a Activation) act() kernels.Act {
	switch a {
	case ReLU:
		return kernels.ReLU
	case Sigmoid:
		return kernels.Sigmoid
	case Tanh:
		return kernels.Tanh
	}
	panic("sae: unknown activation " + string(a))
}

// activation is the Activation of a kernel activation.
func activation(a kernels.Act) Activation {
	switch a {
	case kernels.ReLU:
		return ReLU
	case kernels.Sigmoid:
		return Sigmoid
	}
	return Tanh
}

// loss is l's network loss.
func (l Loss) loss() nn.Loss {
	if l == BCE {
		return nn.BCE
	}
	return nn.MSE
}

// sizes returns the network's widths [d, layers...] for input width d
// (defaults resolved).
func (c Config) sizes(d int) []int {
	if len(c.Layers) > 0 {
		return append([]int{d}, c.Layers...)
	}
	return []int{d, c.Hidden}
}
