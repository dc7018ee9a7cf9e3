package nn

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// l1: the penalty L1 * mean over rows of Σ_j |a_j| r_j, where r_j is the
// norm of latent j's decoder row ||W_dec[j,:]|| (L1Weight "decoder", the
// default of an untied model: the penalty cannot be dodged by shrinking
// codes and growing decoder rows) or 1 (L1Weight "none", the textbook L1;
// a tied model's default). With c = norm * L1:
//
//	value        c Σ_ij |a_ij| r_j
//	d/da_ij      c sign(a_ij) r_j
//	d/dW[j,:]    c (Σ_i |a_ij|) W[j,:] / r_j      (weighted; 0 for a zero row)
type l1Kind struct{ kindBase }

func (l1Kind) Name() string { return "l1" }

func (l1Kind) Summary() string { return "an L1 penalty on the activations, Config.L1" }

func (l1Kind) Fields() []string { return []string{"L1", "L1Weight", "TargetL0"} }

func (l1Kind) Resolve(p *Params, d int) {
	if p.L1Weight == "" {
		p.L1Weight = L1Decoder
		if p.Tied {
			p.L1Weight = L1None
		}
	}
}

func (l1Kind) Validate(p *Params, bad func(field, format string, args ...any)) {
	if p.TargetL0 > 0 && !(p.L1 > 0) {
		bad("TargetL0", "tunes Config.L1 from its value, which must be > 0 (got %g)", p.L1)
	}
}

func (l1Kind) Target(p *Params) Target { return Target{Field: "L1", Coef: &p.L1, Sign: 1} }

func (k l1Kind) Describe(p *Params) string { return describe(k) }
func (l1Kind) code32() code[float32]       { return denseCode[float32]{l1Penalty[float32]{}} }
func (l1Kind) code64() code[float64]       { return denseCode[float64]{l1Penalty[float64]{}} }

// L1 weightings (Params.L1Weight).
const (
	L1Decoder = "decoder"
	L1None    = "none"
)

type l1Penalty[T Float] struct{ noRates[T] }

// weighted reports whether latent j's term is weighted by its decoder row.
func (l1Penalty[T]) weighted(n *Net[T], t *Terms) bool { return t.L1Weight == L1Decoder && !n.tied }

func (p l1Penalty[T]) backward(n *Net[T], w *Workspace[T], a, da []T, rows int, norm T, t *Terms, _ []T) float64 {
	h := n.H
	if p.weighted(n, t) {
		buf := kindScratch(w, func() *[]T { return new([]T) })
		*buf = grow(*buf, 2*h)
		D := &n.dec[0]
		return l1WeightedForwardBackward(a, da, rows, h, D.w, D.out, w.grad[D.gw:D.gw+h*D.out], T(t.L1)*norm, *buf)
	}
	if t.L1 == 0 {
		return 0
	}
	c := T(t.L1) * norm
	var s float64
	for i, v := range a[:rows*h] {
		switch {
		case v > 0:
			s += float64(v)
			da[i] += c
		case v < 0:
			s -= float64(v)
			da[i] -= c
		}
	}
	return s * float64(c)
}

// l1WeightedForwardBackward is the weighted l1 penalty (see l1Kind) with
// W [h,out] the decoder layer the code feeds: it adds the gradients into
// da [rows,h] and gW [h,out] and returns the value; buf [2h] is scratch.
func l1WeightedForwardBackward[T Float](a, da []T, rows, h int, W []T, out int, gW []T, c T, buf []T) float64 {
	if c == 0 {
		return 0
	}
	r, s := buf[:h], buf[h:2*h]
	kernels.RowNorms(r, W, out)
	clear(s)
	for i := 0; i < rows; i++ {
		ai, di := a[i*h:(i+1)*h], da[i*h:(i+1)*h]
		for j, v := range ai {
			switch {
			case v > 0:
				s[j] += v
				di[j] += c * r[j]
			case v < 0:
				s[j] -= v
				di[j] -= c * r[j]
			}
		}
	}
	var value float64
	for j := 0; j < h; j++ {
		value += float64(s[j]) * float64(r[j])
		if r[j] > 0 && s[j] > 0 {
			kernels.Axpy(c*s[j]/r[j], W[j*out:(j+1)*out], gW[j*out:(j+1)*out])
		}
	}
	return value * float64(c)
}

func (p l1Penalty[T]) stats(n *Net[T], t *Terms) stats[T] {
	return &l1Stats[T]{abs: make([]float64, n.H), weighted: p.weighted(n, t), coef: t.L1}
}

// l1Stats sums each latent's |a| over a full-data pass.
type l1Stats[T Float] struct {
	abs      []float64
	weighted bool
	coef     float64
}

func (s *l1Stats[T]) add(n *Net[T], _ *Workspace[T], a []T, rows int) {
	h := n.H
	for i, v := range a[:rows*h] {
		s.abs[i%h] += math.Abs(float64(v))
	}
}

func (s *l1Stats[T]) value(n *Net[T], rows int) float64 {
	var l1 float64
	for j, v := range s.abs {
		r := 1.0
		if s.weighted {
			r = n.decoderRowNorm(j)
		}
		l1 += v * r
	}
	return s.coef * l1 / float64(rows)
}

// decoderRowNorm is ||W_dec[j,:]|| of a one-layer model, in float64.
func (n *Net[T]) decoderRowNorm(j int) float64 {
	D := &n.dec[0]
	var s float64
	for _, v := range D.w[j*D.out : (j+1)*D.out] {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// noRates is the rates answer of a penalty that does not need them.
type noRates[T Float] struct{}

func (noRates[T]) rates(*Terms) bool              { return false }
func (noRates[T]) ratesValue([]T, *Terms) float64 { return 0 }
