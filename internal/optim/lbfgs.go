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
	r := newLBFGSRun(o, len(x))
	fx, err := f(x, r.g)
	res := Result{F: fx}
	if err != nil {
		return res, err
	}
	if stop, err := done(0, fx, r.g); stop || err != nil {
		return res, err
	}
	lastRestart := -o.RetryWindow
	for res.Iter < maxIter {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Iter++
		gd := r.direction()
		fNew, accepted, err := r.lineSearch(f, x, fx, gd)
		if err != nil {
			return res, err
		}
		if !accepted {
			copy(x, r.x0)
			if o.RetryWindow > 0 && len(r.s) > 0 && res.Iter-lastRestart > o.RetryWindow {
				// Retry from steepest descent before giving up, unless
				// that was just tried: then f is at its noise floor.
				r.forget()
				lastRestart = res.Iter
				continue
			}
			res.Stall = true
			return res, nil
		}
		r.remember(x)
		fx = fNew
		res.F = fx
		if stop, err := done(res.Iter, fx, r.g); stop || err != nil {
			return res, err
		}
	}
	return res, nil
}

// lbfgsRun is the state of one minimisation.
type lbfgsRun[T kernels.Float] struct {
	o          LBFGS[T]
	mem        int
	precond    func(dst, src []T)
	q, g, gNew []T
	dir, x0    []T
	s, y       [][]T // the newest pairs, oldest first
	rho, alpha []float64
	gamma      float64
}

func newLBFGSRun[T kernels.Float](o LBFGS[T], n int) *lbfgsRun[T] {
	r := &lbfgsRun[T]{o: o, mem: o.Memory, precond: o.Precond, gamma: 1,
		q: make([]T, n), g: make([]T, n), gNew: make([]T, n), dir: make([]T, n), x0: make([]T, n)}
	if r.mem == 0 {
		r.mem = 10
	}
	if r.precond == nil {
		r.precond = func(dst, src []T) { copy(dst, src) }
	}
	r.alpha = make([]float64, r.mem)
	return r
}

// forget drops the pairs: the next direction is steepest descent.
func (r *lbfgsRun[T]) forget() { r.s, r.y, r.rho = r.s[:0], r.y[:0], r.rho[:0] }

// direction sets dir = -H g by the two-loop recursion (steepest descent
// when that is not a descent direction) and returns g·dir.
func (r *lbfgsRun[T]) direction() float64 {
	s, y, rho, alpha, q, dir := r.s, r.y, r.rho, r.alpha, r.q, r.dir
	for i := range q {
		q[i] = -r.g[i]
	}
	for k := len(s) - 1; k >= 0; k-- {
		alpha[k] = rho[k] * dot(s[k], q)
		axpy(-alpha[k], y[k], q)
	}
	r.precond(dir, q)
	if len(s) > 0 {
		for i := range dir {
			dir[i] *= T(r.gamma)
		}
	}
	for k := range s {
		beta := rho[k] * dot(y[k], dir)
		axpy(alpha[k]-beta, s[k], dir)
	}
	gd := dot(r.g, dir)
	if !(gd < 0) {
		// Not a descent direction: restart from steepest descent.
		r.forget()
		for i := range q {
			q[i] = -r.g[i]
		}
		r.precond(dir, q)
		gd = dot(r.g, dir)
	}
	return gd
}

// lineSearch backtracks along dir from x (saved in x0) until the Armijo
// condition holds (at most 30 tries), leaving x at the step and its
// gradient in gNew; it reports whether a step was accepted.
func (r *lbfgsRun[T]) lineSearch(f func(x, g []T) (float64, error), x []T, fx, gd float64) (float64, bool, error) {
	step := 1.0
	if len(r.s) == 0 {
		step = math.Min(1, 1/math.Sqrt(-gd))
	}
	copy(r.x0, x)
	for try := 0; try < 30; try++ {
		for i := range x {
			x[i] = r.x0[i] + T(step)*r.dir[i]
		}
		fNew, err := f(x, r.gNew)
		if err != nil {
			return 0, false, err
		}
		if isFinite(fNew) && fNew <= fx+1e-4*step*gd {
			return fNew, true, nil
		}
		next := 0.5 * step
		if r.o.Interpolate {
			// The minimiser of the quadratic through f(0), f'(0), f(step).
			qs := -gd * step * step / (2 * (fNew - fx - gd*step))
			if qs > 0.1*step && qs < 0.5*step {
				next = qs
			}
		}
		step = next
	}
	return 0, false, nil
}

// remember keeps the pair of the accepted step to x (recycling the oldest
// slices once memory is full) and moves to its gradient.
func (r *lbfgsRun[T]) remember(x []T) {
	var sk, yk []T
	if len(r.s) == r.mem {
		sk, yk = r.s[0], r.y[0]
		r.s, r.y, r.rho = r.s[1:], r.y[1:], r.rho[1:]
	} else {
		sk, yk = make([]T, len(x)), make([]T, len(x))
	}
	for i := range x {
		sk[i] = x[i] - r.x0[i]
		yk[i] = r.gNew[i] - r.g[i]
	}
	if sy := dot(sk, yk); sy > r.o.MinCurvature {
		r.s, r.y, r.rho = append(r.s, sk), append(r.y, yk), append(r.rho, 1/sy)
		r.precond(r.q, yk)
		r.gamma = sy / dot(yk, r.q)
	}
	r.g, r.gNew = r.gNew, r.g
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
