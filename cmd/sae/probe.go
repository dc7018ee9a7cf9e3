package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/linear"
)

// probe fits the same linear classifier (softmax regression, L2 picked on
// held-out training rows) twice: on the model's codes and on the raw input,
// and compares their test accuracies.
//
// The raw input is what the encoder sees: the rows scaled by the model's
// normaliser when it has one. Both fits then standardise every column on
// the training rows, so the raw baseline does not depend on the model's
// scaling (for inputs without one, this is the usual standardised-pixel
// baseline) and codes and raw input get the same L2 per unit of signal.
func init() {
	register(&command{
		name:    "probe",
		summary: "linear-probe accuracy on the codes vs on the raw input (feature learning)",
		usage:   "--model DIR --data F --labels F --test F --test-labels F [--json]",
		examples: []string{
			"sae probe --model fm --data $FM/train-images-idx3-ubyte.gz --labels $FM/train-labels-idx1-ubyte.gz \\",
			"    --test $FM/t10k-images-idx3-ubyte.gz --test-labels $FM/t10k-labels-idx1-ubyte.gz",
			"sae probe --model m --data train.npz --labels train.npz --test test.npz --test-labels test.npz --json",
			"sae probe --model m --data x.npy --labels y.csv --test xt.npy --test-labels yt.csv --l2 1e-3",
			"sae probe --model m --data fit.npz --labels fit.npz --test dev.npz --test-labels dev.npz --codes-only --json",
		},
		setup: setupProbe,
	})
}

func setupProbe(fs *flag.FlagSet, e *env) func(context.Context) error {
	var modelDir, dataPath, labelsPath, testPath, testLabelsPath, key string
	var l2, valSplit, tol float64
	var threads int
	var seed uint64
	var codesOnly bool
	fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
	fs.StringVar(&dataPath, "data", "", "training rows `file` for the probes")
	fs.StringVar(&labelsPath, "labels", "", "class labels `file` of --data (integers >= 0)")
	fs.StringVar(&testPath, "test", "", "test rows `file`")
	fs.StringVar(&testLabelsPath, "test-labels", "", "class labels `file` of --test")
	fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
	fs.Float64Var(&l2, "l2", 0, "L2 `lambda` of both probes (0: pick from "+fmt.Sprint(linear.DefaultL2Grid)+" on held-out rows)")
	fs.Float64Var(&valSplit, "val-split", 0.1, "`fraction` of --data held out to pick the L2 (0: no search, lambda "+fmt.Sprint(linear.DefaultL2)+")")
	fs.Float64Var(&tol, "tol", 0, "stop a fit when its objective improves by less than this `fraction` over 10 iterations (default "+fmt.Sprint(linear.DefaultTol)+")")
	fs.Uint64Var(&seed, "seed", 1, "`seed` of the held-out split")
	fs.IntVar(&threads, "threads", 0, "`N` cores to use (default: all)")
	fs.BoolVar(&codesOnly, "codes-only", false, "fit only the probe on the codes (the raw-input probe does not depend on the model: fit it once per data split)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
	e.quietFlag(fs)
	return func(ctx context.Context) error {
		for _, f := range [][2]string{{"data", dataPath}, {"labels", labelsPath}, {"test", testPath}, {"test-labels", testLabelsPath}} {
			if f[1] == "" {
				return usagef("--%s is required", f[0])
			}
		}
		if err := checkProbeSettings(l2, valSplit, tol, threads); err != nil {
			return err
		}
		m, err := loadModel(modelDir)
		if err != nil {
			return err
		}
		x, y, err := loadLabelled(e, dataPath, labelsPath, key, m)
		if err != nil {
			return err
		}
		xt, yt, err := loadLabelled(e, testPath, testLabelsPath, key, m)
		if err != nil {
			return err
		}
		classes := 0
		for _, l := range append(slices.Clone(y), yt...) {
			classes = max(classes, l+1)
		}

		e.step("encoding %d training and %d test rows", x.Rows, xt.Rows)
		codes, err := m.Encode(x)
		if err != nil {
			return err
		}
		codesTest, err := m.Encode(xt)
		if err != nil {
			return err
		}
		pc := probeConfig{l2: l2, valSplit: valSplit, tol: tol, seed: seed, threads: threads, classes: classes}
		e.step("fitting the probe on the codes (%d features, %d classes)%s", codes.Cols, classes, pc.selecting())
		code, err := pc.run(ctx, codes, y, codesTest, yt)
		if err != nil {
			return fmt.Errorf("probe on the codes: %w", err)
		}
		warnUnconverged(e, "codes", code)
		var raw probeResult
		if !codesOnly {
			// The raw rows as the encoder sees them, scaled in place: x is
			// not needed any more.
			scaleRows(m.Norm, x)
			scaleRows(m.Norm, xt)
			e.step("fitting the probe on the raw input (%d features, %d classes)%s", x.Cols, classes, pc.selecting())
			if raw, err = pc.run(ctx, x, y, xt, yt); err != nil {
				return fmt.Errorf("probe on the raw input: %w", err)
			}
			warnUnconverged(e, "raw input", raw)
		}
		return printProbe(e, probeCounts{train: x.Rows, test: xt.Rows, classes: classes, codeDim: codes.Cols, rawDim: x.Cols}, code, raw, codesOnly)
	}
}

// probeCounts are the sizes a probe's report names.
type probeCounts struct{ train, test, classes, codeDim, rawDim int }

// printProbe prints the probes' accuracies (and, without codesOnly, the
// gain of the codes over the raw input) as JSON or a table.
func printProbe(e *env, c probeCounts, code, raw probeResult, codesOnly bool) error {
	// Both accuracies are counts over the same test rows: their
	// difference is a whole number of rows (no 0.0223000000001).
	nt := float64(c.test)
	gain := math.Round((code.accuracy-raw.accuracy)*nt) / nt
	if e.json {
		o := map[string]any{
			"n_train": c.train, "n_test": c.test, "classes": c.classes,
			"code_accuracy": code.accuracy, "code_dim": c.codeDim,
			"code_l2": code.l2, "code_seconds": code.seconds,
		}
		if !codesOnly {
			o["raw_accuracy"], o["gain"], o["raw_dim"] = raw.accuracy, gain, c.rawDim
			o["raw_l2"], o["raw_seconds"] = raw.l2, raw.seconds
		}
		return printJSON(e.stdout, o)
	}
	title := "linear probes"
	if codesOnly {
		title = "linear probe"
	}
	fmt.Fprintf(e.stdout, "%s: %d training rows, %d test rows, %d classes\n", title, c.train, c.test, c.classes)
	fmt.Fprintf(e.stdout, "%-10s %6s %8s %10s %8s\n", "features", "dim", "l2", "test acc", "fit s")
	fmt.Fprintf(e.stdout, "%-10s %6d %8.0e %10.4f %8.1f\n", "codes", c.codeDim, code.l2, code.accuracy, code.seconds)
	if !codesOnly {
		fmt.Fprintf(e.stdout, "%-10s %6d %8.0e %10.4f %8.1f\n", "raw input", c.rawDim, raw.l2, raw.accuracy, raw.seconds)
		fmt.Fprintf(e.stdout, "gain (codes - raw): %+.2f points\n", 100*gain)
	}
	return nil
}

// warnUnconverged notes on stderr a fit that hit its iteration limit.
func warnUnconverged(e *env, what string, r probeResult) {
	if !r.converged {
		fmt.Fprintf(e.stderr, "sae probe: warning: the fit on the %s stopped after %d iterations before converging\n", what, r.iter)
	}
}

// maxProbeClasses bounds the labels: the probe holds rows x classes logits.
const maxProbeClasses = 1000

// loadLabelled reads rows for the model and their class labels.
func loadLabelled(e *env, dataPath, labelsPath, key string, m *sae.Model) (sae.Matrix, []int, error) {
	tab, err := e.loadData(dataPath, key, m)
	if err != nil {
		return sae.Matrix{}, nil, err
	}
	x := *tab.Matrix
	if err := checkWidth(dataPath, x, m); err != nil {
		return sae.Matrix{}, nil, err
	}
	y, err := data.LoadLabelsKey(labelsPath, e.labelsKey)
	if err != nil {
		return sae.Matrix{}, nil, err
	}
	if len(y) != x.Rows {
		return sae.Matrix{}, nil, fmt.Errorf("%s: %d labels for %d rows of %s", labelsPath, len(y), x.Rows, dataPath)
	}
	for i, l := range y {
		if l < 0 || l >= maxProbeClasses {
			return sae.Matrix{}, nil, fmt.Errorf("%s: label %d of row %d is not a class number in [0, %d)", labelsPath, l, i+1, maxProbeClasses)
		}
	}
	return x, y, nil
}

// scaleRows applies the model's input scaling x' = (x - Shift) / Scale in
// place (nothing when nz is nil).
func scaleRows(nz *sae.Normalizer, x sae.Matrix) {
	if nz == nil {
		return
	}
	for i := 0; i < x.Rows; i++ {
		r := x.Row(i)
		for j := range r {
			r[j] = (r[j] - nz.Shift[j]) / nz.Scale[j]
		}
	}
}

type probeConfig struct {
	l2, valSplit, tol float64
	seed              uint64
	threads           int
	classes           int
}

type probeResult struct {
	accuracy, l2, seconds float64
	iter                  int
	converged             bool
}

// selecting says how the L2 is chosen, for a progress line.
func (pc probeConfig) selecting() string {
	if pc.l2 == 0 && pc.valSplit > 0 {
		return ": the L2 picked on held-out rows, then a fit on all rows"
	}
	return ""
}

// run picks the L2 on held-out training rows (unless fixed), fits on all
// training rows and measures the test accuracy.
func (pc probeConfig) run(ctx context.Context, x sae.Matrix, y []int, xt sae.Matrix, yt []int) (probeResult, error) {
	start := time.Now()
	opt := linear.Options{L2: pc.l2, Tol: pc.tol, Threads: pc.threads}
	if pc.l2 == 0 && pc.valSplit > 0 {
		sel, err := linear.SelectL2(ctx, x.Data, x.Rows, x.Cols, y, pc.classes, nil, pc.valSplit, pc.seed, opt)
		if err != nil {
			return probeResult{}, err
		}
		opt.L2, opt.Init = sel.L2, sel.Model
	}
	s, err := linear.FitSoftmaxContext(ctx, x.Data, x.Rows, x.Cols, y, pc.classes, opt)
	if err != nil {
		return probeResult{}, err
	}
	return probeResult{
		accuracy:  linear.Accuracy(s.Predict(xt.Data, xt.Rows), yt),
		l2:        s.L2,
		seconds:   time.Since(start).Seconds(),
		iter:      s.Iter,
		converged: s.Converged,
	}, nil
}

// checkProbeSettings refuses out-of-range probe settings.
func checkProbeSettings(l2, valSplit, tol float64, threads int) error {
	switch {
	case l2 < 0:
		return usagef("--l2 must be >= 0, got %g", l2)
	case valSplit < 0 || valSplit >= 1:
		return usagef("--val-split must be in [0, 1), got %g", valSplit)
	case tol < 0 || tol >= 1:
		return usagef("--tol must be in [0, 1), got %g", tol)
	case threads < 0:
		return usagef("--threads must be >= 0, got %d", threads)
	}
	return nil
}
