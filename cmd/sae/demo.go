package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/report"
	"github.com/sae-go/sae/internal/safefile"
	"github.com/sae-go/sae/internal/stats"
	"github.com/sae-go/sae/internal/synth"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "the whole pipeline on built-in data, with a report",
		usage:   "[--out DIR] [--epochs N] [--seed N]",
		examples: []string{
			"sae demo",
			"sae demo --out /tmp/demo --epochs 10",
		},
		setup: setupDemo,
	})
}

// demoResult is metrics.json of the demo.
type demoResult struct {
	Data struct {
		Side, Strokes, Train, Test, Anomalies int
	} `json:"data"`
	Config       sae.Config  `json:"config"`
	Epochs       int         `json:"epochs"`
	TrainSeconds float64     `json:"train_seconds"`
	SamplesPerS  float64     `json:"samples_per_second"`
	FinalLoss    float64     `json:"final_loss"`
	Test         sae.Metrics `json:"test"`
	AUROC        float64     `json:"anomaly_auroc"`
	AUPRC        float64     `json:"anomaly_auprc"`
	Threshold    float64     `json:"threshold"`
	Flagged      int         `json:"n_flagged"`
	TruePos      int         `json:"true_positives"`
}

func setupDemo(fs *flag.FlagSet, e *env) func(context.Context) error {
	out := "sae-demo"
	epochs := 60
	var seed uint64 = 1
	fs.StringVar(&out, "out", out, "report `dir`ectory to write (replaced atomically)")
	fs.IntVar(&epochs, "epochs", epochs, "training `epochs`")
	fs.Uint64Var(&seed, "seed", seed, "random `seed` of data and training")
	fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
	return func(ctx context.Context) error {
		if epochs < 1 {
			return usagef("--epochs must be >= 1")
		}
		if err := replaceableDir(out, demoFiles...); err != nil {
			return err
		}
		start := time.Now()
		say := func(format string, a ...any) {
			if !e.json {
				fmt.Fprintf(e.stdout, format+"\n", a...)
			}
		}
		// Built-in data: 16x16 images, each 2-4 strokes from a dictionary of
		// 48; a test split with 5% anomalies (blobs, speckle).
		const side, nStrokes, nTrain, nTest, nAnom = 16, 48, 12000, 1900, 100
		d := side * side
		rng := rand.New(rand.NewPCG(seed, 99))
		strokes := synth.NewStrokes(nStrokes, side, rng)
		trainX, _ := strokes.Images(nTrain, 2, 4, rng)
		testX, _ := strokes.Images(nTest, 2, 4, rng)
		testX = append(testX, strokes.Anomalies(nAnom, rng)...)
		isAnom := make([]bool, nTest+nAnom)
		for i := nTest; i < len(isAnom); i++ {
			isAnom[i] = true
		}
		train := sae.Matrix{Rows: nTrain, Cols: d, Data: trainX}
		test := sae.Matrix{Rows: nTest + nAnom, Cols: d, Data: testX}
		say("data: %d training images of %dx%d pixels, each 2-4 strokes from a dictionary of %d; %d test images, %d of them anomalies", nTrain, side, side, nStrokes, nTest+nAnom, nAnom)

		cfg := sae.DefaultConfig()
		cfg.Hidden = 64
		cfg.Activation = sae.Sigmoid
		cfg.Sparsity = sae.SparsityKL
		cfg.Rho, cfg.Beta = 0.05, 3
		cfg.LR = 0.01
		cfg.Batch = 128
		cfg.Epochs = epochs
		cfg.Seed = seed
		// The training images are all normal: the threshold is their
		// 99.8th percentile, below the anomalies' gap (at 0.05 it flagged
		// 5% of the normal test images, 135 beside the 100 anomalies).
		cfg.Contamination = 0.002
		say("training: %d -> %d sigmoid latents, KL sparsity rho %.2g beta %g, adam lr %g, %d epochs", d, cfg.Hidden, cfg.Rho, cfg.Beta, cfg.LR, epochs)
		var opt sae.TrainOptions
		lastEpoch, lastPhase := 0, sae.PhaseSparse
		if !e.json {
			opt.Progress = func(p sae.Progress) {
				if p.Phase != lastPhase {
					// The anomaly scores' extra models.
					lastPhase, lastEpoch = p.Phase, 0
					if i, k, ok := p.Phase.Detector(); ok {
						if i == 1 {
							say("anomaly scores: %d more models of these settings (seeds %d-%d); a row's score weighs the geometric mean of the %d models' reconstruction errors with its distance to the nearest training images", k, seed+1, seed+uint64(k), k+1)
						}
						say("model %d of %d:", i+1, k+1)
					}
				}
				if p.EpochCompleted && (p.Epoch == 1 || p.Epoch%5 == 0 || p.Epoch == p.Epochs) && p.Epoch != lastEpoch {
					lastEpoch = p.Epoch
					fmt.Fprintf(e.stdout, "  epoch %2d/%d  loss %.4f  val %.4f\n", p.Epoch, p.Epochs, p.Loss, p.ValLoss)
				}
			}
		}
		m, err := sae.Train(ctx, train, cfg, opt)
		if err != nil {
			return err
		}
		mt, err := m.Eval(test.Slice(0, nTest))
		if err != nil {
			return err
		}
		scores, err := m.Score(test)
		if err != nil {
			return err
		}
		res := newDemoResult(m, mt, scores, isAnom)
		res.Data.Side, res.Data.Strokes, res.Data.Train, res.Data.Test, res.Data.Anomalies = side, nStrokes, nTrain, nTest+nAnom, nAnom
		say("test: mse %.4g, fvu %.3f, mean activation %.4f (rho %.2g%s); anomaly detection: auroc %.3f, %d flagged, %d of them true anomalies (of %d)",
			mt.MSE, mt.FVU, mt.MeanActivation, cfg.Rho, rhoMiss(mt.MeanActivation, cfg.Rho), res.AUROC, res.Flagged, res.TruePos, nAnom)

		err = safefile.WriteDir(out, func(dir string) error {
			return writeDemoReport(dir, m, strokes, test, scores, isAnom, &res)
		})
		if err != nil {
			return fmt.Errorf("demo report %s: %w", out, err)
		}
		if e.json {
			return printJSON(e.stdout, map[string]any{
				"out": out, "epochs": res.Epochs, "train_seconds": res.TrainSeconds, "samples_per_second": res.SamplesPerS,
				"final_loss": res.FinalLoss, "mse": mt.MSE, "fvu": mt.FVU, "l0": mt.L0, "mean_activation": mt.MeanActivation,
				"dead_fraction": mt.DeadFraction, "auroc": res.AUROC, "auprc": res.AUPRC, "seconds": time.Since(start).Seconds(),
				"n_flagged": res.Flagged, "true_positives": res.TruePos,
			})
		}
		say("wrote %s/ (README.md, features.png, reconstructions.png, loss.png, scores.png, roc.png, metrics.json, model/) in %.1fs", out, time.Since(start).Seconds())
		return nil
	}
}

// demoFiles are what the demo writes in its directory (an earlier demo's
// may be replaced; nothing else).
var demoFiles = []string{"model", "features.png", "reconstructions.png", "loss.png", "scores.png", "roc.png", "metrics.json", "README.md"}

func writeDemoReport(dir string, m *sae.Model, strokes *synth.Strokes, test sae.Matrix, scores []float64, isAnom []bool, res *demoResult) error {
	side := strokes.Side
	d := side * side
	if err := m.Save(filepath.Join(dir, "model")); err != nil {
		return err
	}
	feats, nf := m.Features()
	if err := report.FeatureGrid(filepath.Join(dir, "features.png"), feats, nf, d, side, side, report.GridOptions{}); err != nil {
		return err
	}
	// Twelve test images (the last two anomalies) above their reconstructions.
	const show = 12
	pick := make([]int, 0, show)
	for i := 0; i < show-2; i++ {
		pick = append(pick, i)
	}
	pick = append(pick, test.Rows-1, test.Rows-2)
	sub := sae.NewMatrix(show, d)
	for i, r := range pick {
		copy(sub.Row(i), test.Row(r))
	}
	rec, err := m.Reconstruct(sub)
	if err != nil {
		return err
	}
	pair := append(append([]float32(nil), sub.Data...), rec.Data...)
	if err := report.ImageGrid(filepath.Join(dir, "reconstructions.png"), pair, 2*show, d, side, side, report.GridOptions{RowLabels: []string{"input", "reconstruction"}, Cols: show}); err != nil {
		return err
	}
	h := m.History
	if err := report.LossCurve(filepath.Join(dir, "loss.png"), h.TrainLoss, h.ValLoss, "training objective per epoch"); err != nil {
		return err
	}
	if err := report.Histogram(filepath.Join(dir, "scores.png"), scores, report.HistOptions{Title: "anomaly scores of the test images", XLabel: scoreAxis(m), LogX: true, Threshold: &m.Threshold}); err != nil {
		return err
	}
	fpr, tpr := stats.ROC(scores, isAnom)
	if err := report.ROCCurve(filepath.Join(dir, "roc.png"), fpr, tpr, res.AUROC); err != nil {
		return err
	}
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := safefile.WriteFileIn(dir, "metrics.json", func(w io.Writer) error { _, err := w.Write(append(js, '\n')); return err }); err != nil {
		return err
	}
	return safefile.WriteFileIn(dir, "README.md", func(w io.Writer) error {
		_, err := io.WriteString(w, demoSummary(m, res))
		return err
	})
}

func demoSummary(m *sae.Model, r *demoResult) string {
	var b strings.Builder
	c := r.Config
	fmt.Fprintf(&b, "# sae demo\n\n")
	fmt.Fprintf(&b, "A sparse autoencoder trained by `sae demo` on images it drew itself: %d training images of %dx%d pixels, each the sum of 2 to 4 pen strokes taken from a dictionary of %d. A good sparse code should find the strokes.\n\n", r.Data.Train, r.Data.Side, r.Data.Side, r.Data.Strokes)
	fmt.Fprintf(&b, "## Model\n\n%s: %d inputs, %d latents, KL sparsity (rho %.3g, beta %g), weight decay %g, Adam (lr %g, batch %d), %d epochs in %.1f s (%.0f samples/s). Final training objective %.4f.\n\n", m, m.Inputs, m.Hidden(), c.Rho, c.Beta, c.WeightDecay, c.LR, c.Batch, r.Epochs, r.TrainSeconds, r.SamplesPerS, r.FinalLoss)
	fmt.Fprintf(&b, "## Results on %d held-out stroke images\n\n| metric | value |\n|---|---|\n", r.Test.N)
	miss := rhoMiss(r.Test.MeanActivation, c.Rho)
	fmt.Fprintf(&b, "| mse (per pixel) | %.5f |\n| fvu | %.4f |\n| mean activation | %.4f (target %.3g%s) |\n| dead latents | %.1f%% |\n\n", r.Test.MSE, r.Test.FVU, r.Test.MeanActivation, c.Rho, miss, 100*r.Test.DeadFraction)
	if miss != "" {
		fmt.Fprintf(&b, "The KL penalty (beta %g) gave way to reconstruction: the latents' mean activation is %.1f times its target. Many features are still single strokes (below); `sae train --sparsity topk` fixes the number of active latents instead.\n\n", c.Beta, r.Test.MeanActivation/c.Rho)
	}
	scorers := "its reconstruction error"
	if n := len(m.Scorers()); n > 1 {
		scorers = fmt.Sprintf("the geometric mean of the reconstruction errors of this model and %d more of its settings trained beside it", n-1)
	}
	if m.NeighbourRows() > 0 {
		scorers += ", weighed equally with the image's distance to its nearest training images"
	}
	fmt.Fprintf(&b, "## Anomaly detection\n\n%d anomalies (filled blobs and speckle) hidden among the %d test images. Scored by %s: ROC AUC %.3f, average precision %.3f. The threshold stored with the model (the %.4gth percentile of the training images' scores) flags %d images, %d of them anomalies.\n\n", r.Data.Anomalies, r.Data.Test, scorers, r.AUROC, r.AUPRC, 100*(1-c.Contamination), r.Flagged, r.TruePos)
	b.WriteString("## Pictures\n\n")
	b.WriteString("Learned features (decoder rows): ![features](features.png)\n\n")
	b.WriteString("Test images and their reconstructions (the last two are anomalies): ![reconstructions](reconstructions.png)\n\n")
	b.WriteString("Training and validation objective: ![loss](loss.png)\n\n")
	b.WriteString("Anomaly scores with the stored threshold: ![scores](scores.png)\n\n![roc](roc.png)\n\n")
	b.WriteString("## Next\n\n```\nsae eval --model model --data your.npy\nsae encode --model model --data your.npy --out codes.npy\nsae score --model model --data your.npy --out scores.csv\n```\n")
	return b.String()
}

// newDemoResult gathers the trained model's figures: its metrics mt on the
// test images and its scores on them (isAnom: the planted anomalies).
func newDemoResult(m *sae.Model, mt sae.Metrics, scores []float64, isAnom []bool) demoResult {
	var res demoResult
	res.Config, res.Epochs = m.Config, m.History.Epochs
	res.TrainSeconds, res.SamplesPerS, res.FinalLoss = m.History.Seconds, m.History.SamplesPerSecond, m.History.FinalLoss
	res.Test = mt
	res.AUROC, res.AUPRC = stats.AUROC(scores, isAnom), stats.AUPRC(scores, isAnom)
	res.Threshold = m.Threshold
	for i, s := range scores {
		if s > m.Threshold {
			res.Flagged++
			if isAnom[i] {
				res.TruePos++
			}
		}
	}
	return res
}

// rhoMiss is ", missed by +X%" when the mean activation misses the KL
// target rho (rhoMissed, the bound sae train warns at), "" otherwise.
func rhoMiss(mean, rho float64) string {
	if off, missed := rhoMissed(mean, rho); missed {
		return fmt.Sprintf(", missed by %+.0f%%", 100*off)
	}
	return ""
}
