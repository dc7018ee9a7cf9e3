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
		name:    "export",
		summary: "write a model as SAELens files (cfg.json + sae_weights.safetensors)",
		usage:   "--model DIR --format saelens --out DIR",
		examples: []string{
			"sae export --model fm --format saelens --out fm-saelens",
			"sae export --model fm --out fm-saelens --json",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var modelDir, format, out string
			fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
			fs.StringVar(&format, "format", string(interop.SAELens), "output `format`: saelens (one-layer relu models: l1/kl/none as standard, topk as topk, batchtopk as jumprelu; input normalisation folded into the weights)")
			fs.StringVar(&out, "out", "", "`dir`ectory to write (replaced atomically; an existing one must hold only an earlier export)")
			fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
			return func(ctx context.Context) error {
				if format != string(interop.SAELens) {
					return usagef("--format %q: sae exports saelens", format)
				}
				if err := checkOut(out); err != nil {
					return err
				}
				m, err := loadModel(modelDir)
				if err != nil {
					return err
				}
				arch, err := interop.SAELensArchitecture(m)
				if err != nil {
					return fmt.Errorf("export %s: %v", modelDir, err)
				}
				if err := replaceableDir(out, interop.SAELensConfigFile, interop.SAELensWeightsFile); err != nil {
					return err
				}
				if err := interop.ExportSAELens(m, out); err != nil {
					return err
				}
				folded := sae.NormalizeNone
				if m.Norm != nil {
					folded = m.Norm.Kind
				}
				if e.json {
					return printJSON(e.stdout, map[string]any{"out": out, "format": format, "architecture": arch,
						"d_in": m.Inputs, "d_sae": m.Hidden(), "folded_normalize": string(folded)})
				}
				fmt.Fprintf(e.stdout, "wrote %s: SAELens %s SAE, d_in %d, d_sae %d\n", out, arch, m.Inputs, m.Hidden())
				if folded != sae.NormalizeNone {
					fmt.Fprintf(e.stdout, "the model's %s input normalisation is folded into the weights: raw input gives sae encode's codes\n", folded)
				}
				return nil
			}
		},
	})
}
