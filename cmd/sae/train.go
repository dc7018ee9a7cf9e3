package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/safefile"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a sparse autoencoder and write a model directory",
		usage:   "--data F --out DIR [flags]",
		examples: []string{
			"sae train --data train.npy --out model --hidden 128",
			"sae train --data fashion/train-images-idx3-ubyte.gz --out fm --hidden 196 --rho 0.05 --beta 3 --epochs 20",
			"sae train --data table.csv --out det --normalize standard --activation relu --sparsity l1 --l1 1e-3 --contamination 0.05",
			"sae train --data small.csv --out m --optimizer lbfgs --epochs 400 --val-split 0",
			"sae train --data images.npy --out denoiser --noise gaussian:0.3 --activation relu --sparsity l1",
			"sae train --data images.npy --out deep --layers 512,128 --activation relu --sparsity l1",
			"sae train --data big.npy --out m --checkpoint-every 1   # killed? then: sae train --data big.npy --out m --checkpoint-every 1 --resume m.checkpoint",
			"sae train --data images.npy --out vae --variational --layers 256,16 --activation relu --loss bce",
			"sae train --data x.npy --labels y.npy --out clf --layers 256,128 --stacked --activation relu --sparsity l1",
			"sae train --data mlp_in.npy --target mlp_out.npy --skip --out tc --sparsity topk --hidden 4096 --k 32   # a transcoder",
			"sae train --data acts.npy --out dict --sparsity topk --hidden 12288 --k 32",
			"sae train --data acts.npy --out dict --sparsity batchtopk --hidden 4096 --k 16 --epochs 5",
			"sae train --data acts.npy --out dict --sparsity jumprelu --hidden 4096 --l0-coef 0.5",
			"sae train --data fashion/train-images-idx3-ubyte.gz --out fm --sparsity jumprelu --hidden 256 --target-l0 20",
			"sae train --data table.csv --out m --sparsity l1 --target-l0 10   # the trainer tunes --l1 (relu codes)",
			"sae train --data x.npy --out m2 --from-model m --seed 2   # m's settings, another seed",
			"sae train --data x.npy --out m --config train.json   # train.json: {\"sparsity\": \"topk\", \"k\": 16}",
		},
		setup:  setupTrain,
		groups: trainGroups,
	})
}

// trainGroups are sae train's flags by concern, as its help lists them.
var trainGroups = []flagGroup{
	{"Data", []string{"data", "key", "column", "columns", "drop", "id-column", "nan", "val", "val-split", "target", "val-target", "labels", "val-labels", "labels-key", "stream"}},
	{"Output", []string{"out", "json", "quiet", "checkpoint-every", "resume"}},
	{"Settings from a file (flags given override them)", []string{"config", "from-model"}},
	{"Model", []string{"hidden", "layers", "activation", "tied", "variational", "stacked", "loss", "normalize", "noise", "contractive", "decoder-norm", "decoder-bias-init", "skip"}},
	{"Sparsity", []string{"sparsity", "k", "groups", "group-weight", "aux-k", "aux-coef", "l1", "l1-weight", "rho", "beta", "l0-coef", "bandwidth", "target-l0", "dead-window", "resample"}},
	{"Training", []string{"optimizer", "lr", "momentum", "batch", "epochs", "finetune-epochs", "supervised-epochs", "keep-pretrained", "warmup", "decay", "patience", "clip", "weight-decay", "trim", "precision", "seed", "threads"}},
	{"Anomaly scores", []string{"contamination", "ensemble", "neighbours"}},
}

// trainArgs are sae train's flags: the model's (cfg, one per Config field:
// fields.go) and the run's.
type trainArgs struct {
	cfg                                                    sae.Config
	data, val, out, key, labels, valLabels, stream, resume string
	target, valTarget                                      string
	config, fromModel                                      string
	quiet                                                  bool
	ckptEvery                                              int
}

func setupTrain(fs *flag.FlagSet, e *env) func(context.Context) error {
	a := &trainArgs{cfg: sae.DefaultConfig()}
	fs.StringVar(&a.data, "data", "", "training data `file` (.npy .npz .csv .tsv .jsonl .idx[.gz] .safetensors .parquet .arrow, a directory of shards; - reads CSV or JSON lines from stdin)")
	fs.StringVar(&a.key, "key", "", "array `name` inside .npz (default X) or .safetensors")
	fs.StringVar(&a.out, "out", "", "model `dir`ectory to write (replaced atomically)")
	fs.StringVar(&a.val, "val", "", "validation data `file` (default: hold out --val-split of --data)")
	fs.StringVar(&a.labels, "labels", "", "class labels `file` of --data: adds a softmax head trained with the encoder (then 'sae predict')")
	fs.StringVar(&a.valLabels, "val-labels", "", "class labels `file` of --val")
	fs.StringVar(&a.target, "target", "", "a transcoder: the target `file`, one row per row of --data, that the code of each row predicts (then 'sae reconstruct' predicts it, 'sae eval --target' measures it)")
	fs.StringVar(&a.valTarget, "val-target", "", "the target `file` of --val (a transcoder)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object with the results on stdout")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress bar")
	fs.IntVar(&a.ckptEvery, "checkpoint-every", 0, "write the training state every `N` epochs to OUT.checkpoint (or the --resume directory), atomically; a killed run continues with --resume")
	fs.StringVar(&a.resume, "resume", "", "continue the run whose checkpoint is in `DIR`, with the same flags and data: the model is exactly the uninterrupted run's")
	fs.StringVar(&a.stream, "stream", "auto", "read the training data from disk a batch at a time instead of loading it: `auto` (for .npy and IDX files over 64 MiB as float32), on or off")
	settingsFlags(fs, &a.config, &a.fromModel)
	bindConfig(fs, &a.cfg)
	return func(ctx context.Context) error {
		if err := a.settings(fs, e); err != nil {
			return err
		}
		if err := a.check(fs); err != nil {
			return err
		}
		x, names, closeData, err := e.openData(a.data, a.key, a.stream, nil)
		if err != nil {
			return err
		}
		defer closeData()
		rows, cols := x.Dims()
		if err := checkSpace(a.out, a.cfg, rows, cols, a.ckptEvery > 0); err != nil {
			return err
		}
		opt, err := a.options(e, x)
		if err != nil {
			return err
		}
		if a.target != "" {
			y, closeY, err := openFile(a.target, a.key, a.stream)
			if err != nil {
				return err
			}
			defer closeY()
			if rows, _ := x.Dims(); rowsOf(y) != rows {
				return fmt.Errorf("%s: %d rows for the %d rows of %s; a target has one row per row of --data", a.target, rowsOf(y), rows, a.data)
			}
			opt.Target = y
		}
		finish := a.progress(e, &opt)
		m, err := sae.Train(ctx, x, a.cfg, opt)
		finish()
		if err != nil {
			return a.trainError(err, opt)
		}
		m.Columns, m.Fill = names, e.table.medians
		if err := m.Save(a.out); err != nil {
			return err
		}
		if opt.CheckpointDir != "" {
			// The model supersedes the checkpoints.
			os.Remove(filepath.Join(opt.CheckpointDir, sae.StateFile))
			os.Remove(opt.CheckpointDir) // only if nothing else is in it
		}
		return a.report(e, m)
	}
}

// check refuses what the command line cannot run, before any data is read.
func (a *trainArgs) check(fs *flag.FlagSet) error {
	if err := checkOut(a.out); err != nil {
		return err
	}
	// What a killed earlier run may have left beside the model.
	if err := safefile.RemoveStale(a.out); err != nil {
		return fmt.Errorf("%s: %v", a.out, err)
	}
	// Saving replaces the directory: only an earlier model may be there.
	if err := replaceableDir(a.out, sae.ConfigFile, sae.WeightsFile, sae.DetectorDir); err != nil {
		return err
	}
	if err := writableDir(a.out); err != nil {
		return err
	}
	cfg := a.cfg
	if a.target != "" {
		cfg.Out = 1 // a transcoder, of a width the target will give
	}
	if err := checkConfig(fs, cfg); err != nil {
		return err
	}
	if a.stream != "auto" && a.stream != "on" && a.stream != "off" {
		return usagef("--stream %q: want auto, on or off", a.stream)
	}
	if a.ckptEvery < 0 {
		return usagef("--checkpoint-every %d: want a positive number of epochs", a.ckptEvery)
	}
	if a.val != "" && flagSet(fs, "val-split") {
		return usagef("--val-split applies without --val: --val gives the validation rows")
	}
	if a.valLabels != "" && a.val == "" {
		return usagef("--val-labels applies with --val")
	}
	if a.valTarget != "" && (a.target == "" || a.val == "") {
		return usagef("--val-target needs --target and --val")
	}
	if a.target != "" && a.labels != "" {
		return usagef("--target and --labels: a transcoder has no classifier head")
	}
	return nil
}

// options reads the validation rows and the labels and sets the
// checkpoints.
func (a *trainArgs) options(e *env, x sae.Source) (sae.TrainOptions, error) {
	rows, cols := x.Dims()
	opt := sae.TrainOptions{CheckpointEvery: a.ckptEvery}
	if a.ckptEvery > 0 {
		opt.CheckpointDir = filepath.Clean(a.out) + ".checkpoint"
	}
	if a.resume != "" {
		opt.CheckpointDir, opt.Resume = a.resume, true
	}
	var err error
	if a.labels != "" {
		if opt.Labels, err = data.LoadLabelsKey(a.labels, e.labelsKey); err != nil {
			return opt, err
		}
		if len(opt.Labels) != rows {
			return opt, fmt.Errorf("%s: %d labels for %d rows of %s", a.labels, len(opt.Labels), rows, a.data)
		}
	}
	if a.val == "" {
		return opt, nil
	}
	vt, err := e.loadData(a.val, a.key, nil)
	if err != nil {
		return opt, err
	}
	v := *vt.Matrix
	if v.Cols != cols {
		return opt, fmt.Errorf("%s: rows have %d values, the training data %d", a.val, v.Cols, cols)
	}
	opt.Val = v
	if a.target != "" {
		if a.valTarget == "" {
			return opt, usagef("--val with --target needs --val-target")
		}
		if opt.ValTarget, err = loadMatrix(a.valTarget, a.key); err != nil {
			return opt, err
		}
		if opt.ValTarget.Rows != v.Rows {
			return opt, fmt.Errorf("%s: %d rows for the %d rows of %s", a.valTarget, opt.ValTarget.Rows, v.Rows, a.val)
		}
	}
	if a.labels != "" {
		if a.valLabels == "" {
			return opt, usagef("--val with --labels needs --val-labels")
		}
		if opt.ValLabels, err = data.LoadLabelsKey(a.valLabels, e.labelsKey); err != nil {
			return opt, err
		}
		if len(opt.ValLabels) != v.Rows {
			return opt, fmt.Errorf("%s: %d labels for %d rows of %s", a.valLabels, len(opt.ValLabels), v.Rows, a.val)
		}
	}
	return opt, nil
}

// progress draws training's progress on a terminal; finish ends the line.
// When training is over, the memory of the optimiser's state goes back to
// the system before the final passes over the data (peak and resident
// memory are then the model's, not training's).
func (a *trainArgs) progress(e *env, opt *sae.TrainOptions) (finish func()) {
	var bar *progressLine
	finish = func() {
		if bar != nil {
			bar.Finish()
		}
	}
	draw := e.interactive && !a.quiet
	lastVal := math.NaN()
	opt.Progress = func(p sae.Progress) {
		if p.Phase == sae.PhaseFinal {
			debug.FreeOSMemory()
		}
		if !draw {
			return
		}
		if bar == nil {
			bar = newProgressLine(e.stderr, p.Steps)
		}
		if p.Phase == sae.PhaseFinal {
			bar.Show("final passes over the data: objective, metrics, threshold", p.Step)
			return
		}
		desc := fmt.Sprintf("%s epoch %d/%d loss %.4g", p.Phase, p.Epoch, p.Epochs, p.Loss)
		if p.Bound {
			// The plateau schedule: the epochs are a bound, and the
			// rate drops tenfold on each plateau until it converges.
			desc = fmt.Sprintf("%s epoch %d (at most %d, lr/%d) loss %.4g", p.Phase, p.Epoch, p.Epochs, int(math.Pow(10, float64(p.Drops))), p.Loss)
		}
		if !math.IsNaN(p.ValLoss) {
			lastVal = p.ValLoss
		}
		if !math.IsNaN(lastVal) {
			desc += fmt.Sprintf(" val %.4g", lastVal)
		}
		if p.RunningL0 > 0 {
			desc += fmt.Sprintf(" l0 %.1f", p.RunningL0)
		}
		bar.Update(desc, p.Step)
	}
	return finish
}

// trainError says where the last good state is when training diverged.
func (a *trainArgs) trainError(err error, opt sae.TrainOptions) error {
	if errors.Is(err, context.Canceled) {
		if _, e := os.Stat(filepath.Join(opt.CheckpointDir, sae.StateFile)); opt.CheckpointDir != "" && e == nil {
			return fmt.Errorf("nothing was written to %s; the same command with --resume %s continues from the last checkpoint: %w", a.out, opt.CheckpointDir, err)
		}
		return fmt.Errorf("nothing was written to %s; with --checkpoint-every N a rerun with --resume continues where a run stopped: %w", a.out, err)
	}
	if !errors.Is(err, sae.ErrDiverged) {
		return err
	}
	if _, e := os.Stat(filepath.Join(opt.CheckpointDir, sae.StateFile)); opt.CheckpointDir != "" && e == nil {
		return fmt.Errorf("%v (nothing was written to %s; the last good checkpoint is in %s)", err, a.out, opt.CheckpointDir)
	}
	return fmt.Errorf("%v (nothing was written to %s)", err, a.out)
}

// report prints the run's results: eval's keys on the validation rows (the
// training rows without any).
func (a *trainArgs) report(e *env, m *sae.Model) error {
	h := m.History
	target, hasTarget := targetOf(m.Config)
	if tl := m.Config.TargetL0; tl > 0 && math.Abs(h.RunningL0-tl) > 0.1*tl {
		fmt.Fprintf(e.stderr, "sae: warning: the running l0 of the training batches ended at %.2f, %.0f%% from --target-l0 %g: the controller needs a few thousand steps (raise --epochs or lower --batch)\n", h.RunningL0, 100*math.Abs(h.RunningL0-tl)/tl, tl)
	}
	evalOn := "val"
	var mt sae.Metrics
	if h.Val != nil {
		mt = *h.Val
	} else {
		mt, evalOn = *h.All, "train" // without validation, all rows are training rows
	}
	rhoOff := warnQuality(e, m, mt, evalOn)
	if g := h.DenoiseGain; g != nil && *g < 0 {
		fmt.Fprintf(e.stderr, "sae: warning: the denoiser makes its validation rows corrupted with --noise %s worse, not cleaner (PSNR %.2f dB): train longer, or give it more latents (--hidden)\n", m.Config.Noise, *g)
	}
	if e.json {
		o := metricsMap(mt)
		o["epochs"] = h.Epochs
		o["train_seconds"] = h.Seconds
		o["samples_per_second"] = h.SamplesPerSecond
		o["final_loss"] = h.FinalLoss
		o["stopped_early"] = h.StoppedEarly
		o["stop_reason"] = stopReason(h)
		o["hidden"] = m.Hidden()
		o["threshold"] = m.Threshold
		o["eval_on"] = evalOn
		o["model"] = a.out
		o["peak_rss_mib"] = peakRSSMiB()
		if m.Classes() > 0 {
			o["accuracy"], o["val_accuracy"] = h.Accuracy, h.ValAccuracy
			if h.SupervisedStart != "" {
				o["supervised_start"], o["start_val_loss"] = h.SupervisedStart, h.StartValLoss
			}
		}
		if m.Config.TargetL0 > 0 && hasTarget {
			// The coefficient the controller ended with, and the
			// running L0 of the training batches it steered.
			o["penalty_coef"] = fieldValue(m.Config, target)
			o["running_l0"] = h.RunningL0
		}
		if !math.IsNaN(rhoOff) {
			o["rho_off"] = rhoOff
		}
		if g := h.DenoiseGain; g != nil {
			o["denoise_gain_db"] = *g
		}
		if k := nn.Lookup(string(m.Config.Sparsity)); k != nil && k.Traits().Code {
			// Latents that did not fire in the last --dead-window training samples.
			o["dead_fraction_train"] = h.DeadFraction
		}
		return printJSON(e.stdout, o)
	}
	fmt.Fprintf(e.stdout, "trained %s on %d rows in %.1fs (%d epochs, %.0f samples/s); %s\n", m, h.TrainRows, h.Seconds, h.Epochs, h.SamplesPerSecond, stopSummary(h))
	fmt.Fprintf(e.stdout, "final loss %.5g; on %s data: mse %.5g  fvu %s  l0 %.2f  mean activation %.4f  dead %.1f%%\n", h.FinalLoss, evalOn, mt.MSE, fvuText(mt.FVU), mt.L0, mt.MeanActivation, 100*mt.DeadFraction)
	if m.Config.TargetL0 > 0 && hasTarget {
		fmt.Fprintf(e.stdout, "target l0 %g: running l0 of the training batches %.2f, final %s %.4g\n", m.Config.TargetL0, h.RunningL0, flagOf(target), fieldValue(m.Config, target))
	}
	if sc := m.Scorers(); len(sc) > 0 {
		fmt.Fprintf(e.stdout, "anomaly scores: %s; threshold %.5g\n", detectorSummary(m, sc), m.Threshold)
	}
	if m.Classes() > 0 {
		fmt.Fprintf(e.stdout, "classifier: accuracy %.4f on the training rows, %.4f on the validation rows%s\n", h.Accuracy, h.ValAccuracy, startSummary(h))
	}
	if g := h.DenoiseGain; g != nil {
		fmt.Fprintf(e.stdout, "denoiser: PSNR gain %+.2f dB on the validation rows corrupted with --noise %s\n", *g, m.Config.Noise)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", a.out)
	return nil
}

// warnQuality warns on stderr about a model whose results a user should
// not take at face value: one measured on rows that do not vary, one that
// reconstructs worse than each column's mean (fvu above 1), or a KL model
// whose mean activation misses --rho by more than 20%. It returns that
// miss as a fraction (NaN: not a KL model).
func warnQuality(e *env, m *sae.Model, mt sae.Metrics, on string) float64 {
	if math.IsNaN(mt.FVU) && mt.N > 0 {
		fmt.Fprintf(e.stderr, "sae: warning: the %s data do not vary (each column holds one value): there is nothing to reconstruct, and fvu is undefined\n", on)
	}
	if mt.FVU > 1 {
		advice := "train longer, or with a lower --lr"
		if m.Classes() > 0 {
			advice = "its classifier is what it is for"
		}
		what := "its scores or reconstructions"
		if scoredBeside(m) {
			what = "its reconstructions (its scores come from the autoencoders beside it)"
		}
		fmt.Fprintf(e.stderr, "sae: warning: the model reconstructs the %s data worse than predicting each column's mean (fvu %.3f)%s: do not use %s; %s\n", on, mt.FVU, poorFitWhy(m), what, advice)
	}
	c := m.Config
	// With --target-l0, rho is the controller's knob, not a target: the
	// l0's own warning speaks for the run.
	if c.Sparsity != sae.SparsityKL || c.Activation == sae.Tanh || c.Beta == 0 || m.Classes() > 0 || c.TargetL0 > 0 {
		return math.NaN()
	}
	off, missed := rhoMissed(mt.MeanActivation, c.Rho)
	if missed {
		fmt.Fprintf(e.stderr, "sae: warning: the mean activation on the %s data is %.3g, %+.0f%% from --rho %g: the KL penalty (--beta %g) lost to reconstruction; raise --beta to come closer\n", on, mt.MeanActivation, 100*off, c.Rho, c.Beta)
	}
	return off
}

// startSummary says which start a stacked classifier kept, and the two
// starts' validation cross-entropy ("" when only one was trained).
func startSummary(h *sae.History) string {
	if h.SupervisedStart == "" || len(h.StartValLoss) != 2 {
		return ""
	}
	kept, other := "the pre-trained network", "from random initialisation"
	keptVal, otherVal := h.StartValLoss[0], h.StartValLoss[1]
	if h.SupervisedStart == "scratch" {
		kept, other = "the network from random initialisation", "pre-trained"
		keptVal, otherVal = otherVal, keptVal
	}
	return fmt.Sprintf("; kept %s (validation cross-entropy %.4g; %s %.4g; --keep-pretrained keeps the pre-trained one)", kept, keptVal, other, otherVal)
}

// rhoMissed is a KL model's mean activation's relative distance from its
// target rho, and whether that is a miss: more than 20% either way.
func rhoMissed(mean, rho float64) (off float64, missed bool) {
	off = mean/rho - 1
	return off, math.Abs(off) > 0.2
}

// stopReason is why the run's last phase ended ("" for a run of no phase).
func stopReason(h *sae.History) sae.StopReason {
	if len(h.Stops) == 0 {
		return ""
	}
	return h.Stops[len(h.Stops)-1].Reason
}

// stopSummary says why each phase of the run ended, e.g. "sparse phase
// converged after 31 epochs".
func stopSummary(h *sae.History) string {
	var parts []string
	for _, s := range h.Stops {
		why := map[sae.StopReason]string{
			sae.StopConverged: "converged after %d epochs",
			sae.StopBudget:    "ran out of its %d epochs while still improving (" + longerBound(s.Phase) + ")",
			sae.StopEarly:     "stopped early after %d epochs (no better validation loss for --patience epochs)",
			sae.StopEpochs:    "ran its %d epochs (--epochs)",
		}[s.Reason]
		parts = append(parts, string(s.Phase)+" phase "+fmt.Sprintf(why, s.Epochs))
	}
	if len(parts) == 0 {
		return "no training phase ran"
	}
	return strings.Join(parts, ", ")
}

// longerBound says how to give a phase that ran out of its plateau
// schedule's budget a longer one: the flag that bounds it (for the sparse
// phase with --decay plateau, since --epochs alone asks for the cosine
// schedule).
func longerBound(p sae.Phase) string {
	switch p {
	case sae.PhaseFinetune:
		return "raise --finetune-epochs"
	case sae.PhaseSupervised, sae.PhaseScratch:
		return "raise --supervised-epochs"
	}
	return "for a longer bound: --epochs N --decay plateau"
}

// targetOf is the Config field the sparsity kind's TargetL0 tunes.
func targetOf(c sae.Config) (string, bool) {
	k := nn.Lookup(string(c.Sparsity))
	if k == nil {
		return "", false
	}
	t := k.Target(&nn.Params{})
	return t.Field, t.Field != ""
}

// detectorSummary says in words what sae score will measure: which models'
// reconstruction errors make up a row's score, and whether its distance to
// the training rows does.
func detectorSummary(m *sae.Model, scorers []*sae.Model) string {
	s := reconSummary(m, scorers)
	if m.NeighbourRows() > 0 {
		s += ", weighed equally with the row's distance to its nearest training rows (--neighbours)"
	}
	return s
}

// scoreAxis names what a model's anomaly scores measure, for a plot's axis.
func scoreAxis(m *sae.Model) string {
	if m.NeighbourRows() > 0 {
		return "anomaly score (reconstruction error and distance to the training rows; 1: a typical training row)"
	}
	return "reconstruction error (mean squared, scaled units)"
}

// scorePasses is the number of passes Model.Score makes over the rows:
// one for each scorer, one for the neighbour distance.
func scorePasses(m *sae.Model) int {
	n := len(m.Scorers())
	if m.NeighbourRows() > 0 {
		n++
	}
	return n
}

// reconSummary says which models' reconstruction errors make up a row's
// score.
func reconSummary(m *sae.Model, scorers []*sae.Model) string {
	if scorers[0] == m {
		switch len(scorers) {
		case 1:
			return "this model's reconstruction error"
		case 2:
			return "the geometric mean of the reconstruction errors of this model and one more like it (--ensemble)"
		}
		return fmt.Sprintf("the geometric mean of the reconstruction errors of this model and %d more like it (--ensemble)", len(scorers)-1)
	}
	c, what := scorers[0].Config, "the dictionary"
	switch {
	case m.Classes() > 0:
		what = "the classifier"
	case m.Config.Noise != "":
		what = "the denoiser"
	}
	if len(scorers) == 1 {
		return fmt.Sprintf("the reconstruction error of a dense %s/%s autoencoder trained beside %s (--ensemble)", c.Activation, c.Sparsity, what)
	}
	return fmt.Sprintf("the geometric mean of the reconstruction errors of %d dense %s/%s autoencoders trained beside %s (--ensemble)", len(scorers), c.Activation, c.Sparsity, what)
}

// rowsOf is the number of rows of src.
func rowsOf(src sae.Source) int {
	n, _ := src.Dims()
	return n
}

// fvuText is an fvu for a line of text: n/a where the rows do not vary
// (the fraction's denominator is zero).
func fvuText(v float64) string {
	if math.IsNaN(v) {
		return "n/a (the rows do not vary)"
	}
	return fmt.Sprintf("%.4f", v)
}
