package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/report"
)

func init() {
	register(&command{
		name:    "generate",
		summary: "samples decoded from the prior of a variational model",
		usage:   "--model DIR --n N --out F.npy|F.csv [--grid F.png]",
		examples: []string{
			"sae generate --model vae --n 64 --out samples.npy",
			"sae generate --model vae --n 100 --out samples.npy --image-shape 28x28   # and samples.png",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var modelDir, out, grid, shape string
			n := 64
			var seed uint64 = 1
			fs.StringVar(&modelDir, "model", "", "model `dir`ectory (trained with --variational)")
			fs.IntVar(&n, "n", n, "`N` samples")
			fs.StringVar(&out, "out", "", "samples `file`: .npy (float32 [n, inputs]) or .csv")
			fs.StringVar(&grid, "grid", "", "image grid `file` (.png) of the samples (default with --image-shape: beside --out)")
			fs.StringVar(&shape, "image-shape", "", "the inputs are `HxW` images: draw the samples as images too (a row's width alone does not make it an image: a table of 36 columns is not 6x6 pictures)")
			fs.Uint64Var(&seed, "seed", seed, "random `seed` of the draws")
			fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
			return func(ctx context.Context) error {
				if err := checkOut(out, ".npy", ".csv"); err != nil {
					return err
				}
				if n < 1 {
					return usagef("--n must be >= 1")
				}
				m, err := loadModel(modelDir)
				if err != nil {
					return err
				}
				warnPoorFit(e, modelDir, m)
				imgH, imgW, isImage, err := reportImageShape(m.Inputs, shape, "", "")
				if err != nil {
					return err
				}
				if grid != "" && !isImage {
					return usagef("--grid needs image inputs: give --image-shape HxW (the model has %d inputs)", m.Inputs)
				}
				if s := int(math.Sqrt(float64(m.Inputs))); !isImage && shape == "" && s*s == m.Inputs && s > 1 {
					fmt.Fprintf(e.stderr, "sae: note: no image grid of the samples: give --image-shape %dx%d if the inputs are images\n", s, s)
				}
				if grid == "" && isImage {
					grid = strings.TrimSuffix(out, filepath.Ext(out)) + ".png"
				}
				g, err := m.Generate(n, seed)
				if err != nil {
					return err
				}
				if err := data.Write(out, &g); err != nil {
					return err
				}
				o := map[string]any{"n": g.Rows, "cols": g.Cols, "out": out}
				if grid != "" {
					if err := report.ImageGrid(grid, g.Data, g.Rows, g.Cols, imgH, imgW, report.GridOptions{}); err != nil {
						return err
					}
					o["grid"] = grid
				}
				if e.json {
					return printJSON(e.stdout, o)
				}
				fmt.Fprintf(e.stdout, "wrote %s: %d samples x %d\n", out, g.Rows, g.Cols)
				if grid != "" {
					fmt.Fprintf(e.stdout, "wrote %s\n", grid)
				}
				return nil
			}
		},
	})
}
