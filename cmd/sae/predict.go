package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

func init() {
	register(&command{
		name:    "predict",
		summary: "class probabilities from a model trained with --labels",
		usage:   "--model DIR --data F --out F.npy|F.csv [--labels F]",
		examples: []string{
			"sae predict --model clf --data test.npy --out probs.npy",
			"sae predict --model clf --data $FM/t10k-images-idx3-ubyte.gz --labels $FM/t10k-labels-idx1-ubyte.gz --out p.npy --json",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var labelsPath string
			fs.StringVar(&labelsPath, "labels", "", "true labels `file`: report the accuracy")
			acc := func(x, p sae.Matrix, o map[string]any) error {
				if labelsPath == "" {
					return nil
				}
				y, err := data.LoadLabels(labelsPath)
				if err != nil {
					return err
				}
				if len(y) != p.Rows {
					return fmt.Errorf("%s: %d labels for %d rows", labelsPath, len(y), p.Rows)
				}
				correct := 0
				for i, l := range y {
					row := p.Row(i)
					best := 0
					for j := range row {
						if row[j] > row[best] {
							best = j
						}
					}
					if best == l {
						correct++
					}
				}
				o["accuracy"] = float64(correct) / float64(len(y))
				return nil
			}
			return setupTransform(fs, e, "class probabilities", func(m *sae.Model, x sae.Matrix) (sae.Matrix, error) { return m.Predict(x) }, acc)
		},
	})
}
