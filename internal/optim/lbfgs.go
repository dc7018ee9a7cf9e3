package optim

import (
	"context"
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// LBFGS minimises a smooth function with limited-memory BFGS: the two-loop
// recursion with initial inverse Hessian gamma*M, where M is the
// preconditioner (the identity if nil) and gamma = s'y/y'My for the newest
// pair, and a backtracking line search on the Armijo condition
// f(x + t·d) <= f(x) + 1e-4·t·g'd (at most 30 tries). The first step, and
// the first after a restart, moves about unit length. Pairs whose
// curvature s'y is not above MinCurvature are skipped; a direction that is
// not a descent direction restarts from steepest descent.
//
// It is generic so that the trainer runs it on float32 parameters and the
// linear probe on float64 ones; dot products accumulate in float64.
type LBFGS[T kernels.Float] struct {
	// Memory is the number of (s, y) pairs kept. Default 0: 10.
	Memory int
	// Precond, if not nil, applies M: dst = M·src.
	Precond func(dst, src []T)
	// Interpolate backtracks to the minimiser of the quadratic through
	// f(0), f'(0) and f(t) when that lies in (0.1t, 0.5t); otherwise, and
	// without it, the step is halved.
	Interpolate bool
	// MinCurvature: pairs with s'y <= MinCurvature are skipped.
	MinCurvature float64
	// RetryWindow > 0: when no step along the direction decreases f, the
	// memory is dropped and steepest descent tried once more, unless the
	// last such restart was within RetryWindow iterations. 0: stop.
	RetryWindow int
}

// Result is how a minimisation ended.
type Result struct {
	F     float64 // the objective at the final x
	Iter  int     // iterations taken (accepted or not)
	Stall bool    // no step along the search direction decreased f (converged at the evaluation's precision)
}

// Minimize minimises f from x (updated in place) for at most maxIter
// iterations. f returns the objective and writes its gradient into g.
// After the first evaluation (iteration 0) and after every accepted
// iteration, done is called with the iteration, the objective and the
// gradient; it ends the run by returning true. A done ctx ends it with
// ctx.Err().
func (o LBFGS[T]) Minimize(ctx context.Context, f func(x, g []T) (float64, error), x []T, maxIter int, done func(iter int, f float64, g []T) (bool, error)) (Result, error) {
	mem := o.Memory
	if mem == 0 {
		mem = 10
	}
	precond := o.Precond
	if precond == nil {
		precond = func(dst, src []T) { copy(dst, src) }
	}
	n := len(x)
	q := make([]T, n)
	g, gNew := make([]T, n), make([]T, n)
	dir, x0 := make([]T, n), make([]T, n)
	var s, y [][]T
	var rho []float64
	alpha := make([]float64, mem)
	gamma := 1.0
	lastRestart := -o.RetryWindow

	fx, err := f(x, g)
	res := Result{F: fx}
	if err != nil {
		return res, err
	}
	if stop, err := done(0, fx, g); stop || err != nil {
		return res, err
	}
	for res.Iter < maxIter {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Iter++
		// dir = -H g by the two-loop recursion.
		for i := range q {
			q[i] = -g[i]
		}
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], q)
			axpy(-alpha[k], y[k], q)
		}
		precond(dir, q)
		if len(s) > 0 {
			for i := range dir {
				dir[i] *= T(gamma)
			}
		}
		for k := range s {
			beta := rho[k] * dot(y[k], dir)
			axpy(alpha[k]-beta, s[k], dir)
		}
		gd := dot(g, dir)
		if !(gd < 0) {
			// Not a descent direction: restart from steepest descent.
			s, y, rho = s[:0], y[:0], rho[:0]
			for i := range q {
				q[i] = -g[i]
			}
			precond(dir, q)
			gd = dot(g, dir)
		}
		step := 1.0
		if len(s) == 0 {
			step = math.Min(1, 1/math.Sqrt(-gd))
		}
		copy(x0, x)
		accepted := false
		var fNew float64
		for try := 0; try < 30; try++ {
			for i := range x {
				x[i] = x0[i] + T(step)*dir[i]
			}
			if fNew, err = f(x, gNew); err != nil {
				return res, err
			}
			if isFinite(fNew) && fNew <= fx+1e-4*step*gd {
				accepted = true
				break
			}
			next := 0.5 * step
			if o.Interpolate {
				// The minimiser of the quadratic through f(0), f'(0), f(step).
				qs := -gd * step * step / (2 * (fNew - fx - gd*step))
				if qs > 0.1*step && qs < 0.5*step {
					next = qs
				}
			}
			step = next
		}
		if !accepted {
			copy(x, x0)
			if o.RetryWindow > 0 && len(s) > 0 && res.Iter-lastRestart > o.RetryWindow {
				// Retry from steepest descent before giving up, unless
				// that was just tried: then f is at its noise floor.
				s, y, rho = s[:0], y[:0], rho[:0]
				lastRestart = res.Iter
				continue
			}
			res.Stall = true
			return res, nil
		}
		// New pair, recycling the oldest slices once memory is full.
		var sk, yk []T
		if len(s) == mem {
			sk, yk = s[0], y[0]
			s, y, rho = s[1:], y[1:], rho[1:]
		} else {
			sk, yk = make([]T, n), make([]T, n)
		}
		for i := range x {
			sk[i] = x[i] - x0[i]
			yk[i] = gNew[i] - g[i]
		}
		if sy := dot(sk, yk); sy > o.MinCurvature {
			s, y, rho = append(s, sk), append(y, yk), append(rho, 1/sy)
			precond(q, yk)
			gamma = sy / dot(yk, q)
		}
		g, gNew = gNew, g
		fx = fNew
		res.F = fx
		if stop, err := done(res.Iter, fx, g); stop || err != nil {
			return res, err
		}
	}
	return res, nil
}

// dot is a·b accumulated in float64.
func dot[T kernels.Float](a, b []T) float64 {
	s := 0.0
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// axpy is y += alpha·x in T.
func axpy[T kernels.Float](alpha float64, x, y []T) {
	a := T(alpha)
	for i, v := range x {
		y[i] += a * v
	}
}
