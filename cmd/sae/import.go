package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/interop"
)

func init() {
	register(&command{
		name:    "import",
		summary: "read SAELens or sparsify files as a model directory",
		usage:   "--in DIR --out DIR [--format saelens|sparsify]",
		examples: []string{
			"sae import --format saelens --in fm-saelens --out fm2",
			"sae import --format sparsify --in checkpoints/layers.6 --out l6",
			"sae import --in fm-saelens --out fm2 --json",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var in, out, format string
			fs.StringVar(&format, "format", "", "input `format`: saelens or sparsify (default: told by the weights file in --in)")
			fs.StringVar(&in, "in", "", "`dir`ectory to read (SAELens: cfg.json + sae_weights.safetensors; sparsify: cfg.json + sae.safetensors)")
			fs.StringVar(&out, "out", "", "model `dir`ectory to write (replaced atomically; an existing one must be a model directory)")
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
				if err := replaceableDir(out, sae.ConfigFile, sae.WeightsFile); err != nil {
					return err
				}
				if err := m.Save(out); err != nil {
					return err
				}
				if e.json {
					return printJSON(e.stdout, map[string]any{"in": in, "out": out, "format": string(f),
						"d_in": m.Inputs, "d_sae": m.Hidden(), "model": m.String()})
				}
				fmt.Fprintf(e.stdout, "read %s (%s): %s\n", in, f, m)
				fmt.Fprintf(e.stdout, "wrote %s (no anomaly threshold: give sae score --contamination or --threshold)\n", out)
				return nil
			}
		},
	})
}
