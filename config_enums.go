package sae

// The enumerations of Config's fields.

// Activation is the hidden layers' nonlinearity.
type Activation string

const (
	ReLU    Activation = "relu"
	Sigmoid Activation = "sigmoid"
	Tanh    Activation = "tanh"
)

// Sparsity is a kind of sparsity (internal/nn/kind_*.go, one file each;
// the constants below name them for Go programs): penalties l1 and kl, or
// codes that keep K latents per row (topk; batchtopk: on average;
// matryoshka: batchtopk with nested prefixes) or those above a learned
// threshold per latent (jumprelu), or gate and magnitude paths (gated).
type Sparsity string

const (
	SparsityNone       Sparsity = "none"
	SparsityL1         Sparsity = "l1"
	SparsityKL         Sparsity = "kl"
	SparsityTopK       Sparsity = "topk"
	SparsityBatchTopK  Sparsity = "batchtopk"
	SparsityJumpReLU   Sparsity = "jumprelu"
	SparsityMatryoshka Sparsity = "matryoshka"
	SparsityGated      Sparsity = "gated"
)

// L1Weight weighs latent j's l1 term by its decoder row's norm or by 1.
type L1Weight string

const (
	L1Decoder L1Weight = "decoder"
	L1Plain   L1Weight = "none"
)

// DecoderNorm keeps the decoder's rows at unit norm, or not.
type DecoderNorm string

const (
	DecoderUnit DecoderNorm = "unit"
	DecoderFree DecoderNorm = "free"
)

// BiasInit starts the decoder bias at the rows' geometric median or mean.
type BiasInit string

const (
	BiasMedian BiasInit = "median"
	BiasMean   BiasInit = "mean"
)

// Loss is the reconstruction loss: mse (linear output) or bce (sigmoid).
type Loss string

const (
	MSE Loss = "mse"
	BCE Loss = "bce"
)

// Optimizer is mini-batch Adam, SGD with momentum, or full-batch L-BFGS.
type Optimizer string

const (
	Adam  Optimizer = "adam"
	SGD   Optimizer = "sgd"
	LBFGS Optimizer = "lbfgs"
)

// Decay is the learning rate's schedule after warm-up: plateau (divided by
// ten on each plateau of the validation loss, stopping at the third),
// cosine (to 10%), linear (to 0) or none.
type Decay string

const (
	Cosine  Decay = "cosine"
	Linear  Decay = "linear"
	NoDecay Decay = "none"
	// Plateau holds the learning rate until the watched loss (validation,
	// or training without validation rows) has not improved by 0.1% for
	// a patience (Config.Patience epochs, at least plateauPatienceSteps:
	// 1000 steps, or plateauCheapSteps: 3000 steps where a step is cheap,
	// see leastPatience), then divides it by ten and puts the best
	// weights back (with validation rows; restoreBest); the third plateau ends
	// the phase, which the epoch count then only bounds (by default thirty
	// least patiences: plateauBudget).
	Plateau Decay = "plateau"
)

// Normalize is the input scaling. Auto is global for data of 64 columns or
// more (pixels, embeddings, activations: columns in one unit) and robust
// below (measurements in units of their own); for bce, none when the data
// lie in [0, 1] and minmax otherwise; for topk, batchtopk, matryoshka and
// gated, global from 64 columns and standard below (robust's zero IQR
// would blow up a sparse column); for jumprelu, none (its bandwidth is
// absolute).
type Normalize string

const (
	NormalizeAuto     Normalize = "auto"
	NormalizeNone     Normalize = "none"
	NormalizeStandard Normalize = "standard"
	NormalizeMinMax   Normalize = "minmax"
	NormalizeRobust   Normalize = "robust"
	// NormalizeGlobal centres every column on its mean and divides all of
	// them by one scale, the root mean square of the columns' standard
	// deviations: directions and the columns' relative sizes are kept (a
	// near-constant column is not blown up), and the data's overall size
	// is one.
	NormalizeGlobal Normalize = "global"
)

// Precision is the number format of the training products (precision.go):
// fp32, bf16 (bfloat16 operands, float32 sums; weights, gradients and
// optimiser state float32) or auto (bf16 where this CPU multiplies bf16
// measurably faster than fp32, else fp32).
type Precision string

const (
	FP32          Precision = "fp32"
	BF16          Precision = "bf16"
	PrecisionAuto Precision = "auto"
)
