package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/report"
)

func init() {
	register(&command{
		name:    "encode",
		summary: "write the latent codes of data (features, dimensionality reduction)",
		usage:   "--model DIR --data F --out F.npy|F.csv",
		examples: []string{
			"sae encode --model fm --data test.npy --out codes.npy",
			"sae encode --model det --data table.csv --out codes.csv",
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
					if labels, err = data.LoadLabels(labelsPath); err != nil {
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
			return setupTransform(fs, e, "codes", func(m *sae.Model, x sae.Matrix) (sae.Matrix, error) { return m.Encode(x) }, scatter)
		},
	})
}

// setupTransform is encode's and reconstruct's shared shape: read a model
// and data, map the rows, write a matrix.
// report, when set, adds command-specific figures (given input and output)
// to the JSON object and the text output.
func setupTransform(fs *flag.FlagSet, e *env, what string, f func(*sae.Model, sae.Matrix) (sae.Matrix, error), report func(x, y sae.Matrix, o map[string]any) error) func(context.Context) error {
	var modelDir, dataPath, out, key string
	fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
	fs.StringVar(&dataPath, "data", "", "input data `file`")
	fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&out, "out", "", "output `file`: .npy (float32) or .csv (with a header where the columns have names: encode's latent_0, latent_1, ..., reconstruct's the input's); - writes the CSV to stdout (and the summary to stderr)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
	return func(ctx context.Context) error {
		if out != "-" {
			if err := checkOut(out, ".npy", ".csv"); err != nil {
				return err
			}
		} else if e.json {
			return usagef("--out - writes the %s to stdout, where --json prints its object: give one", what)
		}
		m, tab, err := e.loadModelData(modelDir, dataPath, key)
		if err != nil {
			return err
		}
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
		if err := e.writeMatrix(out, &y, outputNames(what, m, tab.Names, y.Cols), tab.IDs); err != nil {
			return err
		}
		if e.json {
			return printJSON(e.stdout, o)
		}
		if out == "-" {
			e.stdout = e.stderr // the rows went to stdout
			out = "stdout"
		}
		fmt.Fprintf(e.stdout, "wrote %s: %d rows x %d %s\n", out, y.Rows, y.Cols, what)
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
