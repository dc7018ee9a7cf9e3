package main

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// writePairs writes n rows x [n,d] (sums of two of a dozen directions)
// and their targets y [n,o], a fixed map of x, as x.npy and y.npy in dir.
func writePairs(t *testing.T, dir string, n, d, o int) (string, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(4, 4))
	x, y := sae.NewMatrix(n, d), sae.NewMatrix(n, o)
	for i := 0; i < n; i++ {
		for s := 0; s < 2; s++ {
			j := rng.IntN(12)
			x.Data[i*d+j%d] += float32(0.5 + rng.Float64())
		}
		for q := 0; q < o; q++ {
			y.Data[i*o+q] = 2*float32(math.Max(0, float64(x.Data[i*d+q]-x.Data[i*d+q+1]))) + x.Data[i*d+(q+3)%d] + 1
		}
	}
	xp, yp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := data.WriteNPY(xp, (*data.Matrix)(&x)); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(yp, (*data.Matrix)(&y)); err != nil {
		t.Fatal(err)
	}
	return xp, yp
}

// sae train --target trains a transcoder that reconstruct, eval --target,
// encode, export and import serve; score and eval without a target say
// why they refuse.
func TestTranscoderCommands(t *testing.T) {
	dir := t.TempDir()
	x, y := writePairs(t, dir, 400, 8, 5)
	model := filepath.Join(dir, "tc")
	out, stderr, code := saeRun(t, "train", "--data", x, "--target", y, "--skip", "--out", model, "--sparsity", "batchtopk", "--hidden", "16", "--k", "3", "--epochs", "20", "--batch", "32", "--json")
	if code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	requireKeys(t, "train", lastJSON(t, out), "fvu", "l0", "epochs")
	out, stderr, code = saeRun(t, "eval", "--model", model, "--data", x, "--target", y, "--json")
	if code != 0 {
		t.Fatalf("eval --target: %s", stderr)
	}
	ev := lastJSON(t, out)
	if fvu, _ := ev["fvu"].(float64); !(fvu > 0 && fvu < 0.3) {
		t.Errorf("eval --target: fvu %v", ev["fvu"])
	}
	pred := filepath.Join(dir, "pred.npy")
	if _, stderr, code := saeRun(t, "reconstruct", "--model", model, "--data", x, "--out", pred); code != 0 {
		t.Fatalf("reconstruct: %s", stderr)
	}
	if p, err := data.Load(pred, data.Options{}); err != nil || p.Cols != 5 || p.Rows != 400 {
		t.Fatalf("predictions %v: %v", p, err)
	}
	for _, args := range [][]string{{"score", "--model", model, "--data", x}, {"eval", "--model", model, "--data", x}} {
		if _, stderr, code := saeRun(t, args...); code != 1 || !strings.Contains(stderr, "--target") {
			t.Errorf("%s of a transcoder: exit %d, %q", args[0], code, stderr)
		}
	}
	exp, imp := filepath.Join(dir, "exported"), filepath.Join(dir, "imported")
	if out, stderr, code := saeRun(t, "export", "--model", model, "--format", "saelens", "--out", exp, "--json"); code != 0 || lastJSON(t, out)["architecture"] != "jumprelu_skip_transcoder" {
		t.Fatalf("export: %s %s", out, stderr)
	}
	if _, stderr, code := saeRun(t, "import", "--in", exp, "--out", imp); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	pred2 := filepath.Join(dir, "pred2.npy")
	if _, stderr, code := saeRun(t, "reconstruct", "--model", imp, "--data", x, "--out", pred2); code != 0 {
		t.Fatalf("reconstruct with the imported model: %s", stderr)
	}
	a, _ := data.Load(pred, data.Options{})
	b, _ := data.Load(pred2, data.Options{})
	for i := range a.Data {
		if math.Abs(float64(a.Data[i]-b.Data[i])) > 1e-4*(1+math.Abs(float64(a.Data[i]))) {
			t.Fatalf("prediction %d: %g imported, %g trained", i, b.Data[i], a.Data[i])
		}
	}
	// Usage errors.
	for _, args := range [][]string{
		{"train", "--data", x, "--out", filepath.Join(dir, "m"), "--skip"},
		{"train", "--data", x, "--out", filepath.Join(dir, "m"), "--val-target", y},
		{"train", "--data", x, "--out", filepath.Join(dir, "m"), "--target", y, "--labels", y},
		{"train", "--data", x, "--out", filepath.Join(dir, "m"), "--target", y, "--layers", "6,4"},
		{"train", "--data", x, "--out", filepath.Join(dir, "m"), "--target", y, "--val", x},
	} {
		if _, stderr, code := saeRun(t, args...); code != 2 {
			t.Errorf("sae %s: exit %d, want 2 (%q)", strings.Join(args, " "), code, stderr)
		}
	}
	// A target of other rows is an error naming the file.
	short := filepath.Join(dir, "short.npy")
	sm := sae.NewMatrix(10, 5)
	data.WriteNPY(short, (*data.Matrix)(&sm))
	if _, stderr, code := saeRun(t, "train", "--data", x, "--target", short, "--out", filepath.Join(dir, "m")); code != 1 || !strings.Contains(stderr, "short.npy") {
		t.Errorf("short target: exit %d, %q", code, stderr)
	}
}
