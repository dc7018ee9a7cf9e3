package linear

import (
	"context"
	"math"

	"github.com/sae-go/sae/internal/optim"
)

// stopWindow is the number of iterations over which stopRule.rel compares
// the objective: single L-BFGS steps vary too much to judge progress by.
const stopWindow = 10

type stopRule struct{ grad, rel float64 }

type minResult struct {
	f         float64
	iter      int
	converged bool
}

// minimize minimises f from x (updated in place) with optim's L-BFGS (10
// pairs, the preconditioner precond, quadratic backtracking). The softmax
// objective with L2 > 0 is strictly convex, so s'y > 0 holds and no Wolfe
// curvature check is needed; pairs with s'y <= 0 (possible at L2 = 0 only
// through rounding) are skipped.
//
// It stops, converged, when max|g| <= stop.grad, when f has decreased by
// less than stop.rel*|f| over the last stopWindow iterations, or when no
// step along the search direction decreases f any more, even from
// steepest descent (converged at the evaluation's precision); not
// converged after maxIter iterations; with ctx.Err() when ctx is done.
func minimize(ctx context.Context, f func(x, g []float64) float64, precond func(dst, src []float64), x []float64, maxIter int, stop stopRule) (minResult, error) {
	var hist []float64 // f after each iteration, the last stopWindow+1
	converged := false
	var g []float64 // the gradient at the last accepted point
	done := func(iter int, fx float64, grad []float64) (bool, error) {
		g = grad
		if hist = append(hist, fx); len(hist) > stopWindow+1 {
			hist = hist[1:]
		}
		if iter >= maxIter {
			return false, nil
		}
		converged = maxAbs(g) <= stop.grad || len(hist) > stopWindow && hist[0]-fx <= stop.rel*math.Abs(fx)
		return converged, nil
	}
	lb := optim.LBFGS[float64]{Precond: precond, Interpolate: true, RetryWindow: stopWindow}
	eval := func(x, g []float64) (float64, error) { return f(x, g), nil }
	res, err := lb.Minimize(ctx, eval, x, maxIter, done)
	out := minResult{f: res.F, iter: res.Iter, converged: converged || res.Stall}
	if err == nil && !out.converged {
		out.converged = maxAbs(g) <= stop.grad
	}
	return out, err
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
