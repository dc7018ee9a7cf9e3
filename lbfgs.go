package sae

import (
	"context"
	"fmt"
	"math"
)

// runLBFGS minimises the full-batch objective with limited-memory BFGS
// (two-loop recursion, initial Hessian s'y/y'y, backtracking line search
// on the Armijo condition): the classic recipe for small data sets.
// Each iteration counts as an epoch; early stopping waits Patience*10
// iterations.
func (t *trainer) runLBFGS(ctx context.Context, finetune bool, iters int) error {
	p := t.net.params
	n := len(p)
	mem := t.cfg.LBFGSMemory
	pen := t.penalty(finetune)
	s := make([][]float32, 0, mem)
	y := make([][]float32, 0, mem)
	rho := make([]float64, 0, mem)
	alpha := make([]float64, mem)
	g := make([]float32, n)
	dir := make([]float32, n)
	x0 := make([]float32, n)

	f, gr, err := t.objectiveGrad(t.train, pen)
	if err != nil {
		return err
	}
	copy(g, gr)
	for it := 1; it <= iters; it++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		// dir = -H g by the two-loop recursion.
		for i := range dir {
			dir[i] = -g[i]
		}
		for i := len(s) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot64(s[i], dir)
			axpy32(-alpha[i], y[i], dir)
		}
		if k := len(s) - 1; k >= 0 {
			gamma := dot64(s[k], y[k]) / dot64(y[k], y[k])
			for i := range dir {
				dir[i] *= float32(gamma)
			}
		}
		for i := range s {
			beta := rho[i] * dot64(y[i], dir)
			axpy32(alpha[i]-beta, s[i], dir)
		}
		gd := dot64(g, dir)
		if !(gd < 0) {
			// Not a descent direction: restart from steepest descent.
			s, y, rho = s[:0], y[:0], rho[:0]
			for i := range dir {
				dir[i] = -g[i]
			}
			gd = dot64(g, dir)
		}
		step := 1.0
		if len(s) == 0 {
			step = math.Min(1, 1/math.Sqrt(-gd))
		}
		copy(x0, p)
		var fNew float64
		accepted := false
		for try := 0; try < 30; try++ {
			for i := range p {
				p[i] = x0[i] + float32(step)*dir[i]
			}
			if fNew, gr, err = t.objectiveGrad(t.train, pen); err != nil {
				return err
			}
			if isFinite(fNew) && fNew <= f+1e-4*step*gd {
				accepted = true
				break
			}
			step *= 0.5
		}
		if !accepted {
			copy(p, x0)
			// No progress along the direction: converged to float32 precision.
			t.step = t.steps
			break
		}
		// Curvature pair.
		var sv, yv []float32
		if len(s) == mem {
			sv, yv = s[0], y[0]
			s, y, rho = s[1:], y[1:], rho[1:]
		} else {
			sv, yv = make([]float32, n), make([]float32, n)
		}
		for i := range p {
			sv[i] = p[i] - x0[i]
			yv[i] = gr[i] - g[i]
		}
		if sy := dot64(sv, yv); sy > 1e-10 {
			s, y, rho = append(s, sv), append(y, yv), append(rho, 1/sy)
		}
		copy(g, gr)
		fOld := f
		f = fNew
		t.step++
		t.samples += t.train.len()
		if !isFinite(f) {
			return fmt.Errorf("%w at iteration %d: loss %g", ErrDiverged, it, f)
		}
		stop, err := t.endEpoch(it, iters, finetune, f, 10)
		if err != nil || stop {
			return err
		}
		if math.Abs(fOld-f) <= 1e-9*math.Max(1, math.Abs(f)) {
			break
		}
	}
	return nil
}

func dot64(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func axpy32(alpha float64, x, y []float32) {
	a := float32(alpha)
	for i, v := range x {
		y[i] += a * v
	}
}
