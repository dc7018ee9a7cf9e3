package sae

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// adam is the Adam optimiser over one flat float32 vector.
//
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g²
//	p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
type adam struct {
	m, v        []float32
	b1, b2, eps float64
	t           int
	b1t, b2t    float64 // b1^t, b2^t
}

func newAdam(n int) *adam {
	return &adam{m: make([]float32, n), v: make([]float32, n), b1: 0.9, b2: 0.999, eps: 1e-8, b1t: 1, b2t: 1}
}

func (o *adam) step(p, g []float32, lr float64) {
	o.t++
	o.b1t *= o.b1
	o.b2t *= o.b2
	kernels.AdamUpdate(p, g, o.m, o.v, float32(lr), float32(o.b1), float32(o.b2), float32(o.eps), float32(1-o.b1t), float32(1-o.b2t))
}

// sgdMomentum is SGD with (heavy-ball) momentum: u = mu*u - lr*g; p += u.
type sgdMomentum struct {
	u  []float32
	mu float32
}

func (o *sgdMomentum) step(p, g []float32, lr float64) {
	l := float32(lr)
	u := o.u[:len(p)]
	for i, gi := range g[:len(p)] {
		u[i] = o.mu*u[i] - l*gi
		p[i] += u[i]
	}
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
