package sae

// The enumerations of Config's fields.

// Activation is the hidden layers' nonlinearity.
type Activation string

const (
	ReLU    Activation = "relu"
	Sigmoid Activation = "sigmoid"
	Tanh    Activation = "tanh"
)

// Sparsity is a kind of sparsity (internal/nn/kind_*.go): penalties l1 and
// kl, or codes that keep K latents per row (topk; batchtopk: on average) or
// those above a learned threshold per latent (jumprelu).
type Sparsity string

const (
	SparsityNone      Sparsity = "none"
	SparsityL1        Sparsity = "l1"
	SparsityKL        Sparsity = "kl"
	SparsityTopK      Sparsity = "topk"
	SparsityBatchTopK Sparsity = "batchtopk"
	SparsityJumpReLU  Sparsity = "jumprelu"
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

// Decay is the learning rate's schedule: cosine (to 10%), linear or none.
type Decay string

const (
	Cosine  Decay = "cosine"
	Linear  Decay = "linear"
	NoDecay Decay = "none"
)

// Normalize is the input scaling. Auto is none for pixel-like data and
// topk, batchtopk, jumprelu, else robust (bce: minmax if needed).
type Normalize string

const (
	NormalizeAuto     Normalize = "auto"
	NormalizeNone     Normalize = "none"
	NormalizeStandard Normalize = "standard"
	NormalizeMinMax   Normalize = "minmax"
	NormalizeRobust   Normalize = "robust"
)
