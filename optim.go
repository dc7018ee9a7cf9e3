package sae

import (
	"fmt"
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// optimizer takes one step on params from the gradient g of the loss
// without weight decay: it adds the decay wd*W on the weight matrices
// (not the biases), clips the global norm of the decayed gradient at clip
// (0: off), and returns the decay term wd/2*||W||^2 of the loss at the
// parameters before the step, and false when the gradient it measured was
// not finite (without clipping Adam does not measure it: a non-finite
// gradient then shows in the next step's loss). It leaves g zeroed, ready
// for the next step's gradient to accumulate into.
type optimizer interface {
	step(params, g []float32, lr, wd, clip float64) (decay float64, finite bool)
	// save returns the state (sharing storage); load restores it.
	save() optState
	load(optState) error
	// forget clears the state of parameter i (a restarted latent's).
	forget(i int)
}

// optState is an optimiser's state: Adam's step count, powers of beta and
// moments; SGD's momentum in m.
type optState struct {
	t        int
	b1t, b2t float64
	m, v     []float32
}

func (o *adam) save() optState { return optState{o.t, o.b1t, o.b2t, o.m, o.v} }

func (o *adam) load(s optState) error {
	if len(s.m) != len(o.m) || len(s.v) != len(o.v) {
		return fmt.Errorf("checkpoint: Adam state for %d parameters, the model has %d", len(s.m), len(o.m))
	}
	o.t, o.b1t, o.b2t = s.t, s.b1t, s.b2t
	copy(o.m, s.m)
	copy(o.v, s.v)
	return nil
}

func (o *adam) forget(i int) { o.m[i], o.v[i] = 0, 0 }

func (o *sgdMomentum) forget(i int) { o.u[i] = 0 }

func (o *sgdMomentum) save() optState { return optState{m: o.u} }

func (o *sgdMomentum) load(s optState) error {
	if len(s.m) != len(o.u) {
		return fmt.Errorf("checkpoint: SGD state for %d parameters, the model has %d", len(s.m), len(o.u))
	}
	copy(o.u, s.m)
	return nil
}

// newOptimizer returns cfg's mini-batch optimiser for the parameters of n.
func newOptimizer(cfg Config, n *net[float32]) optimizer {
	if cfg.Optimizer == SGD {
		return &sgdMomentum{u: make([]float32, len(n.params)), mu: float32(cfg.Momentum), n: n}
	}
	return newAdam(n)
}

// adam is the Adam optimiser over one flat float32 vector, with the weight
// decay added to the gradient (L2, as the objective states it):
//
//	g' = s*g + wd*W;  m = b1*m + (1-b1)*g';  v = b2*v + (1-b2)*g'²
//	p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//
// s < 1 when clipping. One fused pass over memory does all of it.
type adam struct {
	m, v        []float32
	b1, b2, eps float64
	t           int
	b1t, b2t    float64 // b1^t, b2^t
	segs        []paramSegment
	spans       []kernels.AdamSpan
}

func newAdam(n *net[float32]) *adam {
	k := len(n.params)
	return &adam{m: make([]float32, k), v: make([]float32, k), b1: 0.9, b2: 0.999, eps: 1e-8, b1t: 1, b2t: 1, segs: n.segments()}
}

func (o *adam) step(p, g []float32, lr, wd, clip float64) (float64, bool) {
	if o.spans == nil || (len(o.spans) > 0 && o.spans[0].Decay != float32(wd)) {
		o.spans = o.spans[:0]
		if wd != 0 {
			for _, s := range o.segs {
				if s.weight {
					o.spans = append(o.spans, kernels.AdamSpan{Lo: s.off, Hi: s.off + s.size(), Decay: float32(wd)})
				}
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
		BC1: float32(1 - o.b1t), BC2: float32(1 - o.b2t), Scale: float32(scale), ZeroGrad: true}, o.spans)
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

// sgdMomentum is SGD with (heavy-ball) momentum: u = mu*u - lr*g; p += u.
type sgdMomentum struct {
	u  []float32
	mu float32
	n  *net[float32]
}

func (o *sgdMomentum) step(p, g []float32, lr, wd, clip float64) (float64, bool) {
	decay := o.n.addDecay(g, wd)
	norm := clipGrad(g, clip)
	l := float32(lr)
	u := o.u[:len(p)]
	for i, gi := range g[:len(p)] {
		u[i] = o.mu*u[i] - l*gi
		p[i] += u[i]
		g[i] = 0
	}
	return decay, isFinite(norm)
}

// clipGrad rescales g to global L2 norm max when it is longer and returns
// the norm before clipping.
func clipGrad(g []float32, max float64) float64 {
	var s float64
	for _, v := range g {
		s += float64(v) * float64(v)
	}
	norm := math.Sqrt(s)
	if max > 0 && norm > max {
		f := float32(max / norm)
		for i := range g {
			g[i] *= f
		}
	}
	return norm
}

// lrAt is the learning-rate schedule: linear warm-up over the first
// warm steps, then cosine (to 10% of lr), linear (to 0) or constant.
func lrAt(lr float64, step, total, warm int, decay string) float64 {
	if warm > 0 && step < warm {
		return lr * float64(step+1) / float64(warm)
	}
	if total <= warm+1 {
		return lr
	}
	f := float64(step-warm) / float64(total-warm-1)
	switch decay {
	case "cosine":
		return lr * (0.1 + 0.9*0.5*(1+math.Cos(math.Pi*f)))
	case "linear":
		return lr * (1 - f)
	}
	return lr
}
