package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/report"
)

func init() {
	register(&command{
		name:    "encode",
		summary: "write the latent codes of data (features, dimensionality reduction)",
		usage:   "--model DIR --data F --out F.npy|F.csv [--sparse --out F.npz|F.csv|F.jsonl]",
		examples: []string{
			"sae encode --model fm --data test.npy --out codes.npy",
			"sae encode --model det --data table.csv --out codes.csv",
			"sae encode --model topk --data acts.npy --sparse --out codes.npz   # indices and values, [n, k] each",
			"sae encode --model fm2d --data test.npy --out codes.npy --plot codes.png --labels test-labels.npy",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var plot, labelsPath string
			fs.StringVar(&plot, "plot", "", "scatter plot `file` (.png or .svg) of 2-D codes (a model with 2 latents)")
			fs.StringVar(&labelsPath, "labels", "", "labels `file` colouring the --plot points")
			scatter := func(x, codes sae.Matrix, o map[string]any) error {
				if plot == "" {
					if labelsPath != "" {
						return usagef("--labels colours --plot; give --plot too")
					}
					return nil
				}
				if codes.Cols != 2 {
					return usagef("--plot draws 2-D codes; this model has %d latents (train with --hidden 2)", codes.Cols)
				}
				var labels []int
				if labelsPath != "" {
					var err error
					if labels, err = e.loadLabels(labelsPath); err != nil {
						return err
					}
					if len(labels) != codes.Rows {
						return fmt.Errorf("%s: %d labels for %d rows", labelsPath, len(labels), codes.Rows)
					}
				}
				px, py := make([]float64, codes.Rows), make([]float64, codes.Rows)
				for i := range px {
					px[i], py[i] = float64(codes.Data[2*i]), float64(codes.Data[2*i+1])
				}
				if err := report.Scatter2D(plot, px, py, labels, "codes"); err != nil {
					return err
				}
				o["plot"] = plot
				return nil
			}
			var sparse bool
			fs.BoolVar(&sparse, "sparse", false, "write each row's active latents (|a| > 1e-6, as l0 counts them), largest |a| first: .npz arrays indices (int32) and values (float32), [n, k] for a topk model, else [n, the most of any row] padded with -1 and 0; .csv rows row,latent,value; .jsonl one {\"indices\", \"values\"} per row")
			return setupTransform(fs, e, "codes", func(m *sae.Model, x sae.Matrix) (sae.Matrix, error) { return m.Encode(x) }, scatter, func() *transformOut {
				if !sparse {
					return nil
				}
				return &transformOut{exts: []string{".npz", ".csv", ".jsonl"}, write: writeSparse}
			})
		},
	})
}

// transformOut writes a transform's output matrix y, a model's, to out,
// adding what it says to o, and returns the line that says what it wrote;
// exts are the extensions of out it writes.
type transformOut struct {
	exts  []string
	write func(out string, m *sae.Model, y sae.Matrix, o map[string]any) (string, error)
	// stdout is true when write writes CSV to the standard output for
	// out "-".
	stdout bool
}

// setupTransform is encode's and reconstruct's shared shape: read a model
// and data, map the rows, write a matrix.
// report, when set, adds command-specific figures (given input and output)
// to the JSON object and the text output. output, when set, chooses
// another writer than .npy/.csv's once the flags are parsed (nil: that).
func setupTransform(fs *flag.FlagSet, e *env, what string, f func(*sae.Model, sae.Matrix) (sae.Matrix, error), report func(x, y sae.Matrix, o map[string]any) error, output func() *transformOut) func(context.Context) error {
	var modelDir, dataPath, out, key string
	fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
	fs.StringVar(&dataPath, "data", "", "input data `file`")
	fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&out, "out", "", "output `file`: .npy (float32) or .csv (with a header where the columns have names: encode's latent_0, latent_1, ..., reconstruct's the input's); - writes the CSV to stdout (and the summary to stderr)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
	return func(ctx context.Context) error {
		var tab *data.Table
		w := &transformOut{exts: []string{".npy", ".csv"}, stdout: true, write: func(out string, m *sae.Model, y sae.Matrix, _ map[string]any) (string, error) {
			err := e.writeMatrix(out, &y, outputNames(what, m, tab.Names, y.Cols), tab.IDs)
			if out == "-" {
				out = "stdout"
			}
			return fmt.Sprintf("wrote %s: %d rows x %d %s", out, y.Rows, y.Cols, what), err
		}}
		if output != nil {
			if o := output(); o != nil {
				w = o
			}
		}
		switch {
		case out == "-" && !w.stdout:
			return usagef("--out -: this output is written to a file (%s), not to stdout", strings.Join(w.exts, ", "))
		case out == "-" && e.json:
			return usagef("--out - writes the %s to stdout, where --json prints its object: give one", what)
		case out != "-":
			if err := checkOut(out, w.exts...); err != nil {
				return err
			}
		}
		m, t, err := e.loadModelData(modelDir, dataPath, key)
		if err != nil {
			return err
		}
		tab = t
		x := *tab.Matrix
		if what == "reconstructions" {
			warnPoorFit(e, modelDir, m)
		}
		y, err := f(m, x)
		if err != nil {
			return err
		}
		o := map[string]any{"n": y.Rows, "cols": y.Cols, "out": out}
		if report != nil {
			if err := report(x, y, o); err != nil {
				return err
			}
		}
		line, err := w.write(out, m, y, o)
		if err != nil {
			return err
		}
		if e.json {
			return printJSON(e.stdout, o)
		}
		if out == "-" {
			e.stdout = e.stderr // the rows went to stdout
		}
		fmt.Fprintln(e.stdout, line)
		if p, ok := o["plot"]; ok {
			fmt.Fprintf(e.stdout, "wrote %s\n", p)
		}
		if a, ok := o["accuracy"]; ok {
			fmt.Fprintf(e.stdout, "accuracy %.4f\n", a)
		}
		if p, ok := o["psnr"]; ok {
			fmt.Fprintf(e.stdout, "PSNR against the clean data: %.2f dB (the input: %.2f dB, gain %+.2f dB)\n", p, o["psnr_input"], o["psnr_gain"])
		}
		return nil
	}
}

// outputNames are the CSV header of encode's codes (latent_0, latent_1,
// ...) and reconstruct's rows (the input's column names, when it has
// them and the model reconstructs its input).
func outputNames(what string, m *sae.Model, inputs []string, cols int) []string {
	if what == "codes" {
		names := make([]string, cols)
		for i := range names {
			names[i] = fmt.Sprintf("latent_%d", i)
		}
		return names
	}
	if len(inputs) == cols && !m.Transcoder() {
		return inputs
	}
	return nil
}
