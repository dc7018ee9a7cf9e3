package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/stats"
)

func init() {
	register(&command{
		name:    "reconstruct",
		summary: "write reconstructions of data in input units (the denoiser; a transcoder's predictions of its target)",
		usage:   "--model DIR --data F --out F.npy|F.csv [--clean F]",
		examples: []string{
			"sae reconstruct --model fm --data noisy.npy --out denoised.npy",
			"sae reconstruct --model fm --data noisy.npy --clean clean.npy --out denoised.npy --json",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var clean, key string
			fs.StringVar(&clean, "clean", "", "clean version of --data (`file`): report PSNR of the reconstructions and of the input against it")
			fs.StringVar(&key, "clean-key", "", "array `name` inside the --clean .npz or .safetensors")
			psnr := func(x, y sae.Matrix, o map[string]any) error {
				if clean == "" {
					return nil
				}
				ct, err := e.loadData(clean, key, nil)
				if err != nil {
					return err
				}
				c := *ct.Matrix
				if c.Rows != x.Rows || c.Cols != x.Cols {
					return fmt.Errorf("%s: %d x %d, the data is %d x %d", clean, c.Rows, c.Cols, x.Rows, x.Cols)
				}
				pIn, pOut := stats.PSNR(c.Data, x.Data), stats.PSNR(c.Data, y.Data)
				o["psnr"], o["psnr_input"], o["psnr_gain"] = pOut, pIn, pOut-pIn
				return nil
			}
			return setupTransform(fs, e, "reconstructions", func(m *sae.Model, x sae.Matrix) (sae.Matrix, error) { return m.Reconstruct(x) }, psnr, nil)
		},
	})
}
