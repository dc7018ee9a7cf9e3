package linear

import (
	"context"
	"math"
)

// lbfgsMemory is the number of (s, y) pairs the L-BFGS update keeps.
const lbfgsMemory = 10

// stopWindow is the number of iterations over which stopRule.rel compares
// the objective: single L-BFGS steps vary too much to judge progress by.
const stopWindow = 10

type stopRule struct{ grad, rel float64 }

type minResult struct {
	f         float64
	iter      int
	converged bool
}

// minimize minimises f from x (updated in place) with limited-memory BFGS:
// the two-loop recursion with initial inverse Hessian gamma*M, where M is
// the preconditioner precond (the identity if nil) and gamma = s'y/y'My
// for the newest pair, and a backtracking
// line search on the Armijo condition. The softmax objective with L2 > 0 is
// strictly convex, so s'y > 0 holds and no Wolfe curvature check is needed;
// pairs with s'y <= 0 (possible at L2 = 0 only through rounding) are skipped.
//
// It stops, converged, when max|g| <= stop.grad, when f has decreased by
// less than stop.rel*|f| over the last stopWindow iterations, or when no
// step along the search direction decreases f any more (converged at the
// evaluation's precision); not converged after maxIter iterations; with
// ctx.Err() when ctx is done.
func minimize(ctx context.Context, f func(x, g []float64) float64, precond func(dst, src []float64), x []float64, maxIter int, stop stopRule) (minResult, error) {
	if precond == nil {
		precond = func(dst, src []float64) { copy(dst, src) }
	}
	n := len(x)
	q := make([]float64, n)
	gamma := 1.0
	g := make([]float64, n)
	gNew := make([]float64, n)
	dir := make([]float64, n)
	x0 := make([]float64, n)
	var s, y [][]float64
	var rho []float64
	alpha := make([]float64, lbfgsMemory)

	fx := f(x, g)
	res := minResult{f: fx}
	hist := []float64{fx} // f after each iteration, the last stopWindow+1
	lastRestart := -stopWindow
	for res.iter < maxIter {
		if maxAbs(g) <= stop.grad {
			res.converged = true
			return res, nil
		}
		if len(hist) > stopWindow && hist[0]-fx <= stop.rel*math.Abs(fx) {
			res.converged = true
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.iter++
		// dir = -H g.
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
				dir[i] *= gamma
			}
		}
		for k := range s {
			beta := rho[k] * dot(y[k], dir)
			axpy(alpha[k]-beta, s[k], dir)
		}
		gd := dot(g, dir)
		if !(gd < 0) {
			s, y, rho = s[:0], y[:0], rho[:0]
			for i := range q {
				q[i] = -g[i]
			}
			precond(dir, q)
			gd = dot(g, dir)
		}
		step := 1.0
		if len(s) == 0 {
			// First step (or a restart): move about unit length.
			step = math.Min(1, 1/math.Sqrt(-gd))
		}
		copy(x0, x)
		accepted := false
		var fNew float64
		for try := 0; try < 30; try++ {
			for i := range x {
				x[i] = x0[i] + step*dir[i]
			}
			fNew = f(x, gNew)
			if fNew <= fx+1e-4*step*gd {
				accepted = true
				break
			}
			// Halve, or jump to the minimiser of the quadratic through
			// f(0), f'(0) and f(step) when that is smaller but not tiny.
			q := -gd * step * step / (2 * (fNew - fx - gd*step))
			if !(q > 0.1*step && q < 0.5*step) {
				q = 0.5 * step
			}
			step = q
		}
		if !accepted {
			copy(x, x0)
			if len(s) > 0 && res.iter-lastRestart > stopWindow {
				// Retry from steepest descent before giving up, unless
				// that was just tried: then f is at its noise floor.
				s, y, rho = s[:0], y[:0], rho[:0]
				lastRestart = res.iter
				continue
			}
			res.converged = true
			return res, nil
		}
		// New pair, recycling the oldest slices once memory is full.
		var sk, yk []float64
		if len(s) == lbfgsMemory {
			sk, yk = s[0], y[0]
			s, y, rho = s[1:], y[1:], rho[1:]
		} else {
			sk, yk = make([]float64, n), make([]float64, n)
		}
		for i := range x {
			sk[i] = x[i] - x0[i]
			yk[i] = gNew[i] - g[i]
		}
		if sy := dot(sk, yk); sy > 0 {
			s, y, rho = append(s, sk), append(y, yk), append(rho, 1/sy)
			precond(q, yk)
			gamma = sy / dot(yk, q)
		}
		g, gNew = gNew, g
		fx = fNew
		res.f = fx
		if hist = append(hist, fx); len(hist) > stopWindow+1 {
			hist = hist[1:]
		}
	}
	res.converged = maxAbs(g) <= stop.grad
	return res, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
