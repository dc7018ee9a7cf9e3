package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
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

// encode --sparse writes each row's active latents, largest first: the
// dense codes again when put back, [n, k] for a topk model; an l1 model's
// rows padded to the most active of any row with -1 and 0.
func TestEncodeSparse(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	for _, c := range []struct {
		name  string
		train []string
		fixed int
	}{
		{"topk", []string{"--sparsity", "topk", "--hidden", "12", "--k", "3"}, 3},
		{"l1", []string{"--sparsity", "l1", "--l1", "0.01", "--hidden", "6", "--activation", "relu"}, 0},
	} {
		model := filepath.Join(dir, c.name)
		if _, stderr, code := saeRun(t, append([]string{"train", "--data", x, "--out", model, "--epochs", "5"}, c.train...)...); code != 0 {
			t.Fatalf("train %s: %s", c.name, stderr)
		}
		dense := filepath.Join(dir, c.name+".npy")
		if _, stderr, code := saeRun(t, "encode", "--model", model, "--data", x, "--out", dense); code != 0 {
			t.Fatalf("encode: %s", stderr)
		}
		sparse := filepath.Join(dir, c.name+".npz")
		out, stderr, code := saeRun(t, "encode", "--model", model, "--data", x, "--sparse", "--out", sparse, "--json")
		if code != 0 {
			t.Fatalf("encode --sparse: %s", stderr)
		}
		k := int(lastJSON(t, out)["k"].(float64))
		d, err := data.Load(dense, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		idx, err := data.Load(sparse, data.Options{Key: "indices"})
		if err != nil {
			t.Fatal(err)
		}
		val, err := data.Load(sparse, data.Options{Key: "values"})
		if err != nil {
			t.Fatal(err)
		}
		if idx.Rows != d.Rows || idx.Cols != k || val.Cols != k || c.fixed > 0 && k != c.fixed {
			t.Fatalf("%s: indices %dx%d, values %dx%d, k %d; want %d rows", c.name, idx.Rows, idx.Cols, val.Rows, val.Cols, k, d.Rows)
		}
		most, padded := 0, 0
		for i := range d.Rows {
			back := make([]float32, d.Cols)
			active := 0
			for p := range k {
				j, v := int(idx.Data[i*k+p]), val.Data[i*k+p]
				if j < 0 {
					padded++
					if v != 0 {
						t.Fatalf("%s row %d: padding with value %g", c.name, i, v)
					}
					continue
				}
				if p > 0 && idx.Data[i*k+p-1] >= 0 && math.Abs(float64(v)) > math.Abs(float64(val.Data[i*k+p-1])) {
					t.Errorf("%s row %d: pair %d larger than pair %d", c.name, i, p, p-1)
				}
				back[j] = v
				active++
			}
			most = max(most, active)
			for j, v := range d.Row(i) {
				if math.Abs(float64(v)) > 1e-6 && back[j] != v || math.Abs(float64(v)) <= 1e-6 && back[j] != 0 {
					t.Fatalf("%s row %d latent %d: dense %g, from the pairs %g", c.name, i, j, v, back[j])
				}
			}
		}
		if c.fixed == 0 && (most != k || padded == 0) {
			t.Errorf("%s: width %d, the most active latents of a row %d, %d pads: want the width the most, some padding", c.name, k, most, padded)
		}
	}
	// CSV and JSON lines: the same pairs, unpadded.
	model := filepath.Join(dir, "topk")
	csvOut, jsonlOut := filepath.Join(dir, "c.csv"), filepath.Join(dir, "c.jsonl")
	for _, o := range []string{csvOut, jsonlOut} {
		if _, stderr, code := saeRun(t, "encode", "--model", model, "--data", x, "--sparse", "--out", o); code != 0 {
			t.Fatalf("encode --sparse --out %s: %s", o, stderr)
		}
	}
	b, _ := os.ReadFile(csvOut)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "row,latent,value" || !strings.HasPrefix(lines[1], "0,") {
		t.Errorf("csv starts %q", lines[:2])
	}
	b, _ = os.ReadFile(jsonlOut)
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	var first struct {
		Indices []int     `json:"indices"`
		Values  []float32 `json:"values"`
	}
	if err := json.Unmarshal([]byte(rows[0]), &first); err != nil || len(rows) != 300 || len(first.Indices) != len(first.Values) || len(first.Indices) > 3 {
		t.Errorf("jsonl: %d rows, first %+v, %v", len(rows), first, err)
	}
	if _, stderr, code := saeRun(t, "encode", "--model", model, "--data", x, "--sparse", "--out", filepath.Join(dir, "c.npy")); code != 2 || !strings.Contains(stderr, ".npz") {
		t.Errorf("--sparse to .npy: exit %d, %s", code, stderr)
	}
}

// predict writes the predicted class beside the probabilities: .npz
// arrays class and proba, .csv columns class, prob_0, prob_1.
func TestPredictWritesClass(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	model := filepath.Join(dir, "clf")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--labels", y, "--out", model, "--layers", "6,3", "--stacked",
		"--activation", "relu", "--sparsity", "l1", "--epochs", "2", "--supervised-epochs", "5"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	npz := filepath.Join(dir, "p.npz")
	out, stderr, code := saeRun(t, "predict", "--model", model, "--data", x, "--out", npz, "--json")
	if code != 0 {
		t.Fatalf("predict: %s", stderr)
	}
	requireKeys(t, "predict", lastJSON(t, out), "classes", "class_counts")
	cls, err := data.LoadLabelsKey(npz, "class")
	if err != nil {
		t.Fatal(err)
	}
	proba, err := data.Load(npz, data.Options{Key: "proba"})
	if err != nil {
		t.Fatal(err)
	}
	labels, err := data.LoadLabels(y)
	if err != nil {
		t.Fatal(err)
	}
	if len(cls) != 300 || proba.Rows != 300 || proba.Cols != 2 {
		t.Fatalf("class %d, proba %dx%d", len(cls), proba.Rows, proba.Cols)
	}
	correct := 0
	for i, c := range cls {
		p := proba.Row(i)
		if p[c] < p[1-c] {
			t.Fatalf("row %d: class %d but probabilities %v", i, c, p)
		}
		if c == labels[i] {
			correct++
		}
	}
	if correct < 270 {
		t.Errorf("%d of 300 classes right", correct)
	}
	csvOut := filepath.Join(dir, "p.csv")
	if _, stderr, code := saeRun(t, "predict", "--model", model, "--data", x, "--out", csvOut); code != 0 {
		t.Fatalf("predict csv: %s", stderr)
	}
	b, _ := os.ReadFile(csvOut)
	lines := strings.Split(string(b), "\n")
	if lines[0] != "class,prob_0,prob_1" || !strings.HasPrefix(lines[1], fmt.Sprint(cls[0])+",") {
		t.Errorf("csv starts %q, want the header and class %d", lines[:2], cls[0])
	}
}

// A .npz of one array is data without --key; --labels-key names the
// labels array of a .npz with several.
func TestNPZOnlyArrayAndLabelsKey(t *testing.T) {
	dir := t.TempDir()
	xcsv, ycsv := writeData(t, dir)
	xm, err := data.Load(xcsv, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	labels, err := data.LoadLabels(ycsv)
	if err != nil {
		t.Fatal(err)
	}
	y32 := make([]int32, len(labels))
	for i, l := range labels {
		y32[i] = int32(l)
	}
	only := filepath.Join(dir, "only.npz")
	both := filepath.Join(dir, "both.npz")
	if err := data.WriteNPZ(only, data.NPZArray{Name: "arr_0", Shape: []int{xm.Rows, xm.Cols}, F32: xm.Data}); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPZ(both, data.NPZArray{Name: "X", Shape: []int{xm.Rows, xm.Cols}, F32: xm.Data},
		data.NPZArray{Name: "is_outlier", Shape: []int{len(y32)}, I32: y32}); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", only, "--out", model, "--hidden", "4", "--epochs", "5"); code != 0 {
		t.Fatalf("train on a one-array .npz: %s", stderr)
	}
	_, stderr, code := saeRun(t, "score", "--model", model, "--data", both, "--labels", both)
	if code != 1 || !strings.Contains(stderr, `no array "y" (arrays: X, is_outlier)`) {
		t.Errorf("labels without --labels-key: exit %d, %s", code, stderr)
	}
	out, stderr, code := saeRun(t, "score", "--model", model, "--data", both, "--labels", both, "--labels-key", "is_outlier", "--json")
	if code != 0 {
		t.Fatalf("score --labels-key: %s", stderr)
	}
	if a := lastJSON(t, out)["auroc"].(float64); a < 0.8 {
		t.Errorf("auroc %g", a)
	}
	_, stderr, code = saeRun(t, "score", "--model", model, "--data", both, "--labels", ycsv, "--labels-key", "is_outlier")
	if code != 1 || !strings.Contains(stderr, `labels key "is_outlier"`) {
		t.Errorf("--labels-key on .csv labels: exit %d, %s", code, stderr)
	}
}
