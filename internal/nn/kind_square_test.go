package nn

// A sparsity kind that exists only in the tests, to show what adding one
// takes: this file and the row its init adds to the kinds table (a real
// kind's row goes in kind.go's table). Nothing else in the program names
// it, yet the tests train, validate, save, load, checkpoint, resume and
// export it like the others (kinds_test.go, wiring_test.go).
//
// square: the penalty L1 * mean over rows of Σ_j a_j², on the dense code
// (Config.L1 is its coefficient, and the one Config.TargetL0 tunes). With
// c = norm * L1:
//
//	value    c Σ_ij a_ij²
//	d/da_ij  2 c a_ij

import "github.com/sae-go/sae/internal/kernels"

func init() { kinds = append(kinds, squareKind{}) }

type squareKind struct{ kindBase }

func (squareKind) Name() string              { return "square" }
func (squareKind) Summary() string           { return "a squared penalty, Config.L1" }
func (squareKind) Fields() []string          { return []string{"L1", "TargetL0"} }
func (squareKind) Target(p *Params) Target   { return Target{Field: "L1", Coef: &p.L1, Sign: 1} }
func (k squareKind) Describe(*Params) string { return describe(k) }
func (squareKind) code32() code[float32]     { return denseCode[float32]{squarePenalty[float32]{}} }
func (squareKind) code64() code[float64]     { return denseCode[float64]{squarePenalty[float64]{}} }

type squarePenalty[T Float] struct{ noRates[T] }

func (squarePenalty[T]) backward(n *Net[T], _ *Workspace[T], a, da []T, rows int, norm T, t *Terms, _ []T) float64 {
	c := T(t.L1) * norm
	var s float64
	for i, v := range a[:rows*n.H] {
		s += float64(v * v)
		da[i] += 2 * c * v
	}
	return s * float64(c)
}

func (squarePenalty[T]) stats(n *Net[T], t *Terms) stats[T] {
	return &squareStats[T]{coef: t.L1}
}

type squareStats[T Float] struct {
	sum, coef float64
}

func (s *squareStats[T]) add(n *Net[T], _ *Workspace[T], a []T, rows int) {
	s.sum += kernels.SumSq(a[:rows*n.H])
}

func (s *squareStats[T]) value(_ *Net[T], rows int) float64 { return s.coef * s.sum / float64(rows) }
