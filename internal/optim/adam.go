package optim

import (
	"fmt"
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// Adam is the Adam optimiser over one flat float32 vector, with the weight
// decay added to the gradient (L2, as the objective states it):
//
//	g' = s*g + wd*W;  m = b1*m + (1-b1)*g';  v = b2*v + (1-b2)*g'²
//	p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//
// s < 1 when clipping. One fused pass over memory does all of it.
type Adam struct {
	// Threads is the most cores a step uses (0: all).
	Threads     int
	m, v        []float32
	b1, b2, eps float64
	t           int
	b1t, b2t    float64 // b1^t, b2^t
	weights     []Span
	spans       []kernels.AdamSpan
}

// NewAdam returns Adam (beta 0.9, 0.999, eps 1e-8) for n parameters whose
// weight matrices are the spans weights.
func NewAdam(n int, weights []Span) *Adam {
	return &Adam{m: make([]float32, n), v: make([]float32, n), b1: 0.9, b2: 0.999, eps: 1e-8, b1t: 1, b2t: 1, weights: weights}
}

// Step is Optimizer.Step.
func (o *Adam) Step(p, g []float32, lr, wd, clip float64) (float64, bool) {
	if o.spans == nil || (len(o.spans) > 0 && o.spans[0].Decay != float32(wd)) {
		o.spans = o.spans[:0]
		if wd != 0 {
			for _, s := range o.weights {
				o.spans = append(o.spans, kernels.AdamSpan{Lo: s.Lo, Hi: s.Hi, Decay: float32(wd)})
			}
		}
	}
	scale, finite := 1.0, true
	if clip > 0 {
		norm := decayedNorm(p, g, o.spans)
		finite = isFinite(norm)
		if norm > clip {
			scale = clip / norm
		}
	}
	o.t++
	o.b1t *= o.b1
	o.b2t *= o.b2
	sq := kernels.AdamStep(p, g, o.m, o.v, kernels.AdamParams{
		LR: float32(lr), Beta1: float32(o.b1), Beta2: float32(o.b2), Eps: float32(o.eps),
		BC1: float32(1 - o.b1t), BC2: float32(1 - o.b2t), Scale: float32(scale), ZeroGrad: true, Threads: o.Threads}, o.spans)
	return 0.5 * sq, finite
}

// decayedNorm is the L2 norm of g plus the decay of the spans.
func decayedNorm(p, g []float32, spans []kernels.AdamSpan) float64 {
	s := kernels.SumSq(g)
	for _, sp := range spans {
		// ||g + d*p||² = ||g||² + 2d<g,p> + d²||p||² over the span.
		pp, gg := p[sp.Lo:sp.Hi], g[sp.Lo:sp.Hi]
		d := float64(sp.Decay)
		s += 2*d*float64(kernels.Dot(gg, pp)) + d*d*kernels.SumSq(pp)
	}
	return math.Sqrt(max(s, 0))
}

// State is Optimizer.State.
func (o *Adam) State() State { return State{o.t, o.b1t, o.b2t, o.m, o.v} }

// SetState is Optimizer.SetState.
func (o *Adam) SetState(s State) error {
	if len(s.M) != len(o.m) || len(s.V) != len(o.v) {
		return fmt.Errorf("checkpoint: Adam state for %d parameters, the model has %d", len(s.M), len(o.m))
	}
	o.t, o.b1t, o.b2t = s.T, s.B1t, s.B2t
	copy(o.m, s.M)
	copy(o.v, s.V)
	return nil
}

// Forget is Optimizer.Forget.
func (o *Adam) Forget(i int) { o.m[i], o.v[i] = 0, 0 }
