package sae

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/optim"
	"github.com/sae-go/sae/internal/stats"
)

// History is what training recorded; Val and All are the final metrics on
// the validation rows (nil: none) and on all the training source's rows.
type History struct {
	TrainLoss    []float64 `json:"train_loss"`         // each epoch's mean (lbfgs: each iteration's)
	ValLoss      []float64 `json:"val_loss,omitempty"` // each epoch's on the validation rows
	Epochs       int       `json:"epochs"`             // of all phases
	FinetuneFrom int       `json:"finetune_from"`      // its first epoch (-1: none)
	StoppedEarly bool      `json:"stopped_early"`
	// Stops says why each phase ended, in the order they ran.
	Stops          []PhaseStop `json:"stops,omitempty"`
	SupervisedFrom int         `json:"supervised_from,omitempty"` // its first epoch (0: none)
	Pretrain       []History   `json:"pretrain,omitempty"`        // a stacked model's layers'
	// SupervisedStart is the start a stacked classifier kept: "pretrained"
	// or "scratch" (random initialisation; its supervised phase's epochs
	// follow the pre-trained network's, from ScratchFrom); "" when only
	// one was trained. StartValLoss is the two best epochs' validation
	// cross-entropy, pre-trained and from scratch.
	SupervisedStart  string    `json:"supervised_start,omitempty"`
	ScratchFrom      int       `json:"scratch_from,omitempty"`
	StartValLoss     []float64 `json:"start_val_loss,omitempty"`
	Accuracy         float64   `json:"accuracy,omitempty"`     // with labels
	ValAccuracy      float64   `json:"val_accuracy,omitempty"` // with labels
	BestEpoch        int       `json:"best_epoch"`             // whose weights were kept
	Seconds          float64   `json:"train_seconds"`
	SamplesPerSecond float64   `json:"samples_per_second"`
	FinalLoss        float64   `json:"final_loss"` // of the final weights on the training rows
	Val              *Metrics  `json:"val_metrics,omitempty"`
	All              *Metrics  `json:"-"`
	DeadFraction     float64   `json:"dead_fraction_train,omitempty"` // latents unfired in the last DeadWindow
	RunningL0        float64   `json:"running_l0,omitempty"`          // the TargetL0 controller's at the end
	TrainRows        int       `json:"train_rows"`
	ValRows          int       `json:"val_rows"`
	// TargetFrom is the coefficient the TargetL0 controller started from
	// (the Config field it tunes holds the one it ended with).
	TargetFrom float64 `json:"target_l0_from,omitempty"`
	// DenoiseGain is a denoiser's PSNR gain in dB on its validation rows
	// corrupted as in training (nil: not a denoiser, or no validation
	// rows); negative, it makes such rows worse.
	DenoiseGain *float64 `json:"denoise_gain_db,omitempty"`
}

// PhaseStop is why a phase of training ended.
type PhaseStop struct {
	Phase  Phase      `json:"phase"`
	Reason StopReason `json:"reason"`
	Epochs int        `json:"epochs"` // the phase's epochs (lbfgs: iterations)
}

// StopReason is why a phase of training ended.
type StopReason string

const (
	// StopConverged: the plateau schedule's last plateau (lbfgs: the
	// objective stopped changing).
	StopConverged StopReason = "converged"
	// StopBudget: the plateau schedule ran out of epochs while the
	// watched loss was still improving; more epochs would help.
	StopBudget StopReason = "budget"
	// StopEarly: early stopping (Config.Patience epochs without a better
	// validation loss) under a fixed schedule.
	StopEarly StopReason = "early stopping"
	// StopEpochs: the fixed schedule's epochs ran out.
	StopEpochs StopReason = "epochs"
)

// Phase is where training is: those below, "pretrain i/k" (a stacked
// model's layers), "detector i/k " and a phase (the anomaly detector's
// extra members: Phase.Detector), or PhaseFinal when the final passes over
// the data begin.
type Phase string

// detectorPhase is phase p of the anomaly detector's extra member i of k.
func detectorPhase(i, k int, p Phase) Phase {
	return Phase(fmt.Sprintf("detector %d/%d %s", i, k, p))
}

// Detector reports whether p is a phase of the anomaly detector's extra
// member i of k (trained after the model itself).
func (p Phase) Detector() (i, k int, ok bool) {
	var rest string
	if n, _ := fmt.Sscanf(string(p), "detector %d/%d %s", &i, &k, &rest); n != 3 {
		return 0, 0, false
	}
	return i, k, true
}

const (
	PhaseSparse     Phase = "sparse"
	PhaseFinetune   Phase = "finetune"
	PhaseSupervised Phase = "supervised"
	// PhaseScratch: a stacked classifier's network trained again from
	// random initialisation, to be kept if it validates better.
	PhaseScratch Phase = "supervised from scratch"
	PhaseFinal   Phase = "final"
)

// Progress is reported after every step (RunningL0, Coef: TargetL0's).
type Progress struct {
	Phase         Phase
	Epoch, Epochs int // 1-based epoch, epochs in this phase (Bound: at most)
	// Bound says Epochs only bounds the phase: the plateau schedule ends
	// it when it converges; Drops counts its learning-rate drops so far.
	Bound           bool
	Drops           int
	Step, Steps     int     // steps done, total steps of the run
	Loss, ValLoss   float64 // ValLoss: NaN until the first validation
	RunningL0, Coef float64
	EpochCompleted  bool
}

// TrainOptions: validation rows (replacing ValSplit); class labels, which
// add a softmax head; checkpoints every CheckpointEvery epochs (adam, sgd),
// resumed exactly; Progress, called after every step.
type TrainOptions struct {
	Val Matrix
	// Target makes a transcoder (Config.Out): the code of each row of
	// the training data predicts the same row of Target; ValTarget is
	// Val's.
	Target            Source
	ValTarget         Matrix
	Labels, ValLabels []int
	CheckpointDir     string
	CheckpointEvery   int
	Resume            bool
	Progress          func(Progress)
	// valSrc replaces Val (greedy pre-training reads the codes of the
	// validation rows from the layers below).
	valSrc Source
}

// ErrDiverged is returned (wrapped) when the loss or gradient is not finite.
var ErrDiverged = errors.New("training diverged")

// Train fits a sparse autoencoder to the rows of src (input units), read a
// batch at a time: memory holds the model and its training state, not the
// data.
func Train(ctx context.Context, src Source, cfg Config, opt TrainOptions) (*Model, error) {
	if err := checkSource(src, "training data", 0); err != nil {
		return nil, err
	}
	rows, cols := src.Dims()
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("training data is empty (%d x %d)", rows, cols)
	}
	val := opt.valSrc
	if val == nil && opt.Val.Rows > 0 {
		if err := checkSource(opt.Val, "validation data", cols); err != nil {
			return nil, err
		}
		val = opt.Val
	}
	nVal := 0
	if val != nil {
		var vc int
		nVal, vc = val.Dims()
		if vc != cols {
			return nil, fmt.Errorf("validation data: has %d columns, the training data %d", vc, cols)
		}
	}
	src, val, err := pairData(src, val, &cfg, opt)
	if err != nil {
		return nil, err
	}
	epochs := cfg.Epochs // as asked: the detector's members follow it (detector.go)
	classes := 0         // a classifier's: the largest label + 1, at least 2
	if opt.Labels != nil {
		if len(opt.Labels) != rows {
			return nil, fmt.Errorf("labels: %d labels for %d rows", len(opt.Labels), rows)
		}
		if nVal > 0 && len(opt.ValLabels) != nVal {
			return nil, fmt.Errorf("validation labels: %d labels for %d rows", len(opt.ValLabels), nVal)
		}
		classes = 2
		for i, l := range append(append([]int(nil), opt.Labels...), opt.ValLabels...) {
			if l < 0 || l > 1<<16 {
				return nil, fmt.Errorf("labels: label %d is %d; labels must be classes 0, 1, 2, ...", i+1, l)
			}
			if i < rows || val != nil { // validation labels without validation rows go unused
				classes = max(classes, l+1)
			}
		}
		if cfg.Stacked && len(cfg.Layers) == 0 && cfg.Hidden == 0 {
			cfg.Layers = stackedLayers(cols, classes)
		}
	}
	cfg = cfg.Resolve(cols, rows-cfg.valRows(rows, val != nil))
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if (opt.CheckpointEvery > 0 || opt.Resume) && opt.CheckpointDir == "" {
		return nil, errors.New("checkpoints: no checkpoint directory given")
	}
	if opt.CheckpointEvery < 0 {
		return nil, fmt.Errorf("checkpoints: every %d epochs; want a positive count", opt.CheckpointEvery)
	}
	if (opt.CheckpointEvery > 0 || opt.Resume) && (cfg.Optimizer == LBFGS || cfg.Stacked) {
		return nil, errors.New("checkpoints: supported for the adam and sgd optimisers without stacked pre-training")
	}
	var resume *trainState
	var dp *dataPrint
	if opt.CheckpointEvery > 0 || opt.Resume {
		var err error
		if dp, err = fingerprint(src, val, opt.Labels, opt.ValLabels); err != nil {
			return nil, err
		}
	}
	if opt.Resume {
		if resume, err = readState(opt.CheckpointDir); err != nil {
			return nil, err
		}
		if err := resume.checkData(opt.CheckpointDir, dp); err != nil {
			return nil, err
		}
	}
	t := newTrainer(src, val, cfg, opt)
	t.print, t.classes = dp, classes
	if err := t.prepare(); err != nil {
		return nil, err
	}
	if resume != nil {
		if err := t.restore(resume); err != nil {
			return nil, err
		}
	}
	if err := t.run(ctx); err != nil {
		return nil, err
	}
	// The anomaly detector's other members (detector.go), before the
	// final passes, which score with them.
	if t.detector, err = trainDetector(ctx, t.cfg, epochs, t.src, t.opt); err != nil {
		return nil, err
	}
	return t.finish()
}

type trainer struct {
	// resampled says dead latents were restarted during the current
	// epoch: early stopping starts again from its end.
	resampled bool
	// patienceFrom is the epoch early stopping counts from: the best
	// epoch, or a later one that restarted dead latents.
	patienceFrom int

	cfg        Config
	opt        TrainOptions
	dIn        int         // input width: the rows of src are [x | y] for a transcoder (Config.Out)
	nzY        *Normalizer // a transcoder's target scaling
	bx, by     []float32   // a transcoder's batch, split
	cx, cy     []float32   // a transcoder's chunk, split
	src        Source      // the training data, input units
	valSrc     Source      // separate validation data, or nil
	rng        *rand.Rand
	pcg        *rand.PCG // rng's source, saved in checkpoints
	resume     *trainState
	nz         *Normalizer
	train, val *rowSet // scaled by nz
	valRaw     *rowSet // the validation rows in input units
	trainY     []int32 // labels of train (supervised training)
	valY       []int32
	classes    int
	net        *nn.Net[float32]
	w          nn.Workspace[float32]
	hist       History
	best       []float32
	bestVal    float64
	bestAcc    float64 // the validation accuracy of the supervised phase's best weights
	// fresh is a stacked classifier's network and generator as prepare
	// left them, for its run from random initialisation (stacked.go).
	fresh struct {
		params []float32
		pcg    rand.PCG
	}
	scratch bool      // the supervised phase runs from random initialisation (stacked.go)
	xn      []float32 // corrupted batch (denoising)
	chunk   []float32 // scan and full-data objective buffer; mini-batches are gathered here too
	noise   *corrupter
	perm    []uint32
	step    int
	steps   int
	samples int
	start   time.Time
	// Kinds with their own code: the dead-latent counts, and the kind's
	// training state (batchtopk's threshold updates).
	dead     *nn.DeadLatents
	kst      nn.State
	detector []*Model // the anomaly detector's extra members
	// target tunes the penalty coefficient (Config.TargetL0), or nil.
	target *l0Controller
	// print identifies the data in checkpoints (with checkpoints only).
	print *dataPrint
}

func newTrainer(src, val Source, cfg Config, opt TrainOptions) *trainer {
	pcg := rand.NewPCG(cfg.Seed, 0x5ae5ae)
	_, d := src.Dims()
	if p, ok := src.(*pairSource); ok {
		d = p.dx
	}
	return &trainer{cfg: cfg, opt: opt, src: src, valSrc: val, dIn: d, pcg: pcg, rng: rand.New(pcg), bestVal: math.Inf(1)}
}

// chunkRows is the rows per chunk of the full-data passes: a batch, so
// that they need no scratch beyond a training step's.
func (t *trainer) chunkRows() int { return max(64, t.cfg.Batch) }

// prepare splits, fits the normaliser, checks and summarises the data in
// one pass and initialises the network.
func (t *trainer) prepare() error {
	cfg := t.cfg
	rows, d := t.src.Dims()
	if uint64(rows) > maxRows {
		return fmt.Errorf("%d rows: the trainer indexes at most %d", rows, uint64(maxRows))
	}
	// A random order of the rows (the same as t.rng.Perm's, in 4 bytes a
	// row): the validation rows are its tail.
	idx := identity(rows)
	t.rng.Shuffle(rows, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	nVal := cfg.valRows(rows, t.valSrc != nil)
	trainIdx := idx[:rows-nVal]
	t.train = subset(t.src, trainIdx, d)
	switch {
	case nVal > 0:
		t.val = subset(t.src, idx[rows-nVal:], d)
	case t.valSrc != nil:
		t.val = allRows(t.valSrc)
	default:
		t.val = &rowSet{src: t.src, cols: d} // empty
	}
	if y := t.opt.Labels; y != nil {
		for _, r := range trainIdx {
			t.trainY = append(t.trainY, int32(y[r]))
		}
		if nVal > 0 {
			for _, r := range idx[rows-nVal:] {
				t.valY = append(t.valY, int32(y[r]))
			}
		} else {
			for _, l := range t.opt.ValLabels {
				t.valY = append(t.valY, int32(l))
			}
		}
	}
	t.valRaw = &rowSet{src: t.val.src, idx: t.val.idx, n: t.val.n, cols: d}
	if err := t.fitScaling(&cfg); err != nil {
		return err
	}
	cfg.Precision = cfg.settlePrecision()
	t.cfg = cfg
	if cfg.TargetL0 > 0 {
		t.target = newL0Controller(cfg)
		p := cfg.params()
		t.hist.TargetFrom = *cfg.kind().Target(&p).Coef
	}

	// One pass over the scaled training rows: the range bce needs, the
	// mean (the decoder bias starts there) and each column's range (salt
	// and pepper noise).
	ns, _ := parseNoise(cfg.Noise)
	mean := make([]float64, d)
	lo, hi := make([]float32, d), make([]float32, d)
	for j := range lo {
		lo[j], hi[j] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	err := t.train.scan(t.chunkBuf(d), t.chunkRows(), func(x []float32, at, n int) error {
		for i := 0; i < n; i++ {
			row := x[i*d : (i+1)*d]
			for j, v := range row {
				if cfg.Loss == BCE && (v < 0 || v > 1) {
					return fmt.Errorf("loss bce needs data in [0, 1] but row %d column %d is %g after normalisation %s; set Config.Normalize minmax or Config.Loss mse", trainIdx[at+i]+1, j+1, v, cfg.Normalize)
				}
				mean[j] += float64(v)
				lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.hist.TrainRows, t.hist.ValRows = t.train.len(), t.val.len()
	t.hist.FinetuneFrom = -1

	if ns.kind != "" {
		t.noise = newCorrupter(ns, t.nz, d, lo, hi)
	}
	spec := cfg.netSpec(t.dIn)
	spec.Classes, spec.Threads, spec.BF16 = t.classes, cfg.Threads, cfg.Precision == BF16
	t.net = nn.New[float32](spec)
	m32 := make([]float32, t.net.O) // the decoder bias starts at the target's mean
	for j := range m32 {
		m32[j] = float32(mean[d-t.net.O+j] / float64(t.train.len()))
	}
	t.net.Init(t.rng, m32)
	if err := t.initDictionary(); err != nil {
		return err
	}
	if t.triesScratch() {
		t.fresh.params, t.fresh.pcg = slices.Clone(t.net.Params), *t.pcg
	}
	return nil
}

// fitScaling settles cfg.Normalize (auto) on the training rows, fits the
// scaling (a transcoder's input and target apart: fitPairNormalizer) and
// sets it on the training and validation rows.
func (t *trainer) fitScaling(cfg *Config) error {
	var err error
	rowsNz := t.nz
	if cfg.Out > 0 {
		cfg.Normalize, rowsNz, err = t.fitPairNormalizer(cfg.Normalize)
	} else if cfg.Normalize, err = resolveNormalize(cfg.Normalize, t.train, cfg.Loss, t.chunkRows()); err == nil {
		t.nz, err = fitNormalizer(cfg.Normalize, t.train, t.chunkRows())
		rowsNz = t.nz
	}
	t.train.nz, t.val.nz = rowsNz, rowsNz
	return err
}

// terms are the objective's terms of the sparse phase or, with finetune,
// of fine-tuning (reconstruction only: no penalty, no contractive term).
func (t *trainer) terms(finetune bool) nn.Terms {
	tm := nn.Terms{Params: t.cfg.params(), Sparse: !finetune}
	if finetune {
		tm.Contractive = 0
	} else if t.target != nil {
		t.setCoef(&tm)
	}
	return tm
}

func (t *trainer) run(ctx context.Context) error {
	// What reading and preparing the data left behind is garbage: collect
	// it before the optimiser's state is allocated, so the peak memory is
	// the training state's and not that plus the garbage.
	runtime.GC()
	t.start = time.Now()
	if t.resume != nil {
		t.start = t.start.Add(-time.Duration(t.resume.Seconds * float64(time.Second)))
	}
	sparse := max(t.cfg.Epochs, 0)
	if t.cfg.Stacked {
		sparse = 0 // replaced by greedy layer-wise pre-training
	}
	supervised := 0
	if t.classes > 0 {
		supervised = t.cfg.SupervisedEpochs
	}
	phases := []struct {
		finetune bool
		epochs   int
	}{{false, sparse}, {true, max(t.cfg.FinetuneEpochs, 0)}}
	per := (t.train.len() + t.cfg.Batch - 1) / t.cfg.Batch
	if t.cfg.Optimizer == LBFGS {
		t.steps = sparse + phases[1].epochs + supervised*per
	} else {
		t.steps = per * (sparse + phases[1].epochs + supervised)
	}
	if t.cfg.Stacked {
		t.steps += t.net.Depth() * t.cfg.Epochs * per
	}
	if t.triesScratch() {
		t.steps += supervised * per
	}
	if t.cfg.Stacked {
		if err := t.pretrain(ctx); err != nil {
			return err
		}
	}
	resumePhase := -1
	if t.resume != nil {
		resumePhase = t.resume.Phase
	}
	for i, ph := range phases {
		if ph.epochs == 0 || i < resumePhase {
			continue
		}
		if i != resumePhase {
			if ph.finetune {
				t.hist.FinetuneFrom = t.hist.Epochs
			}
			t.best, t.bestVal = nil, math.Inf(1)
		}
		var err error
		if t.cfg.Optimizer == LBFGS {
			err = t.runLBFGS(ctx, ph.finetune, ph.epochs)
		} else {
			err = t.miniBatches(ctx, t.autoencoderPhase(ph.finetune, ph.epochs))
		}
		if err != nil {
			return err
		}
		t.restoreBest()
	}
	if supervised > 0 {
		if resumePhase != phaseSupervised {
			t.hist.SupervisedFrom = t.hist.Epochs
			t.best, t.bestVal = nil, math.Inf(1)
		}
		if err := t.runSupervised(ctx, supervised); err != nil {
			return err
		}
		if t.triesScratch() {
			if err := t.supervisedFromScratch(ctx, supervised); err != nil {
				return err
			}
		}
	}
	if t.dead != nil {
		t.hist.DeadFraction = t.dead.Fraction()
	}
	if t.target != nil {
		t.hist.RunningL0 = t.target.Running
	}
	t.hist.Seconds = time.Since(t.start).Seconds()
	if t.hist.Seconds > 0 {
		t.hist.SamplesPerSecond = float64(t.samples) / t.hist.Seconds
	}
	return nil
}

// restore applies a checkpoint's state to a prepared trainer.
func (t *trainer) restore(st *trainState) error {
	_, cols := t.src.Dims()
	if st.Key != stateKey(t.cfg, t.train.len(), cols, t.val.len(), t.classes) {
		if d := st.settingsDiff(t.cfg); d != "" {
			return fmt.Errorf("checkpoint in %s: written by a run with other settings (%s); resume with the same settings", t.opt.CheckpointDir, d)
		}
		return fmt.Errorf("checkpoint in %s: written by a run with other settings or data; resume with the same flags and files", t.opt.CheckpointDir)
	}
	if len(st.params) != len(t.net.Params) {
		return fmt.Errorf("checkpoint in %s: %d parameters, the model has %d", t.opt.CheckpointDir, len(st.params), len(t.net.Params))
	}
	if err := t.pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("checkpoint in %s: random state: %v", t.opt.CheckpointDir, err)
	}
	copy(t.net.Params, st.params)
	t.step, t.samples, t.hist = st.Step, st.Samples, st.History
	t.kst.ThresholdSteps = st.ThresholdSteps
	if (st.Target != nil) != (t.target != nil) {
		return fmt.Errorf("checkpoint in %s: the target-L0 controller's state does not match the settings", t.opt.CheckpointDir)
	}
	if st.Target != nil {
		*t.target = *st.Target
	}
	if st.Dead != nil {
		if len(st.Dead) != t.net.H {
			return fmt.Errorf("checkpoint in %s: dead-latent counts for %d latents, the model has %d", t.opt.CheckpointDir, len(st.Dead), t.net.H)
		}
		t.dead = nn.NewDeadLatents(t.net.H, t.cfg.deadWindow(t.train.len()))
		t.dead.Restore(st.Dead)
	}
	t.resume = st
	return nil
}

// objective is the full-data objective on the rows of rs, forward only:
// the reconstruction loss and the kind's penalty over all rows, plus weight
// decay when decay is set.
func (t *trainer) objective(rs *rowSet, tm *nn.Terms, decay bool) (float64, error) {
	total, err := t.net.Objective(&t.w, tm, rs.len(), t.chunks(rs))
	if err != nil {
		return 0, err
	}
	if decay {
		total += t.net.DecayValue(t.cfg.WeightDecay)
	}
	return total, nil
}

// chunks visits the rows of rs chunk by chunk (scaled), in the trainer's
// chunk buffer.
func (t *trainer) chunks(rs *rowSet) nn.Scan[float32] {
	chunk := min(rs.len(), t.chunkRows())
	return func(fn func(x, target []float32, rows int) error) error {
		return rs.scan(t.chunkBuf(rs.cols), chunk, func(rows []float32, _, n int) error {
			x, y := t.split(rows, n, &t.cx, &t.cy)
			return fn(x, y, n)
		})
	}
}

// chunkBuf is the trainer's chunk buffer, at least a chunk of d columns.
func (t *trainer) chunkBuf(d int) []float32 {
	if k := t.chunkRows() * d; len(t.chunk) < k {
		t.chunk = make([]float32, k)
	}
	return t.chunk
}

// objectiveGrad is the full-data objective and its gradient (left in the
// workspace's), computed in chunks (nn.Net.FullGrad), with weight decay.
func (t *trainer) objectiveGrad(rs *rowSet, tm *nn.Terms) (float64, []float32, error) {
	total, err := t.net.FullGrad(&t.w, tm, rs.len(), t.chunks(rs))
	if err != nil {
		return 0, nil, err
	}
	grad := t.w.Grad(t.net)
	total += optim.Decay(t.net.Params, grad, weightSpans(t.net), t.cfg.WeightDecay)
	return total, grad, nil
}

// finish computes the final objective and the anomaly threshold and builds
// the model.
func (t *trainer) finish() (*Model, error) {
	// The optimiser's state (twice the parameters) is garbage now and the
	// gradient is no longer needed: collect them, so that the passes below
	// reuse their memory rather than adding to the peak. (A caller may
	// also hand the pages back to the system when PhaseFinal is reported:
	// sae train does.)
	t.w.ReleaseGrad()
	t.net.SetBF16(false) // the model is evaluated and used in float32
	runtime.GC()
	if t.opt.Progress != nil {
		p := Progress{Phase: PhaseFinal, Step: t.step, Steps: t.steps, Loss: math.NaN(), ValLoss: math.NaN()}
		if n := len(t.hist.TrainLoss); n > 0 {
			p.Loss = t.hist.TrainLoss[n-1]
		}
		if n := len(t.hist.ValLoss); n > 0 {
			p.ValLoss = t.hist.ValLoss[n-1]
		}
		t.opt.Progress(p)
	}
	var err error
	tm := t.terms(t.cfg.FinetuneEpochs > 0)
	if t.hist.FinalLoss, err = t.objective(t.train, &tm, true); err != nil {
		return nil, err
	}
	cfg := t.cfg
	if t.target != nil {
		cfg = withTargetCoef(cfg, t.target.coef())
	}
	m := newModel(cfg, t.dIn, t.net, t.nz)
	if cfg.Out > 0 {
		return t.finishTranscoder(m)
	}
	if t.valRaw.len() > 0 {
		mt, err := m.Eval(t.valRaw)
		if err != nil {
			return nil, err
		}
		t.hist.Val = &mt
		if t.noise != nil {
			g, err := m.denoiseGain(t.valRaw, t.noise)
			if err != nil {
				return nil, err
			}
			t.hist.DenoiseGain = &g
		}
	}
	h := t.hist
	m.History = &h
	// One pass gives the scores that set the threshold and the metrics on
	// all the rows (a caller without validation rows reports those).
	all, scores, err := m.evalScoreSource(t.src)
	if err != nil {
		return nil, err
	}
	h.All = &all
	m.detector = t.detector
	if !m.selfScored() && len(m.detector) > 0 {
		scores = nil
	}
	if scores, err = m.detectorScores(t.src, scores); err != nil {
		return nil, err
	}
	if m.nb, err = neighbourSamples(t.src, cfg.Neighbours, cfg.Seed); err != nil {
		return nil, err
	}
	if err = m.withNeighbours(t.src, scores, true); err != nil {
		return nil, err
	}
	m.Threshold = stats.Quantile(scores, 1-t.cfg.Contamination)
	return m, nil
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// auxTerms sets the AuxK term's dead latents for the next training step of
// the sparse phase: the dead latents as of now.
func (t *trainer) auxTerms(tm *nn.Terms) {
	if t.dead == nil || !tm.Sparse {
		return // no dead-latent tracking, or the fine-tuning phase
	}
	tm.Dead = nil
	if t.dead.N > 0 {
		tm.Dead = t.dead.Dead
	}
}

// afterStep does the bookkeeping after an optimiser step on a batch of
// rows rows at learning rate lr: the decoder constraint, the dead-latent
// counts, the kind's own (batchtopk's threshold, jumprelu's clamp) and, in
// the sparse phase, the target-L0 controller, which moves the coefficient
// in tm.
func (t *trainer) afterStep(tm *nn.Terms, rows int, lr float64) {
	n := t.net
	n.Constrain()
	if n.Kind().Traits().Code {
		if t.dead == nil {
			t.dead = nn.NewDeadLatents(n.H, t.cfg.deadWindow(t.train.len()))
		}
		t.dead.Observe(t.w.Kept(rows), rows)
	}
	n.AfterStep(&t.w, rows, &t.kst)
	if t.target == nil || !tm.Sparse {
		return
	}
	t.target.observe(float64(n.Active(&t.w, rows))/float64(rows), lr/t.cfg.LR)
	t.setCoef(tm)
}

// setCoef sets the target-L0 controller's coefficient in force into tm.
func (t *trainer) setCoef(tm *nn.Terms) {
	*t.net.Kind().Target(&tm.Params).Coef = t.target.coef()
}

// valRows is the number of the rows held out for validation (ValSplit
// of them, none when separate validation rows are given or none would be
// left for training).
func (c Config) valRows(rows int, separate bool) int {
	if separate || c.ValSplit <= 0 {
		return 0
	}
	n := int(math.Round(c.ValSplit * float64(rows)))
	if rows-n < 1 {
		return 0
	}
	return n
}
