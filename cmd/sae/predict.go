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
		summary: "predicted classes and their probabilities from a model trained with --labels",
		usage:   "--model DIR --data F --out F.npz|F.csv|F.npy [--labels F]",
		examples: []string{
			"sae predict --model clf --data test.npy --out pred.npz   # arrays class (int32 [n]) and proba (float32 [n, classes])",
			"sae predict --model clf --data test.csv --out pred.csv   # columns class, prob_0, prob_1, ...",
			"sae predict --model clf --data $FM/t10k-images-idx3-ubyte.gz --labels $FM/t10k-labels-idx1-ubyte.gz --out p.npy --json",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var labelsPath string
			fs.StringVar(&labelsPath, "labels", "", "true labels `file`: report the accuracy")
			acc := func(x, p sae.Matrix, o map[string]any) error {
				if labelsPath == "" {
					return nil
				}
				y, err := e.loadLabels(labelsPath)
				if err != nil {
					return err
				}
				if len(y) != p.Rows {
					return fmt.Errorf("%s: %d labels for %d rows", labelsPath, len(y), p.Rows)
				}
				correct := 0
				for i, c := range argmaxRows(p) {
					if int(c) == y[i] {
						correct++
					}
				}
				o["accuracy"] = float64(correct) / float64(len(y))
				return nil
			}
			return setupTransform(fs, e, "class probabilities", func(m *sae.Model, x sae.Matrix) (sae.Matrix, error) { return m.Predict(x) }, acc,
				func() *transformOut {
					return &transformOut{exts: []string{".npy", ".csv", ".npz"}, write: writePredictions}
				})
		},
	})
}

// argmaxRows is each row's column of the largest value (the first of
// equals): the predicted class of each row of probabilities.
func argmaxRows(p sae.Matrix) []int32 {
	cls := make([]int32, p.Rows)
	for i := range p.Rows {
		row := p.Row(i)
		for j := range row {
			if row[j] > row[cls[i]] {
				cls[i] = int32(j)
			}
		}
	}
	return cls
}

// writePredictions is predict's writer: .npz arrays class (int32 [n]) and
// proba (float32 [n, classes]), as scikit-learn's predict and
// predict_proba return them; .csv the columns class, prob_0, prob_1, ...
// under a header; .npy the probabilities alone, [n, classes].
func writePredictions(out string, _ *sae.Model, p sae.Matrix, o map[string]any) (string, error) {
	cls := argmaxRows(p)
	counts := make([]int, p.Cols)
	for _, c := range cls {
		counts[c]++
	}
	o["classes"], o["class_counts"] = p.Cols, counts
	switch {
	case hasSuffixFold(out, ".npz"):
		err := data.WriteNPZ(out,
			data.NPZArray{Name: "class", Shape: []int{p.Rows}, I32: cls},
			data.NPZArray{Name: "proba", Shape: []int{p.Rows, p.Cols}, F32: p.Data})
		return fmt.Sprintf("wrote %s: class (int32 [%d]) and proba (float32 [%d, %d])", out, p.Rows, p.Rows, p.Cols), err
	case hasSuffixFold(out, ".csv"):
		t := sae.NewMatrix(p.Rows, p.Cols+1)
		header := []string{"class"}
		for j := range p.Cols {
			header = append(header, fmt.Sprintf("prob_%d", j))
		}
		for i := range p.Rows {
			t.Data[i*(p.Cols+1)] = float32(cls[i])
			copy(t.Data[i*(p.Cols+1)+1:], p.Row(i))
		}
		err := data.WriteCSV(out, &t, header)
		return fmt.Sprintf("wrote %s: %d rows of class, prob_0 ... prob_%d", out, p.Rows, p.Cols-1), err
	}
	err := data.Write(out, &p)
	return fmt.Sprintf("wrote %s: %d rows x %d class probabilities (the predicted class, the column of the largest, is in .npz and .csv outputs)", out, p.Rows, p.Cols), err
}
