package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
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
			"sae train --data acts.npy --out dict --sparsity topk --hidden 12288 --k 32",
			"sae train --data acts.npy --out dict --sparsity batchtopk --hidden 4096 --k 16 --epochs 5",
			"sae train --data acts.npy --out dict --sparsity jumprelu --hidden 4096 --l0-coef 0.5",
			"sae train --data fashion/train-images-idx3-ubyte.gz --out fm --sparsity jumprelu --hidden 256 --target-l0 20",
			"sae train --data table.csv --out m --sparsity l1 --target-l0 10   # the trainer tunes --l1 (relu codes)",
		},
		setup: setupTrain,
	})
}

func setupTrain(fs *flag.FlagSet, e *env) func(context.Context) error {
	cfg := sae.DefaultConfig()
	var dataPath, valPath, out, key string
	var quiet bool
	fs.StringVar(&dataPath, "data", "", "training data `file` (.npy .npz .csv .idx[.gz] .safetensors)")
	fs.StringVar(&key, "key", "", "array `name` inside .npz (default X) or .safetensors")
	fs.StringVar(&out, "out", "", "model `dir`ectory to write (replaced atomically)")
	fs.StringVar(&valPath, "val", "", "validation data `file` (default: hold out --val-split of --data)")
	fs.IntVar(&cfg.Hidden, "hidden", 0, "`N` latents of a one-layer model (default: from the input width d: d/2, within [32, 1024] for d >= 64)")
	fs.Func("layers", "deep model: encoder `widths` down to the code, e.g. 512,128 (the decoder mirrors them)", func(v string) error {
		ws, err := parseInts(v)
		if err != nil {
			return err
		}
		cfg.Layers = ws
		return nil
	})
	fs.Var(textFlag[sae.Activation]{&cfg.Activation}, "activation", "hidden `activation`: relu, sigmoid or tanh")
	fs.Var(textFlag[sae.Sparsity]{&cfg.Sparsity}, "sparsity", "`kind` of sparsity: a penalty (none, l1, kl), a selection of --k latents per row (topk; batchtopk: k per row on average over a batch, a learned threshold at inference), or jumprelu (a learned threshold per latent, L0 penalty --l0-coef)")
	fs.IntVar(&cfg.K, "k", 0, "topk/batchtopk: `N` active latents per row (default min(32, hidden/4))")
	fs.IntVar(&cfg.AuxK, "aux-k", 0, "topk/batchtopk: dead latents (`N` per row) that reconstruct the residual in the AuxK loss (default d/2)")
	fs.Float64Var(&cfg.AuxCoef, "aux-coef", cfg.AuxCoef, "`coef`ficient of the AuxK loss (0: off)")
	fs.Float64Var(&cfg.Resample, "resample", cfg.Resample, "topk/batchtopk: restart dead latents every dead window at the residuals of poorly reconstructed rows, encoder columns at `S` times the live latents' mean norm (0: off)")
	fs.IntVar(&cfg.DeadWindow, "dead-window", 0, "a latent is dead after `N` training samples without firing (default min(10M, training rows))")
	fs.Var(textFlag[sae.DecoderNorm]{&cfg.DecoderNorm}, "decoder-norm", "decoder rows: `unit` norm or free (default unit for topk/batchtopk, free otherwise)")
	fs.Var(textFlag[sae.BiasInit]{&cfg.DecoderBiasInit}, "decoder-bias-init", "decoder bias starts at the geometric `median` of a sample or the mean (default median for topk/batchtopk, mean otherwise)")
	fs.Float64Var(&cfg.L1, "l1", cfg.L1, "`coef`ficient of the L1 penalty on activations")
	fs.StringVar(&cfg.L1Weight, "l1-weight", "", "weigh each latent's L1 term by its decoder row's norm (`decoder`) or not (none) (default decoder for untied models, none for tied)")
	fs.Float64Var(&cfg.L0Coef, "l0-coef", 0, "jumprelu: `coef`ficient of the L0 penalty, the mean active latents per row (default 0.001 * input width)")
	fs.Float64Var(&cfg.Bandwidth, "bandwidth", 0, "jumprelu: bandwidth `eps` of the thresholds' straight-through estimator (default 0.001)")
	fs.Float64Var(&cfg.TargetL0, "target-l0", 0, "tune the penalty during training so that `N` latents per row are active on average: --l1, kl's --rho or --l0-coef, starting from its value; l1 and kl then default to --activation relu (0: off)")
	fs.Float64Var(&cfg.Rho, "rho", cfg.Rho, "KL target mean activation `R`")
	fs.Float64Var(&cfg.Beta, "beta", cfg.Beta, "KL penalty weight `B`")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", cfg.WeightDecay, "`lambda` of lambda/2*||W||^2 on the weights")
	fs.Var(textFlag[sae.Loss]{&cfg.Loss}, "loss", "reconstruction `loss`: mse (linear output) or bce (sigmoid output, data in [0,1])")
	fs.BoolVar(&cfg.Tied, "tied", false, "tie the decoder to the encoder (W_dec = W_enc^T)")
	var labelsPath, valLabelsPath, stream, resumeDir string
	var ckptEvery int
	fs.BoolVar(&cfg.Stacked, "stacked", false, "greedy layer-wise pre-training of a deep model (--layers), then joint fine-tuning (--finetune-epochs, default --epochs)")
	fs.StringVar(&labelsPath, "labels", "", "class labels `file` of --data: adds a softmax head trained with the encoder (then 'sae predict')")
	fs.StringVar(&valLabelsPath, "val-labels", "", "class labels `file` of --val")
	fs.IntVar(&cfg.SupervisedEpochs, "supervised-epochs", 0, "`N` epochs of supervised training with --labels (default 20)")
	fs.BoolVar(&cfg.Variational, "variational", false, "variational autoencoder: Gaussian code (mean, log-variance), KL to N(0, I); implies --sparsity none")
	fs.Float64Var(&cfg.Contractive, "contractive", 0, "contractive penalty `coef`ficient on the encoder Jacobian's squared Frobenius norm")
	fs.StringVar(&cfg.Noise, "noise", "", "denoising: corrupt each batch with gaussian:S, mask:P or saltpepper:P and learn to undo it")
	fs.Var(textFlag[sae.Optimizer]{&cfg.Optimizer}, "optimizer", "`optimizer`: adam, sgd (with momentum) or lbfgs (full batch)")
	fs.Float64Var(&cfg.LR, "lr", 0, "peak learning `rate` (default 1e-3 adam; with topk/batchtopk 3e-3, times sqrt(1024/hidden) above 1024 latents; 0.1 sgd)")
	fs.Float64Var(&cfg.Momentum, "momentum", cfg.Momentum, "sgd `momentum`")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "mini-batch `size`")
	fs.IntVar(&cfg.Epochs, "epochs", 0, "`N` epochs of sparse training (default: about 3000 steps, within [20, 200]; lbfgs: iterations, default 400; -1: none, e.g. a classifier from random initialisation with --labels)")
	fs.IntVar(&cfg.FinetuneEpochs, "finetune-epochs", 0, "`N` reconstruction-only epochs after sparse training")
	fs.Float64Var(&cfg.Warmup, "warmup", cfg.Warmup, "`fraction` of steps for linear learning-rate warm-up")
	fs.StringVar(&cfg.Decay, "decay", cfg.Decay, "learning-rate `schedule` after warm-up: cosine, linear or none")
	fs.Float64Var(&cfg.ClipNorm, "clip", 0, "clip the gradient to this global L2 `norm` (0: off)")
	fs.Float64Var(&cfg.ValSplit, "val-split", cfg.ValSplit, "`fraction` of --data held out for validation and early stopping")
	fs.IntVar(&cfg.Patience, "patience", cfg.Patience, "stop after `N` epochs without better validation loss, counted from the last epoch that resampled dead latents (0: off)")
	fs.Var(textFlag[sae.Normalize]{&cfg.Normalize}, "normalize", "input `scaling` fitted on the training data: auto (none for pixel-like data in [0,1] with >= 64 columns, robust otherwise), none, standard, minmax or robust (median/IQR)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random `seed`: the same seed and --threads give the same model")
	fs.IntVar(&cfg.Threads, "threads", 0, "`N` cores to use (default: all)")
	fs.Float64Var(&cfg.Contamination, "contamination", cfg.Contamination, "expected anomaly `fraction` in the training data; sets the stored score threshold")
	fs.Float64Var(&cfg.Trim, "trim", cfg.Trim, "leave the `fraction` of each batch's worst-reconstructed rows out of the loss (robust to anomalies in the training data; 0: off)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object with the results on stdout")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	fs.IntVar(&ckptEvery, "checkpoint-every", 0, "write the training state every `N` epochs to OUT.checkpoint (or the --resume directory), atomically; a killed run continues with --resume")
	fs.StringVar(&resumeDir, "resume", "", "continue the run whose checkpoint is in `DIR`, with the same flags and data: the model is exactly the uninterrupted run's")
	fs.StringVar(&stream, "stream", "auto", "read the training data from disk a batch at a time instead of loading it: `auto` (for .npy and IDX files over 64 MiB as float32), on or off")
	return func(ctx context.Context) error {
		if err := checkOut(out); err != nil {
			return err
		}
		// What a killed earlier run may have left beside the model.
		if err := safefile.RemoveStale(out); err != nil {
			return fmt.Errorf("%s: %v", out, err)
		}
		// Saving replaces the directory: only an earlier model may be there.
		if err := replaceableDir(out, sae.ConfigFile, sae.WeightsFile); err != nil {
			return err
		}
		if cfg.Variational && !flagSet(fs, "sparsity") {
			cfg.Sparsity = sae.SparsityNone
		}
		if cfg.TargetL0 > 0 && !flagSet(fs, "activation") {
			cfg.Activation = sae.ReLU // l0 counts exact zeros: only relu codes have them
		}
		if cfg.Sparsity == sae.SparsityTopK || cfg.Sparsity == sae.SparsityBatchTopK || cfg.Sparsity == sae.SparsityJumpReLU {
			// A selection code is relu'd and trains on every row.
			if flagSet(fs, "activation") && cfg.Activation != sae.ReLU {
				return usagef("--activation %s: --sparsity %s always uses relu", cfg.Activation, cfg.Sparsity)
			}
			if flagSet(fs, "trim") && cfg.Trim != 0 {
				return usagef("--trim: --sparsity %s trains on every row", cfg.Sparsity)
			}
			if flagSet(fs, "weight-decay") && cfg.WeightDecay != 0 {
				return usagef("--weight-decay: --sparsity %s uses none (its decoder rows are unit-norm)", cfg.Sparsity)
			}
		}
		if cfg.Sparsity != sae.SparsityTopK && cfg.Sparsity != sae.SparsityBatchTopK {
			for _, f := range []string{"k", "aux-k", "aux-coef"} {
				if flagSet(fs, f) {
					return usagef("--%s applies to --sparsity topk or batchtopk", f)
				}
			}
			if flagSet(fs, "dead-window") && cfg.Sparsity != sae.SparsityJumpReLU {
				return usagef("--dead-window applies to --sparsity topk, batchtopk or jumprelu")
			}
		}
		if cfg.Sparsity != sae.SparsityJumpReLU {
			for _, f := range []string{"l0-coef", "bandwidth"} {
				if flagSet(fs, f) {
					return usagef("--%s applies to --sparsity jumprelu", f)
				}
			}
		}
		if flagSet(fs, "l1-weight") && cfg.Sparsity != sae.SparsityL1 {
			return usagef("--l1-weight applies to --sparsity l1")
		}
		if err := cfg.Validate(); err != nil {
			return usageError{err.Error()}
		}
		if stream != "auto" && stream != "on" && stream != "off" {
			return usagef("--stream %q: want auto, on or off", stream)
		}
		x, closeData, err := openSource(dataPath, key, stream)
		if err != nil {
			return err
		}
		defer closeData()
		rows, cols := x.Dims()
		var opt sae.TrainOptions
		if ckptEvery < 0 {
			return usagef("--checkpoint-every %d: want a positive number of epochs", ckptEvery)
		}
		opt.CheckpointEvery = ckptEvery
		if ckptEvery > 0 {
			opt.CheckpointDir = filepath.Clean(out) + ".checkpoint"
		}
		if resumeDir != "" {
			opt.CheckpointDir, opt.Resume = resumeDir, true
		}
		if labelsPath != "" {
			if opt.Labels, err = data.LoadLabels(labelsPath); err != nil {
				return err
			}
			if len(opt.Labels) != rows {
				return fmt.Errorf("%s: %d labels for %d rows of %s", labelsPath, len(opt.Labels), rows, dataPath)
			}
		}
		if valPath != "" {
			v, err := loadMatrix(valPath, key)
			if err != nil {
				return err
			}
			if v.Cols != cols {
				return fmt.Errorf("%s: rows have %d values, the training data %d", valPath, v.Cols, cols)
			}
			opt.Val = v
			if labelsPath != "" {
				if valLabelsPath == "" {
					return usagef("--val with --labels needs --val-labels")
				}
				if opt.ValLabels, err = data.LoadLabels(valLabelsPath); err != nil {
					return err
				}
				if len(opt.ValLabels) != v.Rows {
					return fmt.Errorf("%s: %d labels for %d rows of %s", valLabelsPath, len(opt.ValLabels), v.Rows, valPath)
				}
			}
		}
		var bar *progressLine
		lastVal := math.NaN()
		if e.interactive && !quiet {
			opt.Progress = func(p sae.Progress) {
				if bar == nil {
					bar = newProgressLine(e.stderr, p.Steps)
				}
				if p.Phase == sae.PhaseFinal {
					bar.Show("final passes over the data: objective, metrics, threshold", p.Step)
					return
				}
				desc := fmt.Sprintf("%s epoch %d/%d loss %.4g", p.Phase, p.Epoch, p.Epochs, p.Loss)
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
		}
		m, err := sae.TrainSource(ctx, x, cfg, opt)
		if bar != nil {
			bar.Finish()
		}
		if err != nil {
			if errors.Is(err, sae.ErrDiverged) {
				if _, e := os.Stat(filepath.Join(opt.CheckpointDir, sae.StateFile)); opt.CheckpointDir != "" && e == nil {
					return fmt.Errorf("%v (nothing was written to %s; the last good checkpoint is in %s)", err, out, opt.CheckpointDir)
				}
				return fmt.Errorf("%v (nothing was written to %s)", err, out)
			}
			return err
		}
		if err := m.Save(out); err != nil {
			return err
		}
		if opt.CheckpointDir != "" {
			// The model supersedes the checkpoints.
			os.Remove(filepath.Join(opt.CheckpointDir, sae.StateFile))
			os.Remove(opt.CheckpointDir) // only if nothing else is in it
		}
		// Eval keys on the validation data (the training data without any).
		h := m.History
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
		if e.json {
			o := metricsMap(mt)
			o["epochs"] = h.Epochs
			o["train_seconds"] = h.Seconds
			o["samples_per_second"] = h.SamplesPerSecond
			o["final_loss"] = h.FinalLoss
			o["stopped_early"] = h.StoppedEarly
			o["hidden"] = m.Hidden()
			o["threshold"] = m.Threshold
			o["eval_on"] = evalOn
			o["model"] = out
			o["peak_rss_mib"] = peakRSSMiB()
			if m.Classes() > 0 {
				o["accuracy"], o["val_accuracy"] = h.Accuracy, h.ValAccuracy
			}
			if m.Config.TargetL0 > 0 {
				// The coefficient the controller ended with, and the
				// running L0 of the training batches it steered.
				o["penalty_coef"] = penaltyCoef(m.Config)
				o["running_l0"] = h.RunningL0
			}
			if s := m.Config.Sparsity; s == sae.SparsityTopK || s == sae.SparsityBatchTopK || s == sae.SparsityJumpReLU {
				// Latents that did not fire in the last --dead-window training samples.
				o["dead_fraction_train"] = h.DeadFraction
			}
			return printJSON(e.stdout, o)
		}
		fmt.Fprintf(e.stdout, "trained %s on %d rows in %.1fs (%d epochs%s, %.0f samples/s)\n", m, h.TrainRows, h.Seconds, h.Epochs, map[bool]string{true: ", stopped early", false: ""}[h.StoppedEarly], h.SamplesPerSecond)
		fmt.Fprintf(e.stdout, "final loss %.5g; on %s data: mse %.5g  fvu %.4f  l0 %.2f  mean activation %.4f  dead %.1f%%\n", h.FinalLoss, evalOn, mt.MSE, mt.FVU, mt.L0, mt.MeanActivation, 100*mt.DeadFraction)
		if m.Config.TargetL0 > 0 {
			fmt.Fprintf(e.stdout, "target l0 %g: running l0 of the training batches %.2f, final --%s %.4g\n", m.Config.TargetL0, h.RunningL0, penaltyFlag(m.Config), penaltyCoef(m.Config))
		}
		if m.Classes() > 0 {
			fmt.Fprintf(e.stdout, "classifier: accuracy %.4f on the training rows, %.4f on the validation rows\n", h.Accuracy, h.ValAccuracy)
		}
		fmt.Fprintf(e.stdout, "wrote %s\n", out)
		return nil
	}
}

// penaltyFlag names the flag of the coefficient --target-l0 tunes.
func penaltyFlag(c sae.Config) string {
	switch c.Sparsity {
	case sae.SparsityKL:
		return "rho"
	case sae.SparsityJumpReLU:
		return "l0-coef"
	}
	return "l1"
}

// penaltyCoef is the value of that coefficient.
func penaltyCoef(c sae.Config) float64 {
	switch c.Sparsity {
	case sae.SparsityKL:
		return c.Rho
	case sae.SparsityJumpReLU:
		return c.L0Coef
	}
	return c.L1
}
