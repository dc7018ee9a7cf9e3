package nn

import (
	"fmt"
	"strings"
)

// A sparsity kind is one type behind the Kind interface, in a file of its
// own (kind_<name>.go), with one row in the kinds table below: adding a kind
// is one file and one row. A kind carries what the rest of the program
// asks of it: its defaults and validation (on Params, the settings it
// reads, which the root package copies from and back to sae.Config by
// field name), the Config fields that apply to it (the command line's
// checks), the coefficient Config.TargetL0 tunes, its extra tensors, and
// its network: the inference rule, the training step's forward and
// backward pass, the full-data objective's penalty and what happens after
// an optimiser step (code[T], one instantiation per element type).

// Kind is a sparsity kind.
type Kind interface {
	// Name is the kind's name in configs, flags and model files.
	Name() string
	// Traits says what sort of kind it is.
	Traits() Traits
	// Fields are the Config fields that only some kinds use, among them
	// those this one uses (the command line refuses the others).
	Fields() []string
	// Resolve fills the kind's defaults into p, for input width d (0: not
	// known yet: defaults that depend on it, or on p.Hidden while that is
	// 0, stay unset). It may also fix settings the kind cannot do without.
	Resolve(p *Params, d int)
	// Validate reports, through bad, settings the kind cannot train with.
	Validate(p *Params, bad func(field, format string, args ...any))
	// Target is the coefficient Config.TargetL0 tunes (Field "": none).
	Target(p *Params) Target
	// Tensors are the kind's tensors beyond the dense layers, for h latents.
	Tensors(h int) []Tensor
	// Describe names the kind in a model's one-line description.
	Describe(p *Params) string
	// Summary says in a few words what the kind does (the command
	// line's help), naming the Config fields it uses as Config.Name.
	Summary() string

	code32() code[float32]
	code64() code[float64]
}

// Traits says what sort of kind a Kind is.
type Traits struct {
	// Code: the kind has its own code, a selection of latents of a
	// one-layer model whose encoder reads the input centred by the
	// decoder bias; it is recorded in a model file's architecture, dead
	// latents are tracked, and L0 counts the kept latents. False for the
	// penalty kinds, whose network is the plain autoencoder.
	Code bool
	// K: the code keeps Params.K latents per row (in training; batchtopk
	// on average), recorded in the model file.
	K bool
	// Resample: dead latents may be restarted (Config.Resample).
	Resample bool
}

// Target is the coefficient Config.TargetL0 tunes.
type Target struct {
	Field string   // the Config field, e.g. "L1"
	Coef  *float64 // the coefficient in p
	// Sign is +1 when a larger coefficient means fewer active latents, -1
	// when more; Lo and Hi bound it (Hi 0: unbounded).
	Sign, Lo, Hi float64
}

// Tensor is one of a kind's tensors: a name, a shape, whether weight decay
// applies, every value's starting value, and whether it holds one value
// per latent that starts again when its latent is restarted (Net.Restart).
type Tensor struct {
	Name   string
	Shape  []int
	Weight bool
	Init   float64
	Latent bool
}

// Params are the settings the kinds read, resolve or fix: each field is
// the sae.Config field of the same name (enumerations as their strings);
// the root package copies them by name.
type Params struct {
	Hidden          int
	Layers          []int
	Activation      string
	Loss            string
	Tied            bool
	Variational     bool
	Stacked         bool
	Optimizer       string
	LR              float64
	Contractive     float64
	Trim            float64
	WeightDecay     float64
	DecoderNorm     string
	DecoderBiasInit string
	Normalize       string
	FinetuneEpochs  int
	TargetL0        float64
	L1              float64
	L1Weight        string
	Rho, Beta       float64
	K, AuxK         int
	Groups          []int
	GroupWeight     float64
	AuxCoef         float64
	DeadWindow      int
	Resample        float64
	L0Coef          float64
	Bandwidth       float64
}

// Terms are what a training step or a full-data pass includes, beyond the
// reconstruction loss: the settings, whether the kind's penalty applies
// (Sparse; off in fine-tuning) and AuxK's dead latents.
type Terms struct {
	Params
	// Sparse switches the kind's penalty on (the sparse phase).
	Sparse bool
	// Dead marks the dead latents for the AuxK loss (nil: no AuxK term).
	Dead []bool
	// auxResidual, when set (gradient checks), is the residual AuxK
	// reconstructs instead of target - x̂: the term treats the residual as
	// a constant, and a finite-difference check must hold it fixed.
	auxResidual []float64
	// frozenDecoder, when set (gradient checks), is the frozen copy of
	// the decoder gated's sparsity and auxiliary terms read (W_dec, then
	// b_dec): a finite-difference check must hold it fixed.
	frozenDecoder []float64
}

// State is a kind's training state that checkpoints save: the number of
// batchtopk's threshold updates.
type State struct {
	ThresholdSteps int
}

// kinds is the table of sparsity kinds.
var kinds = []Kind{
	none{},
	l1Kind{},
	klKind{},
	topKKind{},
	batchTopKKind{},
	jumpReLUKind{},
	matryoshkaKind{},
	gatedKind{},
}

// Kinds lists the sparsity kinds in the table's order.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// Lookup returns the kind named name, or nil.
func Lookup(name string) Kind {
	for _, k := range kinds {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// Names lists the kinds' names as prose: "a, b or c", keeping only the kinds
// keep accepts (nil: all).
func Names(keep func(Kind) bool) string {
	var s []string
	for _, k := range kinds {
		if keep == nil || keep(k) {
			s = append(s, k.Name())
		}
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// kindOf is k, or none for nil.
func kindOf(k Kind) Kind {
	if k == nil {
		return none{}
	}
	return k
}

// code is a kind's network for element type T.
type code[T Float] interface {
	// encode returns the codes [rows,h] of x [rows,d] by the inference
	// rule, in w's buffers.
	encode(n *Net[T], w *Workspace[T], x []T, rows int) []T
	// decode writes the reconstruction of the codes of the last encode
	// into z (and, for bce, its sigmoid into xhat).
	decode(n *Net[T], w *Workspace[T], codes []T, rows int, z, xhat []T)
	// forwardBackward is Net.ForwardBackward.
	forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, rates []T) Parts
	// active counts the active latents of the last forwardBackward.
	active(n *Net[T], w *Workspace[T], rows int) int
	// stats accumulates the kind's penalty over the chunks of a full-data
	// pass (nil: no penalty term).
	stats(n *Net[T], t *Terms) stats[T]
	// afterStep runs after an optimiser step on the batch of rows rows the
	// last forwardBackward saw.
	afterStep(n *Net[T], w *Workspace[T], rows int, st *State)
}

// stats accumulates a penalty's value over the chunks of a full-data pass.
type stats[T Float] interface {
	// add takes the chunk of rows whose codes are a [rows,h], just
	// encoded into w.
	add(n *Net[T], w *Workspace[T], a []T, rows int)
	// value is the penalty over the N rows added.
	value(n *Net[T], rows int) float64
}

// penalty is a penalty kind's term on the dense code (denseCode).
type penalty[T Float] interface {
	// backward adds the penalty's gradient with respect to the code a
	// [rows,h] into da and returns its value (see Net.ForwardBackward for
	// norm and rates).
	backward(n *Net[T], w *Workspace[T], a, da []T, rows int, norm T, t *Terms, rates []T) float64
	stats(n *Net[T], t *Terms) stats[T]
	// rates reports whether a full-batch pass must find the latents'
	// rates over all rows first (FullGrad), and value charges the penalty
	// on them.
	rates(t *Terms) bool
	ratesValue(r []T, t *Terms) float64
}

// codeOf is k's network for element type T.
func codeOf[T Float](k Kind) code[T] {
	var c any
	switch any(T(0)).(type) {
	case float32:
		c = k.code32()
	case float64:
		c = k.code64()
	}
	return c.(code[T])
}

// noTarget is the Target of a kind without a penalty to tune.
func noTarget() Target { return Target{} }

// describe is the usual Describe: "l1 sparsity".
func describe(k Kind) string { return fmt.Sprintf("%s sparsity", k.Name()) }
