package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// eval prints PCA's FVU with as many components as the model's mean L0
// beside the model's, in text and JSON.
func TestEvalPCABaseline(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--sparsity", "topk", "--hidden", "12", "--k", "2", "--epochs", "10"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	out, stderr, code := saeRun(t, "eval", "--model", model, "--data", x, "--json")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	o := lastJSON(t, out)
	requireKeys(t, "eval", o, "pca_components", "pca_fvu")
	k := int(o["pca_components"].(float64))
	if want := int(math.Round(o["l0"].(float64))); k != want {
		t.Errorf("pca_components %d, want the mean l0 rounded, %d", k, want)
	}
	m, err := sae.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	xm, err := data.Load(x, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.PCAFVU(*xm, k)
	if err != nil {
		t.Fatal(err)
	}
	// The data are one factor plus noise: one component explains most.
	if got := o["pca_fvu"].(float64); got != want || got > 0.5 {
		t.Errorf("pca_fvu %g, want PCAFVU(x, %d) = %g (< 0.5)", got, k, want)
	}
	out, _, _ = saeRun(t, "eval", "--model", model, "--data", x)
	if !strings.Contains(out, "pca_fvu") || !strings.Contains(out, fmt.Sprintf("(PCA-%d:", k)) {
		t.Errorf("eval's text lacks the PCA-%d line:\n%s", k, out)
	}
}

// The trivial scorer on four rows worked by hand: column means (3, 4),
// scales (1, 2): row 0 = (0, 0) is ((0-3)/1)^2 + ((0-4)/2)^2 = 13 over 2
// columns.
func TestMeanDistanceScores(t *testing.T) {
	x := sae.Matrix{Rows: 4, Cols: 2, Data: []float32{0, 0, 2, 4, 4, 4, 6, 8}}
	m := &sae.Model{Inputs: 2, Norm: &sae.Normalizer{Kind: sae.NormalizeStandard, Shift: []float32{100, 100}, Scale: []float32{1, 2}}}
	want := []float64{13.0 / 2, 1.0 / 2, 1.0 / 2, 13.0 / 2}
	got := meanDistanceScores(m, x)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("row %d: %g, want %g", i, got[i], want[i])
		}
	}
}

// score --labels puts the trivial scorer's auroc and auprc and the share
// of anomalies beside the model's, in text and JSON.
func TestScoreBaseline(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "10"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	out, stderr, code := saeRun(t, "score", "--model", model, "--data", x, "--labels", y, "--json")
	if code != 0 {
		t.Fatalf("score: %s", stderr)
	}
	o := lastJSON(t, out)
	requireKeys(t, "score", o, "baseline", "baseline_auroc", "baseline_auprc", "anomaly_fraction")
	if f := o["anomaly_fraction"].(float64); f != 15.0/300 {
		t.Errorf("anomaly_fraction %g, want 15/300", f)
	}
	// The planted anomalies are far from everything: even the trivial
	// scorer finds them, but not better than perfectly.
	if a := o["baseline_auroc"].(float64); a < 0.8 || a > 1 {
		t.Errorf("baseline_auroc %g", a)
	}
	out, _, _ = saeRun(t, "score", "--model", model, "--data", x, "--labels", y)
	if !strings.Contains(out, "baseline auroc") || !strings.Contains(out, "rows' mean") {
		t.Errorf("score's text lacks the baseline:\n%s", out)
	}
}
