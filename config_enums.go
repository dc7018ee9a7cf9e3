package sae

// The enumerations of Config's fields.

// Activation is the hidden layers' nonlinearity.
type Activation string

// Activations.
const (
	ReLU    Activation = "relu"
	Sigmoid Activation = "sigmoid"
	Tanh    Activation = "tanh"
)

// Sparsity is a kind of sparsity; each is a file internal/nn/kind_*.go,
// whose header has its equations.
type Sparsity string

// Sparsity kinds.
const (
	SparsityNone Sparsity = "none"
	// SparsityL1: L1 * mean over rows of Σ_j |a_j| (weighted: L1Weight).
	SparsityL1 Sparsity = "l1"
	// SparsityKL: Beta * Σ_j KL(Rho || mean activation of latent j).
	SparsityKL Sparsity = "kl"
	// SparsityTopK keeps each row's K largest pre-activations (relu'd).
	SparsityTopK Sparsity = "topk"
	// SparsityBatchTopK keeps a batch's K*rows largest in training, and
	// those above a learned threshold at inference.
	SparsityBatchTopK Sparsity = "batchtopk"
	// SparsityJumpReLU keeps the pre-activations above a learned threshold
	// per latent, with an L0 penalty L0Coef.
	SparsityJumpReLU Sparsity = "jumprelu"
)

// L1Weight says how each latent's l1 term is weighted.
type L1Weight string

// L1 weightings.
const (
	// L1Decoder weighs |a_j| by the norm of latent j's decoder row, so
	// that the penalty cannot be dodged by shrinking codes and growing
	// rows (with unit-norm rows it is plain L1).
	L1Decoder L1Weight = "decoder"
	L1Plain   L1Weight = "none" // the textbook Σ_j |a_j|
)

// DecoderNorm is the constraint on the decoder's rows (the dictionary).
type DecoderNorm string

// Decoder constraints.
const (
	// DecoderUnit keeps every row at unit norm: the gradient's component
	// along each row is removed before a step, and rows renormalised after.
	DecoderUnit DecoderNorm = "unit"
	DecoderFree DecoderNorm = "free"
)

// BiasInit is where the decoder (output) bias starts; bce models start
// at zero.
type BiasInit string

// Decoder-bias starts.
const (
	BiasMedian BiasInit = "median" // the geometric median of up to 4096 training rows
	BiasMean   BiasInit = "mean"   // the training rows' mean
)

// Loss is the reconstruction loss; it also fixes the output layer.
type Loss string

// Reconstruction losses.
const (
	MSE Loss = "mse" // linear output, mean over rows of 1/2 ||x̂ - x||²
	// BCE: sigmoid output, mean over rows of the summed binary cross
	// entropy; the (scaled) data must lie in [0, 1].
	BCE Loss = "bce"
)

// Optimizer is the training algorithm.
type Optimizer string

// Optimizers: mini-batch Adam or SGD with momentum, full-batch L-BFGS.
const (
	Adam  Optimizer = "adam"
	SGD   Optimizer = "sgd"
	LBFGS Optimizer = "lbfgs"
)

// Decay is the learning-rate schedule after warm-up.
type Decay string

// Schedules, to the last step of each phase.
const (
	Cosine  Decay = "cosine" // to 10% of LR
	Linear  Decay = "linear" // to 0
	NoDecay Decay = "none"
)

// Normalize is the input scaling fitted on the training rows (Normalizer).
type Normalize string

// Input scalings.
const (
	NormalizeNone     Normalize = "none"
	NormalizeStandard Normalize = "standard"
	NormalizeMinMax   Normalize = "minmax"
	NormalizeRobust   Normalize = "robust"
	// NormalizeAuto is none for pixel-like data (every value in [0, 1],
	// at least 64 columns), robust for other data (bce: minmax if needed),
	// none for topk, batchtopk and jumprelu.
	NormalizeAuto Normalize = "auto"
)
