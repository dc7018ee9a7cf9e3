package main

import (
	"context"
	"flag"
	"fmt"
	"math"

	"github.com/sae-go/sae"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "reconstruction and sparsity metrics of a model on data, beside PCA's",
		usage:   "--model DIR --data F [--target F] [--json]",
		examples: []string{
			"sae eval --model tc --data mlp_in.npy --target mlp_out.npy   # a transcoder: FVU of its predictions",
			"sae eval --model fm --data fashion/t10k-images-idx3-ubyte.gz",
			"sae eval --model fm --data test.npy --json | jq '.fvu, .pca_fvu'   # against PCA with as many components as the mean l0",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var modelDir, dataPath, key, target string
			fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
			fs.StringVar(&dataPath, "data", "", "data `file`")
			fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
			fs.StringVar(&target, "target", "", "a transcoder's target `file`, one row per row of --data: the metrics are its predictions'")
			fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
			return func(ctx context.Context) error {
				m, tab, err := e.loadModelData(modelDir, dataPath, key)
				if err != nil {
					return err
				}
				x := *tab.Matrix
				var mt sae.Metrics
				if target != "" {
					y, err := loadMatrix(target, key)
					if err != nil {
						return err
					}
					if !m.Transcoder() {
						return usagef("--target: %s is not a transcoder", modelDir)
					}
					mt, err = m.EvalTarget(x, y)
				} else {
					mt, err = m.Eval(x)
				}
				if err != nil {
					return err
				}
				o := metricsMap(mt)
				pcaK, pcaFVU, pcaErr := pcaBaseline(m, x, mt, target != "")
				if pcaErr != nil {
					fmt.Fprintf(e.stderr, "sae: note: no PCA baseline: %v\n", pcaErr)
				} else if pcaK >= 0 {
					o["pca_components"], o["pca_fvu"] = pcaK, pcaFVU
				}
				if e.json {
					return printJSON(e.stdout, o)
				}
				fmt.Fprintf(e.stdout, "%s on %d rows of %s\n", m, mt.N, dataPath)
				units := "input units"
				if m.Transcoder() {
					units = "of the target, its units"
				}
				fmt.Fprintf(e.stdout, "  mse              %.6g (mean over elements, %s)\n", mt.MSE, units)
				if math.IsNaN(mt.FVU) {
					fmt.Fprintf(e.stdout, "  fvu              n/a (fraction of variance unexplained: these rows do not vary)\n")
				} else {
					fmt.Fprintf(e.stdout, "  fvu              %.4f (fraction of variance unexplained)\n", mt.FVU)
				}
				if _, ok := o["pca_fvu"]; ok && !math.IsNaN(pcaFVU) {
					fmt.Fprintf(e.stdout, "  pca_fvu          %.4f (PCA-%d: %d principal components, as many as the mean l0, fit on these rows in the model's scaled units; the linear baseline to beat)\n", pcaFVU, pcaK, pcaK)
				}
				fmt.Fprintf(e.stdout, "  l0               %.2f of %d latents active per row\n", mt.L0, m.Hidden())
				fmt.Fprintf(e.stdout, "  mean_activation  %.4f\n", mt.MeanActivation)
				fmt.Fprintf(e.stdout, "  dead_fraction    %.4f (latents never active)\n", mt.DeadFraction)
				if m.Config.Variational {
					fmt.Fprintf(e.stdout, "  elbo             %.6g (evidence lower bound, nats per row: higher is better)\n", mt.ELBO)
				}
				return nil
			}
		},
	})
}
