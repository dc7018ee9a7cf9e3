package sae

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/optim"
)

// One mini-batch loop runs every mini-batch phase of training (sparse,
// fine-tuning, supervised): each epoch shuffles the rows, hands each batch
// to the phase's step, then validates, stops early and writes checkpoints
// the same way for all of them.

// phase is one phase of training.
type phase struct {
	id     int // phaseSparse, phaseFinetune, phaseSupervised or phaseScratch
	epochs int
	opt    optim.Optimizer
	perm   []uint32 // the order of the training rows, shuffled every epoch
	// step trains on one batch and returns its loss (weight decay included).
	step func(b batch) (float64, error)
	// validate is the validation loss after an epoch.
	validate func() (float64, error)
	tol      float64 // the relative improvement of the validation loss that counts
	unit     int     // epochs per unit of Config.Patience (lbfgs: 10 iterations)
	keepLast bool    // the last weights are kept (TargetL0 moves the objective)
	// accuracy, when set (the supervised phase), is the validation rows'
	// accuracy of the last validate: an epoch above prior beats one that
	// is not (see better).
	accuracy *float64
	prior    float64 // the share of the validation rows' most common class
	// plateau is the plateau schedule's state (Config.Decay plateau on a
	// mini-batch phase), nil otherwise; patience is its patience in steps.
	plateau  *plateau
	patience int
	stop     StopReason // why the phase ended
}

// plateau is the state of the plateau schedule (Config.Decay plateau): the
// learning rate is divided by ten each time the watched loss (validation,
// or the training loss without validation rows) has not improved by
// plateauTol of itself for the phase's patience, and the plateau after
// plateauDrops drops ends the phase.
type plateau struct {
	Drops int     `json:"drops"`
	Best  float64 `json:"best"`  // the watched loss at the last improvement
	Since int     `json:"since"` // the phase step of the last improvement or drop
}

const (
	plateauTol    = 1e-3
	plateauDrops  = 2
	plateauFactor = 0.1
	// plateauPatienceSteps is the least patience, in steps, of the
	// plateau schedule: on small data an epoch is a step or two.
	plateauPatienceSteps = 1000
	// plateauCheapSteps is the least patience where a step is cheap: a
	// batch's rows times the network's parameters at most
	// plateauCheapWork, as on a table of a few dozen columns, where 3000
	// steps take a second or two. There the rate's drops came while the
	// objective still improved by a little over 1000 steps:
	// bench/quality/patience.py measured the longer patience on the
	// development folds of 19 tables and scikit-learn's small sets.
	plateauCheapSteps = 3000
	plateauCheapWork  = 1 << 21
	// plateauBudgetSteps bounds a phase of the plateau schedule (its
	// epochs resolve to about this many steps), thirty least patiences;
	// plateauCheapBudgetSteps is the bound where a step is cheap, thirty
	// of its longer patiences. bench/quality/budget.py measured the
	// longer bound where the shorter one stopped runs still improving.
	plateauBudgetSteps      = 30 * plateauPatienceSteps
	plateauCheapBudgetSteps = 30 * plateauCheapSteps
)

// cheapStep reports whether a step on batches of rows rows of a network
// of params parameters is cheap (see plateauCheapSteps).
func cheapStep(rows, params int) bool { return int64(rows)*int64(params) <= plateauCheapWork }

// leastPatience is the plateau schedule's least patience, in steps, for
// batches of rows rows of a network of params parameters.
func leastPatience(rows, params int) int {
	if cheapStep(rows, params) {
		return plateauCheapSteps
	}
	return plateauPatienceSteps
}

// lrScale is the factor the plateau schedule's drops put on the rate.
func (p *plateau) lrScale() float64 {
	if p == nil {
		return 1
	}
	return math.Pow(plateauFactor, float64(p.Drops))
}

// observe takes the watched loss after an epoch ending at phase step step
// and reports whether the phase has converged.
func (p *plateau) observe(loss float64, step, patience int) bool {
	switch {
	case loss < p.Best-plateauTol*math.Abs(p.Best):
		p.Best, p.Since = loss, step
	case step-p.Since < patience:
	case p.Drops < plateauDrops:
		p.Drops++
		p.Since = step
		p.Best = math.Min(p.Best, loss)
	default:
		return true
	}
	return false
}

// batch is one step's work: the rows x [rows,d] (scaled) of the training
// rows at positions pos, the learning rate, and where in the phase it is.
type batch struct {
	x     []float32
	pos   []uint32
	rows  int
	lr    float64
	epoch int
	done  int64 // samples of the phase before this batch
}

var phaseNames = [...]Phase{phaseSparse: PhaseSparse, phaseFinetune: PhaseFinetune, phaseSupervised: PhaseSupervised, phaseScratch: PhaseScratch}

// miniBatches runs the phase's epochs (from where a resumed run stopped).
func (t *trainer) miniBatches(ctx context.Context, ph *phase) error {
	cfg := t.cfg
	d, n := t.train.cols, t.train.len()
	bs := min(cfg.Batch, n)
	// Each phase has its own schedule: warm-up, then decay to its end (or
	// the plateau schedule's drops).
	per := (n + bs - 1) / bs
	phaseSteps := ph.epochs * per
	warm := int(cfg.Warmup * float64(phaseSteps))
	if cfg.Decay == Plateau {
		ph.plateau = &plateau{Best: math.MaxFloat64} // finite: checkpoints are JSON
		ph.patience = max(cfg.Patience*per, leastPatience(bs, len(t.net.Params)))
		warm = int(cfg.Warmup * float64(min(phaseSteps, 10000)))
	}
	ph.stop = StopEpochs
	phaseStep := 0
	// The batch is gathered into the chunk buffer: the full-data passes
	// between epochs (validation) refill it, and each step reads its rows.
	batchBuf := t.chunkBuf(d)
	first, stopped, err := t.resumePhase(ph, &phaseStep)
	if err != nil || stopped {
		return err
	}
	clear(t.w.Grad(t.net)) // from here on each step leaves it zeroed
	for epoch := first; epoch <= ph.epochs; epoch++ {
		t.rng.Shuffle(n, func(i, j int) { ph.perm[i], ph.perm[j] = ph.perm[j], ph.perm[i] })
		var sum float64
		for lo := 0; lo < n; lo += bs {
			if err := ctx.Err(); err != nil {
				return err
			}
			rows := min(bs, n-lo)
			b := batch{x: batchBuf[:rows*d], pos: ph.perm[lo : lo+rows], rows: rows, epoch: epoch,
				lr:   optim.LR(cfg.LR, phaseStep, phaseSteps, warm, string(cfg.Decay)) * ph.plateau.lrScale(),
				done: int64(epoch-1)*int64(n) + int64(lo)}
			if err := t.train.readAt(b.x, b.pos); err != nil {
				return err
			}
			loss, err := ph.step(b)
			if err != nil {
				return err
			}
			phaseStep++
			t.step++
			t.samples += rows
			sum += loss * float64(rows)
			if t.opt.Progress != nil {
				p := Progress{Phase: phaseNames[ph.id], Epoch: epoch, Epochs: ph.epochs, Step: t.step, Steps: t.steps, Loss: loss, ValLoss: math.NaN()}
				if ph.plateau != nil {
					p.Bound, p.Drops = true, ph.plateau.Drops
				}
				if t.target != nil && ph.id < phaseSupervised {
					p.RunningL0, p.Coef = t.target.Running, t.target.coef()
				}
				t.opt.Progress(p)
			}
		}
		stop, err := t.endEpoch(ph, epoch, phaseStep, sum/float64(n))
		if err != nil {
			return err
		}
		if stop || epoch == ph.epochs {
			t.recordStop(ph, epoch)
		}
		if err := t.checkpoint(ph, epoch, stop, phaseStep); err != nil || stop {
			return err
		}
	}
	return nil
}

// recordStop records why the phase ended, after epochs of its epochs.
func (t *trainer) recordStop(ph *phase, epochs int) {
	if ph.plateau != nil && ph.stop == StopEpochs {
		ph.stop = StopBudget
	}
	t.hist.Stops = append(t.hist.Stops, PhaseStop{Phase: phaseNames[ph.id], Reason: ph.stop, Epochs: epochs})
}

// endEpoch records the epoch ending at phase step phaseStep, runs
// validation, early stopping and the plateau schedule; it reports whether
// the phase should stop.
func (t *trainer) endEpoch(ph *phase, epoch, phaseStep int, trainLoss float64) (bool, error) {
	if !isFinite(trainLoss) {
		return false, fmt.Errorf("%w at epoch %d: loss is %g; lower Config.LR or set Config.ClipNorm", ErrDiverged, t.hist.Epochs+1, trainLoss)
	}
	t.hist.Epochs++
	t.hist.TrainLoss = append(t.hist.TrainLoss, trainLoss)
	val := math.NaN()
	stop := false
	if t.val.len() > 0 {
		var err error
		if val, err = ph.validate(); err != nil {
			return false, err
		}
		t.hist.ValLoss = append(t.hist.ValLoss, val)
		if ph.keepLast {
			t.hist.BestEpoch = t.hist.Epochs
		} else if t.best == nil || t.better(ph, val) {
			t.bestVal = val
			if ph.accuracy != nil {
				t.bestAcc = *ph.accuracy
			}
			t.best = append(t.best[:0], t.net.Params...)
			t.hist.BestEpoch = t.hist.Epochs
			t.patienceFrom = t.hist.Epochs
		} else if t.resampled && isFinite(val) {
			// After a resample the model is a new one: its validation
			// loss rises for a while, and the epochs spent recovering
			// should not stop it. The best weights stay: a restart that
			// never pays off on the validation rows is not kept (on a
			// few hundred rows of 512 columns restarts raised the loss
			// 10 to 1000 times, and keeping the weights after them
			// left test FVU 0.13 where the run had reached 0.004).
			t.patienceFrom = t.hist.Epochs
		} else if ph.plateau == nil && t.cfg.Patience > 0 && t.hist.Epochs-t.patienceFrom >= t.cfg.Patience*ph.unit {
			t.hist.StoppedEarly = true
			ph.stop = StopEarly
			stop = true
		}
	} else {
		t.hist.BestEpoch = t.hist.Epochs
	}
	if p := ph.plateau; p != nil && t.cfg.Patience > 0 {
		watched := val
		if math.IsNaN(val) {
			watched = trainLoss
		}
		// (Restarted latents do not reset it: they are restarted until
		// the first drop, which would otherwise never come.)
		drops := p.Drops
		if p.observe(watched, phaseStep, ph.patience) {
			t.hist.StoppedEarly = true
			ph.stop = StopConverged
			stop = true
		} else if p.Drops > drops {
			t.restoreBest()
		}
	}
	t.resampled = false
	if t.opt.Progress != nil {
		p := Progress{Phase: phaseNames[ph.id], Epoch: epoch, Epochs: ph.epochs, Step: t.step, Steps: t.steps, Loss: trainLoss, ValLoss: val, EpochCompleted: true}
		if ph.plateau != nil {
			p.Bound, p.Drops = true, ph.plateau.Drops
		}
		t.opt.Progress(p)
	}
	return stop, nil
}

// restoreBest puts the phase's best weights back, if it has any: at its
// end, and at each drop of the plateau schedule's rate, so that the lower
// rate refines the best point the phase found rather than wherever a
// patience's worth of steps past it had wandered (the Adam moments stay).
// Restoring at the drops was measured with bench/quality/patience.py
// (objective on held-out rows, restoring over not; no time cost):
// geometric mean 0.989 on development splits of 19 tables (17 runs
// better, 9 worse), 0.995 on scikit-learn's small sets (9, 5) and 0.987 on
// eleven more (14, 6: the held-out classification tables, musk, pooled
// Fashion-MNIST, campaign). A phase that keeps its last weights, or has no
// validation rows to choose the best by, has none and goes on from where
// it is.
func (t *trainer) restoreBest() {
	if t.best != nil {
		copy(t.net.Params, t.best)
	}
}

// better reports whether the epoch that ended with validation loss val
// beats the best so far: a lower loss (by the phase's tolerance), except
// that in a phase that watches accuracy an epoch that classifies the
// validation rows better than the prior (each row the most common class)
// beats one that does not. (A classifier's cross-entropy on a few dozen
// validation rows can be lowest in the first epochs, while it still gives
// every row the majority class: Ionosphere's stacked network kept 64% of
// its test rows right, the prior, where the same network trained without
// validation rows gets 87%. Keeping the best accuracy instead trusted ten
// rows too far: iris from scratch, seed 3, 97.78% -> 75.56%.)
func (t *trainer) better(ph *phase, val float64) bool {
	if ph.accuracy == nil {
		return val < t.bestVal-ph.tol*math.Abs(t.bestVal)
	}
	return beats(val, *ph.accuracy, t.bestVal, t.bestAcc, ph.prior, ph.tol)
}

// beats reports whether a classifier of validation loss val and accuracy
// acc beats one of bestVal and bestAcc: one that classifies better than
// prior (the share of the most common class) beats one that does not;
// else the lower loss, by a share tol of bestVal, wins.
func beats(val, acc, bestVal, bestAcc, prior, tol float64) bool {
	if above, bestAbove := acc > prior, bestAcc > prior; above != bestAbove {
		return above
	}
	return val < bestVal-tol*math.Abs(bestVal)
}

// autoencoderPhase is the sparse phase or, with finetune, the
// reconstruction-only fine-tuning, of epochs epochs.
func (t *trainer) autoencoderPhase(finetune bool, epochs int) *phase {
	ph := &phase{id: phaseSparse, epochs: epochs, opt: newOptimizer(t.cfg, t.net), tol: 1e-7, unit: 1,
		keepLast: t.target != nil && !finetune}
	if finetune {
		ph.id = phaseFinetune
	}
	if n := t.train.len(); len(t.perm) != n {
		t.perm = identity(n) // the two phases share the order, which goes on
	}
	ph.perm = t.perm
	tm := t.terms(finetune)
	ph.validate = func() (float64, error) {
		tm := t.terms(finetune)
		return t.objective(t.val, &tm, false)
	}
	ph.step = func(b batch) (float64, error) { return t.autoencoderStep(ph, &tm, b) }
	return ph
}

// autoencoderStep is a step of the sparse or the fine-tuning phase: the
// batch, corrupted for a denoising model, forward and backward with the
// phase's terms tm, the optimiser's step, and the bookkeeping after it.
func (t *trainer) autoencoderStep(ph *phase, tm *nn.Terms, b batch) (float64, error) {
	cfg, d, n := t.cfg, t.train.cols, t.train.len()
	in := b.x
	if t.noise != nil {
		if len(t.xn) < len(b.x) {
			t.xn = make([]float32, min(cfg.Batch, n)*d)
		}
		in = t.xn[:b.rows*d]
		t.noise.corrupt(in, b.x, d, t.rng)
	}
	if t.net.VAE() {
		t.net.SampleNoise(&t.w, b.rows, t.rng)
	}
	t.auxTerms(tm)
	target := b.x
	if t.cfg.Out > 0 {
		in, target = t.split(b.x, b.rows, &t.bx, &t.by)
	}
	lp := t.net.ForwardBackward(&t.w, in, target, b.rows, 1/float32(b.rows), tm, nil)
	grad := t.w.Grad(t.net)
	t.net.ConstrainGrad(grad)
	var finite bool
	lp.Decay, finite = ph.opt.Step(t.net.Params, grad, b.lr, cfg.WeightDecay, cfg.ClipNorm)
	loss := lp.Total()
	if !isFinite(loss) || !finite {
		return 0, fmt.Errorf("%w at epoch %d step %d: the loss (%g) or the gradient is not finite; lower Config.LR or set Config.ClipNorm", ErrDiverged, t.hist.Epochs+1, t.step+1, loss)
	}
	t.afterStep(tm, b.rows, b.lr)
	total := int64(ph.epochs) * int64(n)
	if ph.plateau != nil {
		total = plateauResampleSpan(ph.epochs, n, cfg.Batch, ph.plateau.Drops)
	}
	if ph.id == phaseSparse && t.resampleDue(b.done, b.done+int64(b.rows), total) {
		if err := t.resampleDead(ph.opt, min(cfg.Batch, n)); err != nil {
			return 0, err
		}
		t.resampled = true
	}
	return loss, nil
}

// resumePhase, when the run resumes inside this phase, restores the
// phase's optimiser state, order of rows and schedule position and returns
// the first epoch left to run, or stopped when the phase had ended.
func (t *trainer) resumePhase(ph *phase, phaseStep *int) (first int, stopped bool, err error) {
	st := t.resume
	if st == nil || st.Phase != ph.id {
		return 1, false, nil
	}
	t.resume = nil
	if len(st.perm) != len(ph.perm) {
		return 0, false, fmt.Errorf("checkpoint: %d rows in its order, %d in the data", len(st.perm), len(ph.perm))
	}
	if err := ph.opt.SetState(optim.State{T: st.OptT, B1t: st.B1t, B2t: st.B2t, M: st.m, V: st.v}); err != nil {
		return 0, false, err
	}
	copy(ph.perm, st.perm)
	*phaseStep = st.PhaseStep
	if (st.Plateau != nil) != (ph.plateau != nil) {
		return 0, false, errors.New("checkpoint: the plateau schedule's state does not match the settings")
	}
	if st.Plateau != nil {
		*ph.plateau = *st.Plateau
	}
	t.best, t.bestVal, t.bestAcc = nil, st.BestVal, st.BestAccuracy
	t.patienceFrom = st.PatienceFrom
	if t.patienceFrom == 0 {
		t.patienceFrom = st.History.BestEpoch
	}
	if st.HasBest {
		t.best = st.best
	}
	return st.Epoch + 1, st.Stopped, nil
}

// checkpoint writes the training state after epoch of the phase when one
// is due: every CheckpointEvery epochs in all, and when the phase stops.
func (t *trainer) checkpoint(ph *phase, epoch int, stopped bool, phaseStep int) error {
	every := t.opt.CheckpointEvery
	if every <= 0 || (t.hist.Epochs%every != 0 && !stopped) {
		return nil
	}
	rng, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	o := ph.opt.State()
	_, cols := t.src.Dims()
	st := &trainState{
		Key: stateKey(t.cfg, t.train.len(), cols, t.val.len(), t.classes), Phase: ph.id, Epoch: epoch,
		Stopped: stopped || epoch == ph.epochs, PhaseStep: phaseStep, Step: t.step, Samples: t.samples,
		Seconds: time.Since(t.start).Seconds(), History: t.hist, BestVal: t.bestVal, HasBest: t.best != nil,
		PatienceFrom: t.patienceFrom, BestAccuracy: t.bestAcc, RNG: rng, OptT: o.T, B1t: o.B1t, B2t: o.B2t,
		params: t.net.Params, m: o.M, v: o.V, best: t.best, perm: ph.perm,
		ThresholdSteps: t.kst.ThresholdSteps, Target: t.target, Plateau: ph.plateau,
		Config: &t.cfg, Data: t.print,
	}
	if t.dead != nil {
		st.Dead = t.dead.Since
	}
	return writeState(t.opt.CheckpointDir, st)
}
