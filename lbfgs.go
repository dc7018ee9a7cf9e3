package sae

import (
	"context"
	"math"

	"github.com/sae-go/sae/internal/optim"
)

// runLBFGS minimises the full-batch objective with limited-memory BFGS
// (optim.LBFGS: initial Hessian s'y/y'y, backtracking by halving): the
// classic recipe for small data sets. Each iteration counts as an epoch;
// early stopping waits Patience*10 iterations. It stops when an iteration
// changes the objective by less than 1e-9 of it, or when no step along the
// search direction lowers it (converged to float32 precision).
func (t *trainer) runLBFGS(ctx context.Context, finetune bool, iters int) error {
	tm := t.terms(finetune)
	ph := &phase{id: phaseSparse, epochs: iters, tol: 1e-7, unit: 10, keepLast: t.target != nil && !finetune}
	if finetune {
		ph.id = phaseFinetune
	}
	ph.validate = func() (float64, error) {
		tm := t.terms(finetune)
		return t.objective(t.val, &tm, false)
	}
	f := func(x, g []float32) (float64, error) {
		v, gr, err := t.objectiveGrad(t.train, &tm)
		copy(g, gr)
		return v, err
	}
	var prev float64
	done := func(it int, f float64, _ []float32) (bool, error) {
		if it == 0 {
			prev = f
			return false, nil
		}
		t.step++
		t.samples += t.train.len()
		stop, err := t.endEpoch(ph, it, it, f)
		if err != nil || stop {
			return true, err
		}
		small := math.Abs(prev-f) <= 1e-9*math.Max(1, math.Abs(f))
		if small {
			ph.stop = StopConverged
		}
		prev = f
		return small, nil
	}
	lb := optim.LBFGS[float32]{Memory: t.cfg.LBFGSMemory, MinCurvature: 1e-10}
	first := t.hist.Epochs
	ph.stop = StopEpochs
	res, err := lb.Minimize(ctx, f, t.net.Params, iters, done)
	if res.Stall {
		t.step = t.steps
		ph.stop = StopConverged
	}
	if err == nil {
		t.recordStop(ph, t.hist.Epochs-first)
	}
	return err
}
