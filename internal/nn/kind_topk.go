package nn

import "fmt"

// topk: row i keeps its K largest pre-activations (relu'd) and zeroes the
// rest, in training and at inference: the code has at most K active
// latents by construction, so there is no penalty to tune. The selection,
// the sparse decode and backward and AuxK are select.go's and auxk.go's.
type topKKind struct{ kindBase }

func (topKKind) Name() string { return "topk" }

func (topKKind) Summary() string { return "the Config.K largest latents of each row" }

func (topKKind) Traits() Traits { return Traits{Code: true, K: true, Resample: true} }

func (topKKind) Fields() []string { return kFields }

func (topKKind) Resolve(p *Params, d int) { resolveK(p, d) }

func (k topKKind) Validate(p *Params, bad func(field, format string, args ...any)) {
	dictionaryValidate(k.Name(), p, bad)
}

func (k topKKind) Describe(p *Params) string { return describeK(k, p) }
func (topKKind) code32() code[float32]       { return topKCode[float32]{} }
func (topKKind) code64() code[float64]       { return topKCode[float64]{} }

// kFields are the fields of the kinds that keep K latents per row.
var kFields = []string{"K", "AuxK", "AuxCoef", "DeadWindow", "Resample"}

// resolveK is the defaults of a kind that keeps K latents per row: K =
// min(32, Hidden/4), at least 1; AuxK = d/2 (the published recipe), at most
// Hidden; the dictionary's (dictionaryDefaults) and scaling
// (dictionaryScaling).
func resolveK(p *Params, d int) {
	dictionaryDefaults(p)
	dictionaryScaling(p, d)
	if p.K == 0 && p.Hidden > 0 {
		p.K = max(1, min(32, p.Hidden/4))
	}
	if p.AuxK == 0 && p.Hidden > 0 && d > 0 {
		p.AuxK = max(1, min(d/2, p.Hidden))
	}
}

func describeK(k Kind, p *Params) string { return fmt.Sprintf("%s k=%d", k.Name(), p.K) }

type topKCode[T Float] struct{ selectCode[T] }

func (topKCode[T]) encode(n *Net[T], w *Workspace[T], x []T, rows int) []T {
	pre := n.preActivations(w, x, rows)
	selectTopK(n.nt, &w.sel, &w.sel.main, pre, rows, n.H, n.k, nil)
	return n.scatter(&w.sel.main, pre, rows)
}

func (topKCode[T]) forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, _ []T) Parts {
	return n.selectForwardBackward(w, x, target, rows, norm, t, false)
}
