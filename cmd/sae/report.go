package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/report"
	"github.com/sae-go/sae/internal/saebench"
	"github.com/sae-go/sae/internal/stats"
)

func init() {
	register(&command{
		name:    "report",
		summary: "one HTML page with every plot of a model",
		usage:   "--model DIR --out F.html [--data F [--labels F]] [--image-shape HxW]",
		examples: []string{
			"sae report --model fm --out fm.html --image-shape 28x28",
			"sae report --model fm --data $FM/t10k-images-idx3-ubyte.gz --out fm.html",
			"sae report --model det --data test.csv --labels test-labels.csv --out det.html",
		},
		setup: setupReport,
	})
}

func setupReport(fs *flag.FlagSet, e *env) func(context.Context) error {
	var modelDir, dataPath, key, labelsPath, out, shape string
	fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
	fs.StringVar(&out, "out", "", "HTML `file` to write (one self-contained page)")
	fs.StringVar(&dataPath, "data", "", "data `file` for the data-dependent plots (latent density, scores, reconstructions)")
	fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&labelsPath, "labels", "", "labels `file` (0 normal and nonzero an anomaly, or +1 normal and -1 an anomaly): adds the ROC curve")
	fs.StringVar(&shape, "image-shape", "", "input images are `HxW`, or none: no images (default: the shape of --data's images, an IDX file or an array [n, h, w]; else none)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
	e.quietFlag(fs)
	return func(ctx context.Context) error {
		if err := checkOut(out, ".html", ".htm"); err != nil {
			return err
		}
		m, err := loadModel(modelDir)
		if err != nil {
			return err
		}
		warnPoorFit(e, modelDir, m)
		imgH, imgW, isImage, err := reportImageShape(m.Inputs, shape, dataPath, key)
		if err != nil {
			return err
		}
		if s := int(math.Sqrt(float64(m.Inputs))); !isImage && shape == "" && s*s == m.Inputs && s > 1 {
			fmt.Fprintf(e.stderr, "sae: note: no plots of the inputs as images: the report draws them for --data of images (IDX, or an array [n, h, w]) or with --image-shape HxW\n")
		}
		var x sae.Matrix
		var names []string
		if dataPath != "" {
			tab, err := e.loadData(dataPath, key, m)
			if err != nil {
				return err
			}
			x, names = *tab.Matrix, tab.Names
			if err := checkWidth(dataPath, x, m); err != nil {
				return err
			}
		}
		if labelsPath != "" && dataPath == "" {
			return usagef("--labels needs --data")
		}
		labels, note, err := anomalyLabels(labelsPath, e.labelsKey, x.Rows, dataPath)
		if err != nil {
			return err
		}
		if note != "" {
			fmt.Fprintf(e.stderr, "sae: note: %s\n", note)
		}
		tmp, err := os.MkdirTemp("", "sae-report-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		// The data's passes: the metrics, then each scorer's errors.
		src, done := e.rowProgress(ctx, x, 1+scorePasses(m), fmt.Sprintf("metrics and scores of %d rows", x.Rows))
		metrics, sections, err := buildReport(m, modelDir, tmp, x, src, dataPath, labels, imgH, imgW, isImage)
		done()
		if err != nil {
			return err
		}
		if x.Rows > 0 && !isImage && !m.Transcoder() {
			sec, err := columnErrors(m, x, names, filepath.Base(dataPath))
			if err != nil {
				return err
			}
			sections = append(sections, sec)
		}
		if dataPath != "" {
			sec, err := reportLatents(ctx, e, m, dataPath, key, tmp)
			if err != nil {
				return err
			}
			sections = append(sections, sec...)
		} else if e.table.idColumn != "" {
			return usagef("--id-column needs --data")
		}
		if err := report.HTML(out, "sae model "+filepath.Base(filepath.Clean(modelDir)), metrics, sections); err != nil {
			return err
		}
		if e.json {
			return printJSON(e.stdout, map[string]any{"out": out, "sections": len(sections)})
		}
		fmt.Fprintf(e.stdout, "wrote %s (%d plots)\n", out, len(sections))
		return nil
	}
}

// buildReport draws every plot that the model (and the data, when given)
// allows into dir and returns the metrics table and the page's sections;
// its passes over the rows x read them from src.
func buildReport(m *sae.Model, modelDir, dir string, x sae.Matrix, src sae.Source, dataPath string, labels []bool, imgH, imgW int, isImage bool) ([][2]string, []report.Section, error) {
	c := m.Config
	metrics := [][2]string{
		{"model", m.String()},
		{"directory", modelDir},
		{"sparsity", sparsityText(c)},
		{"weight decay", fmt.Sprint(c.WeightDecay)},
		{"optimizer", fmt.Sprintf("%s, lr %g, batch %d", c.Optimizer, c.LR, c.Batch)},
		{"normalisation", string(c.Normalize)},
		{"anomaly threshold", fmt.Sprintf("%.6g", m.Threshold)},
	}
	var sections []report.Section
	add := func(title, text, file string) {
		sections = append(sections, report.Section{Title: title, Text: text, Image: file})
	}
	if h := m.History; h != nil {
		metrics = append(metrics,
			[2]string{"training", fmt.Sprintf("%d epochs on %d rows in %.1f s (%.0f samples/s)%s", h.Epochs, h.TrainRows, h.Seconds, h.SamplesPerSecond, map[bool]string{true: ", stopped early", false: ""}[h.StoppedEarly])},
			[2]string{"final training objective", fmt.Sprintf("%.6g", h.FinalLoss)})
		if v := h.Val; v != nil {
			metrics = append(metrics, [2]string{"validation", fmt.Sprintf("mse %.5g, fvu %s, l0 %.2f, mean activation %.4f, dead %.1f%%", v.MSE, fvuText(v.FVU), v.L0, v.MeanActivation, 100*v.DeadFraction)})
		}
		if len(h.TrainLoss) > 0 {
			f := filepath.Join(dir, "loss.png")
			if err := report.LossCurve(f, h.TrainLoss, h.ValLoss, "training objective per epoch"); err != nil {
				return nil, nil, err
			}
			text := "The objective (reconstruction + sparsity penalty + weight decay) per epoch on the training rows, and on the validation rows when there were any."
			if h.FinetuneFrom >= 0 {
				text += fmt.Sprintf(" From epoch %d on, the sparsity penalty is off (reconstruction-only fine-tuning).", h.FinetuneFrom+1)
			}
			if h.SupervisedFrom > 0 {
				text += fmt.Sprintf(" From epoch %d on, the objective is the classifier's cross-entropy (--labels).", h.SupervisedFrom+1)
			}
			if h.ScratchFrom > 0 {
				kept := map[string]string{"pretrained": "the pre-trained network was kept", "scratch": "this network was kept"}[h.SupervisedStart]
				text += fmt.Sprintf(" From epoch %d on, the same widths are trained again from random initialisation (%s: the lower validation cross-entropy).", h.ScratchFrom+1, kept)
			}
			add("Training", text, f)
		}
	}
	if isImage {
		feats, nf := m.Features()
		f := filepath.Join(dir, "features.png")
		if err := report.FeatureGrid(f, feats, nf, m.Inputs, imgH, imgW, report.GridOptions{}); err != nil {
			return nil, nil, err
		}
		add("Learned features", fmt.Sprintf("The rows of the decoder's last layer drawn as %dx%d images (the first %d of %d), each scaled to its own range: grey is 0, light positive, dark negative.", imgH, imgW, min(nf, 100), nf), f)
	}
	if x.Rows == 0 {
		return metrics, sections, nil
	}
	mt, err := m.Eval(src)
	if err != nil {
		return nil, nil, err
	}
	metrics = append(metrics, [2]string{"on " + filepath.Base(dataPath), fmt.Sprintf("%d rows: mse %.5g, fvu %s, l0 %.2f, mean activation %.4f, dead %.1f%%", mt.N, mt.MSE, fvuText(mt.FVU), mt.L0, mt.MeanActivation, 100*mt.DeadFraction)})
	f := filepath.Join(dir, "density.png")
	if err := latentDensity(m, mt, f, filepath.Base(dataPath), add); err != nil {
		return nil, nil, err
	}

	scores, err := m.Score(src)
	if err != nil {
		return nil, nil, err
	}
	f = filepath.Join(dir, "scores.png")
	thr := m.Threshold
	if err := report.Histogram(f, scores, report.HistOptions{Title: "anomaly scores", XLabel: scoreAxis(m), YLabel: "rows", LogX: true, Threshold: &thr, ThresholdLabel: "threshold"}); err != nil {
		return nil, nil, err
	}
	flagged := 0
	for _, s := range scores {
		if s > thr {
			flagged++
		}
	}
	add("Anomaly scores", fmt.Sprintf("Each row's score is %s; the line is the threshold stored with the model, above which %d of %d rows (%.1f%%) are flagged.", detectorSummary(m, m.Scorers()), flagged, x.Rows, 100*float64(flagged)/float64(x.Rows)), f)
	if labels != nil {
		f = filepath.Join(dir, "roc.png")
		text, err := rocCurve(scores, labels, f)
		if err != nil {
			return nil, nil, err
		}
		metrics = append(metrics, [2]string{"anomaly detection", text})
		add("ROC curve", "True-positive rate against false-positive rate as the threshold moves, with the labels given.", f)
	}
	if isImage {
		const show = 12
		n := min(show, x.Rows)
		sub := x.Slice(0, n)
		rec, err := m.Reconstruct(sub)
		if err != nil {
			return nil, nil, err
		}
		pair := append(append([]float32(nil), sub.Data...), rec.Data...)
		f = filepath.Join(dir, "reconstructions.png")
		if err := report.ImageGrid(f, pair, 2*n, m.Inputs, imgH, imgW, report.GridOptions{RowLabels: []string{"input", "reconstruction"}, Cols: n}); err != nil {
			return nil, nil, err
		}
		add("Reconstructions", fmt.Sprintf("The first %d rows of %s above their reconstructions.", n, filepath.Base(dataPath)), f)
	}
	return metrics, sections, nil
}

// reportImageShape is the shape of the inputs as images, ok = false when
// they are not images: the --image-shape spec (none: not images), else the
// shape of dataPath's array when it is [n, h, w] (IDX images, a .npy of
// images). The width of a row alone does not make it an image: a table of
// 36 columns or 1024-wide embeddings are not 6x6 or 32x32 pictures.
func reportImageShape(inputs int, spec, dataPath, key string) (h, w int, ok bool, err error) {
	switch {
	case spec == "none":
		return 0, 0, false, nil
	case spec != "":
		h, w, ok, err = report.InferImageShape(inputs, spec)
		if err != nil {
			return 0, 0, false, usagef("--image-shape: %v (or none)", strings.TrimPrefix(err.Error(), "report: "))
		}
		return h, w, ok, nil
	case dataPath == "":
		return 0, 0, false, nil
	}
	shape, err := data.Shape(dataPath, data.Options{Key: key})
	if err != nil || len(shape) != 3 || shape[1]*shape[2] != inputs {
		return 0, 0, false, err
	}
	return shape[1], shape[2], true, nil
}

func sparsityText(c sae.Config) string {
	switch c.Sparsity {
	case sae.SparsityL1:
		return fmt.Sprintf("L1, coefficient %g", c.L1)
	case sae.SparsityKL:
		return fmt.Sprintf("KL, rho %g, beta %g", c.Rho, c.Beta)
	}
	return string(c.Sparsity)
}

// latentDensity draws each latent's firing rate (relu codes) or mean
// activation on the metrics mt into the file f and adds its section.
func latentDensity(m *sae.Model, mt sae.Metrics, f, data string, add func(title, text, file string)) error {
	c := m.Config
	density, what := mt.FiringRate, "fraction of rows where the latent is active (|a| > 1e-6)"
	if c.Activation != sae.ReLU {
		// Sigmoid and tanh latents are never exactly zero: show their mean.
		density, what = mt.LatentMean, "mean activation of the latent"
		if c.Activation == sae.Tanh {
			density = make([]float64, len(mt.LatentMean))
			for i, v := range mt.LatentMean {
				density[i] = (v + 1) / 2
			}
			what = "mean firing rate (a+1)/2 of the latent"
		}
	}
	hopt := report.HistOptions{Title: "latent density", XLabel: what, YLabel: "latents", LogX: true}
	if c.Sparsity == sae.SparsityKL {
		rho := c.Rho
		hopt.Threshold, hopt.ThresholdLabel = &rho, "rho"
	}
	if err := report.Histogram(f, density, hopt); err != nil {
		return err
	}
	add("Latent density", fmt.Sprintf("For each of the %d latents, the %s on %s, on a log scale. Dead latents (never active) cannot be drawn on it: %.1f%% of them.", m.Hidden(), what, data, 100*mt.DeadFraction), f)
	return nil
}

// rocCurve draws the ROC curve of the scores against the anomaly flags
// into the file f and returns the areas' line.
func rocCurve(scores []float64, isAnom []bool, f string) (string, error) {
	auc := stats.AUROC(scores, isAnom)
	fpr, tpr := stats.ROC(scores, isAnom)
	if err := report.ROCCurve(f, fpr, tpr, auc); err != nil {
		return "", err
	}
	return fmt.Sprintf("ROC AUC %.4f, average precision %.4f", auc, stats.AUPRC(scores, isAnom)), nil
}

// reportLatents is the report's table of latents (as sae inspect shows
// them) for a one-layer model; none for other models.
func reportLatents(ctx context.Context, e *env, m *sae.Model, dataPath, key, dir string) ([]report.Section, error) {
	idColumn := e.table.idColumn
	if _, _, err := saebench.FoldedWeights(m); err != nil {
		if idColumn != "" {
			return nil, usagef("--id-column: the table of latents needs a one-layer model")
		}
		return nil, nil
	}
	opt := inspectOptions{idColumn: idColumn, top: 5, neighbours: 3, show: 20}
	in, err := inspectData(ctx, e, m, dataPath, key, opt, false)
	if err != nil {
		return nil, err
	}
	secs, _, err := latentSections(in, shownLatents(in, opt), true, dir, filepath.Base(dataPath))
	if err != nil || len(secs) == 0 || secs[len(secs)-1].Table == nil {
		return nil, err
	}
	return secs[len(secs)-1:], nil // the density histogram is the report's own
}

// maxColumnRows bounds the report's table of columns.
const maxColumnRows = 30

// columnErrors is the report's table of a table's columns, worst
// reconstructed first: each column's name (its number without one), its
// share of the squared reconstruction error in input units, and its
// fraction of variance unexplained.
func columnErrors(m *sae.Model, x sae.Matrix, names []string, data string) (report.Section, error) {
	rec, err := m.Reconstruct(x)
	if err != nil {
		return report.Section{}, err
	}
	d := x.Cols
	mean := make([]float64, d)
	for i, v := range x.Data {
		mean[i%d] += float64(v) / float64(x.Rows)
	}
	sse, ssd := make([]float64, d), make([]float64, d)
	var total float64
	for i, v := range x.Data {
		e := float64(rec.Data[i] - v)
		dev := float64(v) - mean[i%d]
		sse[i%d] += e * e
		ssd[i%d] += dev * dev
		total += e * e
	}
	order := make([]int, d)
	for j := range order {
		order[j] = j
	}
	sort.SliceStable(order, func(a, b int) bool { return sse[order[a]] > sse[order[b]] })
	rows := [][]string{{"column", "share of the error", "fvu"}}
	for _, j := range order[:min(d, maxColumnRows)] {
		col := strconv.Itoa(j)
		if len(names) == d {
			col = fmt.Sprintf("%s (%d)", names[j], j)
		}
		share, fvu := "0%", "-"
		if total > 0 {
			share = fmt.Sprintf("%.1f%%", 100*sse[j]/total)
		}
		if ssd[j] > 0 {
			fvu = fmt.Sprintf("%.3f", sse[j]/ssd[j])
		}
		rows = append(rows, []string{col, share, fvu})
	}
	text := fmt.Sprintf("The columns of %s by their share of the squared reconstruction error (in input units), worst first", data)
	if d > maxColumnRows {
		text += fmt.Sprintf(" (the %d worst of %d)", maxColumnRows, d)
	}
	text += ", and each column's fraction of variance unexplained (its squared error over its squared deviation from its mean). Columns are numbered from 0."
	return report.Section{Title: "Columns", Text: text, Table: rows}, nil
}
