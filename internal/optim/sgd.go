package optim

import "fmt"

// SGD is SGD with (heavy-ball) momentum: u = mu*u - lr*g; p += u.
type SGD struct {
	u       []float32
	mu      float32
	weights []Span
}

// NewSGD returns SGD with momentum mu for n parameters whose weight
// matrices are the spans weights.
func NewSGD(n int, mu float64, weights []Span) *SGD {
	return &SGD{u: make([]float32, n), mu: float32(mu), weights: weights}
}

// Step is Optimizer.Step.
func (o *SGD) Step(p, g []float32, lr, wd, clip float64) (float64, bool) {
	decay := Decay(p, g, o.weights, wd)
	norm := Clip(g, clip)
	l := float32(lr)
	u := o.u[:len(p)]
	for i, gi := range g[:len(p)] {
		u[i] = o.mu*u[i] - l*gi
		p[i] += u[i]
		g[i] = 0
	}
	return decay, isFinite(norm)
}

// State is Optimizer.State.
func (o *SGD) State() State { return State{M: o.u} }

// SetState is Optimizer.SetState.
func (o *SGD) SetState(s State) error {
	if len(s.M) != len(o.u) {
		return fmt.Errorf("checkpoint: SGD state for %d parameters, the model has %d", len(s.M), len(o.u))
	}
	copy(o.u, s.M)
	return nil
}

// Forget is Optimizer.Forget.
func (o *SGD) Forget(i int) { o.u[i] = 0 }
