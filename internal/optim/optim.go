// Package optim holds the optimisers the trainer and the linear probe use:
// mini-batch Adam and SGD with momentum over one flat float32 parameter
// vector (adam.go, sgd.go), the learning-rate schedule (schedule.go) and
// limited-memory BFGS for full-batch problems in float32 or float64
// (lbfgs.go).
//
// The mini-batch optimisers add weight decay lambda*W to the gradient of
// the weight matrices only: the parameter vector's weight spans are given
// when an optimiser is made. Decay and clipping are part of the step, so
// the caller hands over the gradient of the loss alone.
package optim

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// Span is a half-open range [Lo, Hi) of the parameter vector: one weight
// matrix, subject to weight decay.
type Span struct{ Lo, Hi int }

// Optimizer takes one step on params from the gradient g of the loss
// without weight decay: it adds the decay wd*W on the weight spans, clips
// the global norm of the decayed gradient at clip (0: off), and returns the
// decay term wd/2*||W||^2 of the loss at the parameters before the step,
// and false when the gradient it measured was not finite (without clipping
// Adam does not measure it: a non-finite gradient then shows in the next
// step's loss). It leaves g zeroed, ready for the next step's gradient to
// accumulate into.
type Optimizer interface {
	Step(params, g []float32, lr, wd, clip float64) (decay float64, finite bool)
	// State returns the state (sharing storage); SetState restores it.
	State() State
	SetState(State) error
	// Forget clears the state of parameter i (a restarted latent's).
	Forget(i int)
}

// State is an optimiser's state: Adam's step count, powers of beta and
// moments; SGD's momentum in M.
type State struct {
	T        int
	B1t, B2t float64
	M, V     []float32
}

// Decay adds lambda*W to g over the spans of p and returns lambda/2 *
// ||W||^2 over them (0 and nothing added for lambda 0). Partial sums run
// in blocks of 256 in T, so float32 stays accurate.
func Decay[T kernels.Float](p, g []T, spans []Span, lambda float64) float64 {
	if lambda == 0 {
		return 0
	}
	var s float64
	l := T(lambda)
	for _, sp := range spans {
		ps := p[sp.Lo:sp.Hi]
		gs := g[sp.Lo:sp.Hi]
		gs = gs[:len(ps)]
		for lo := 0; lo < len(ps); lo += 256 {
			pb := ps[lo:min(lo+256, len(ps))]
			gb := gs[lo : lo+len(pb)]
			var part T
			for i, v := range pb {
				part += v * v
				gb[i] += l * v
			}
			s += float64(part)
		}
	}
	return 0.5 * lambda * s
}

// Clip rescales g to global L2 norm max when it is longer (max 0: never)
// and returns the norm before clipping.
func Clip(g []float32, max float64) float64 {
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

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
