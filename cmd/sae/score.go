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
		name:    "score",
		summary: "anomaly scores (reconstruction error), one per row",
		usage:   "--model DIR --data F [--out F.npy|F.csv] [--labels F]",
		examples: []string{
			"sae score --model det --data new.csv --out scores.csv",
			"sae score --model det --data test.npz --labels test.npz --json",
			"sae score --model det --data batch.npy --out s.npy --contamination 0.01",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var modelDir, dataPath, out, key, labelsPath string
			var contamination, threshold float64
			fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
			fs.StringVar(&dataPath, "data", "", "input data `file`")
			fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
			fs.StringVar(&out, "out", "", "scores `file`: .npy (float32 [n,1]) or .csv (columns score, anomalous)")
			fs.StringVar(&labelsPath, "labels", "", "labels `file` (nonzero = anomaly): adds auroc and auprc")
			fs.Float64Var(&contamination, "contamination", 0, "flag this `fraction` of these rows instead of using the model's threshold")
			fs.Float64Var(&threshold, "threshold", 0, "flag rows scoring above this `value` instead of the model's threshold")
			fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
			return func(ctx context.Context) error {
				if out != "" {
					if err := checkOut(out, ".npy", ".csv"); err != nil {
						return err
					}
				}
				if contamination < 0 || contamination >= 0.5 {
					return usagef("--contamination must be in [0, 0.5), got %g", contamination)
				}
				if contamination > 0 && threshold != 0 {
					return usagef("--contamination and --threshold exclude each other")
				}
				m, err := loadModel(modelDir)
				if err != nil {
					return err
				}
				x, err := loadMatrix(dataPath, key)
				if err != nil {
					return err
				}
				if err := checkWidth(dataPath, x, m); err != nil {
					return err
				}
				var labels []int
				if labelsPath != "" {
					if labels, err = data.LoadLabels(labelsPath); err != nil {
						return err
					}
					if len(labels) != x.Rows {
						return fmt.Errorf("%s: %d labels for %d rows of %s", labelsPath, len(labels), x.Rows, dataPath)
					}
				}
				scores, err := m.Score(x)
				if err != nil {
					return err
				}
				thr := m.Threshold
				switch {
				case contamination > 0:
					thr = sae.Quantile(scores, 1-contamination)
				case threshold != 0:
					thr = threshold
				}
				flagged := 0
				res := sae.NewMatrix(x.Rows, 2)
				for i, s := range scores {
					res.Data[2*i] = float32(s)
					if s > thr {
						flagged++
						res.Data[2*i+1] = 1
					}
				}
				if out != "" {
					var err error
					if hasSuffixFold(out, ".csv") {
						err = data.WriteCSV(out, (*data.Matrix)(&res), []string{"score", "anomalous"})
					} else {
						col := sae.NewMatrix(x.Rows, 1)
						for i, s := range scores {
							col.Data[i] = float32(s)
						}
						err = data.WriteNPY(out, (*data.Matrix)(&col))
					}
					if err != nil {
						return err
					}
				}
				o := map[string]any{"n": x.Rows, "threshold": thr, "n_flagged": flagged}
				if labels != nil {
					isAnom := make([]bool, len(labels))
					for i, l := range labels {
						isAnom[i] = l != 0
					}
					o["auroc"] = sae.AUROC(scores, isAnom)
					o["auprc"] = sae.AUPRC(scores, isAnom)
				}
				if out != "" {
					o["out"] = out
				}
				if e.json {
					return printJSON(e.stdout, o)
				}
				fmt.Fprintf(e.stdout, "scored %d rows: %d above the threshold %.6g (%.1f%%)\n", x.Rows, flagged, thr, 100*float64(flagged)/float64(max(x.Rows, 1)))
				if labels != nil {
					fmt.Fprintf(e.stdout, "auroc %.4f  auprc %.4f\n", o["auroc"], o["auprc"])
				}
				if out != "" {
					fmt.Fprintf(e.stdout, "wrote %s\n", out)
				}
				return nil
			}
		},
	})
}
