package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/stats"
	"github.com/sae-go/sae/interop"
)

func init() {
	register(&command{
		name:    "import",
		summary: "read SAELens or sparsify files as a model directory",
		usage:   "--in DIR --out DIR [--format saelens|sparsify] [--data F [--contamination C]]",
		examples: []string{
			"sae import --format saelens --in fm-saelens --out fm2",
			"sae import --in fm-saelens --out fm2 --data normal.npy --contamination 0.05",
			"sae import --format sparsify --in checkpoints/layers.6 --out l6",
			"sae import --in fm-saelens --out fm2 --json",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var in, out, format, dataPath, key string
			var contamination float64
			fs.StringVar(&format, "format", "", "input `format`: saelens or sparsify (default: told by the weights file in --in)")
			fs.StringVar(&in, "in", "", "`dir`ectory to read (SAELens: cfg.json + sae_weights.safetensors; sparsify: cfg.json + sae.safetensors)")
			fs.StringVar(&out, "out", "", "model `dir`ectory to write (replaced atomically; an existing one must be a model directory)")
			fs.StringVar(&dataPath, "data", "", "data `file` to set the anomaly threshold on: the (1 - contamination) quantile of its scores (default: no threshold)")
			fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors --data")
			fs.Float64Var(&contamination, "contamination", 0.1, "with --data: the `fraction` of its rows scoring above the threshold")
			fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
			return func(ctx context.Context) error {
				f := interop.Format(format)
				switch f {
				case "", interop.SAELens, interop.Sparsify:
				default:
					return usagef("--format %q is not saelens or sparsify", format)
				}
				if in == "" {
					return usagef("--in is required")
				}
				if dataPath == "" && (flagSet(fs, "contamination") || key != "") {
					return usagef("--contamination and --key apply to --data")
				}
				if contamination <= 0 || contamination >= 0.5 {
					return usagef("--contamination must be in (0, 0.5), got %g", contamination)
				}
				if err := checkOut(out); err != nil {
					return err
				}
				if f == "" {
					var err error
					if f, err = interop.Detect(in); err != nil {
						return err
					}
				}
				m, err := interop.Import(f, in)
				if err != nil {
					return err
				}
				if dataPath != "" {
					if err := setThreshold(e, m, dataPath, key, contamination); err != nil {
						return err
					}
				}
				if err := replaceableDir(out, sae.ConfigFile, sae.WeightsFile, sae.DetectorDir); err != nil {
					return err
				}
				if err := m.Save(out); err != nil {
					return err
				}
				if e.json {
					o := map[string]any{"in": in, "out": out, "format": string(f),
						"d_in": m.Inputs, "d_sae": m.Hidden(), "model": m.String()}
					if dataPath != "" {
						o["threshold"], o["contamination"] = m.Threshold, contamination
					}
					return printJSON(e.stdout, o)
				}
				fmt.Fprintf(e.stdout, "read %s (%s): %s\n", in, f, m)
				if dataPath != "" {
					fmt.Fprintf(e.stdout, "wrote %s (anomaly threshold %.6g: %g of the rows of %s score above it)\n", out, m.Threshold, contamination, dataPath)
				} else {
					fmt.Fprintf(e.stdout, "wrote %s (no anomaly threshold: give sae score --contamination or --threshold, or import with --data)\n", out)
				}
				return nil
			}
		},
	})
}

// setThreshold sets an imported model's anomaly threshold to the
// (1 - contamination) quantile of its scores on the rows of path, the
// threshold training sets on the training rows.
func setThreshold(e *env, m *sae.Model, path, key string, contamination float64) error {
	x, _, closeData, err := e.openData(path, key, "auto", m)
	if err != nil {
		return err
	}
	defer closeData()
	if _, d := x.Dims(); d != m.Inputs {
		return fmt.Errorf("%s: rows have %d values, the model expects %d", path, d, m.Inputs)
	}
	scores, err := m.Score(x)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(scores) == 0 {
		return fmt.Errorf("%s: no rows to set the anomaly threshold on", path)
	}
	m.Threshold = stats.Quantile(scores, 1-contamination)
	m.Config.Contamination = contamination
	return nil
}
