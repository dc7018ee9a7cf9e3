package linear

import (
	"context"
	"math"
)

// lbfgsMemory is the number of (s, y) pairs the L-BFGS update keeps.
const lbfgsMemory = 10

type minResult struct {
	f         float64
	iter      int
	converged bool
}

// minimize minimises f from x (updated in place) with limited-memory BFGS:
// the two-loop recursion with initial Hessian s'y/y'y, and a backtracking
// line search on the Armijo condition. The softmax objective with L2 > 0 is
// strictly convex, so s'y > 0 holds and no Wolfe curvature check is needed;
// pairs with s'y <= 0 (possible at L2 = 0 only through rounding) are skipped.
//
// It stops when max|g| <= gtol (converged), when no step along the search
// direction decreases f any more (converged at the evaluation's precision),
// after maxIter iterations (not converged), or when ctx is done (error).
func minimize(ctx context.Context, f func(x, g []float64) float64, x []float64, maxIter int, gtol float64) (minResult, error) {
	n := len(x)
	g := make([]float64, n)
	gNew := make([]float64, n)
	dir := make([]float64, n)
	x0 := make([]float64, n)
	var s, y [][]float64
	var rho []float64
	alpha := make([]float64, lbfgsMemory)

	fx := f(x, g)
	res := minResult{f: fx}
	for res.iter < maxIter {
		if maxAbs(g) <= gtol {
			res.converged = true
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.iter++
		// dir = -H g.
		for i := range dir {
			dir[i] = -g[i]
		}
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], dir)
			axpy(-alpha[k], y[k], dir)
		}
		if k := len(s) - 1; k >= 0 {
			gamma := dot(s[k], y[k]) / dot(y[k], y[k])
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
			for i := range dir {
				dir[i] = -g[i]
			}
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
		for try := 0; try < 40; try++ {
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
			if len(s) > 0 {
				// Retry once from steepest descent before giving up.
				s, y, rho = s[:0], y[:0], rho[:0]
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
		}
		g, gNew = gNew, g
		fx = fNew
		res.f = fx
	}
	res.converged = maxAbs(g) <= gtol
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
