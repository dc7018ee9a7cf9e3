package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/data"
)

// train (relu, l1, standard normalisation) -> export -> import: the
// imported model's codes and reconstructions of the raw data are the
// trained model's, and the exported weights on raw data give them too.
func TestExportImportCommands(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "5", "--epochs", "3",
		"--activation", "relu", "--sparsity", "l1", "--normalize", "standard"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	exp := filepath.Join(dir, "exported")
	out, stderr, code := saeRun(t, "export", "--model", model, "--format", "saelens", "--out", exp, "--json")
	if code != 0 {
		t.Fatalf("export exit %d: %s", code, stderr)
	}
	res := lastJSON(t, out)
	requireKeys(t, "export", res, "out", "format", "architecture", "d_in", "d_sae", "folded_normalize")
	if res["architecture"] != "standard" || res["folded_normalize"] != "standard" || res["d_in"] != 8.0 || res["d_sae"] != 5.0 {
		t.Errorf("export JSON %v", res)
	}
	// Exporting again over the earlier export is fine.
	if _, stderr, code := saeRun(t, "export", "--model", model, "--out", exp); code != 0 {
		t.Fatalf("re-export: %s", stderr)
	}
	imp := filepath.Join(dir, "imported")
	out, stderr, code = saeRun(t, "import", "--in", exp, "--out", imp, "--json")
	if code != 0 {
		t.Fatalf("import exit %d: %s", code, stderr)
	}
	if r := lastJSON(t, out); r["format"] != "saelens" || r["d_sae"] != 5.0 {
		t.Errorf("import JSON %v", r)
	}
	for _, cmd := range []string{"encode", "reconstruct"} {
		a, b := filepath.Join(dir, cmd+"-a.npy"), filepath.Join(dir, cmd+"-b.npy")
		for _, c := range [][2]string{{model, a}, {imp, b}} {
			if _, stderr, code := saeRun(t, cmd, "--model", c[0], "--data", x, "--out", c[1]); code != 0 {
				t.Fatalf("%s --model %s: %s", cmd, c[0], stderr)
			}
		}
		ma, err := data.Load(a, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		mb, err := data.Load(b, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range ma.Data {
			worst = math.Max(worst, math.Abs(float64(ma.Data[i]-mb.Data[i]))/math.Max(1, math.Abs(float64(ma.Data[i]))))
		}
		if worst > 1e-4 {
			t.Errorf("%s: the imported model differs by %g", cmd, worst)
		}
	}
}

// An imported model has no anomaly threshold: sae score warns that it
// flags every row above 0; imported with --data, its threshold is the
// quantile of the scores on that data that --contamination asks for.
func TestImportThreshold(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "2",
		"--activation", "relu", "--sparsity", "l1"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	exp := filepath.Join(dir, "exported")
	if _, stderr, code := saeRun(t, "export", "--model", model, "--out", exp); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	bare := filepath.Join(dir, "bare")
	if _, stderr, code := saeRun(t, "import", "--in", exp, "--out", bare); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	if _, stderr, code := saeRun(t, "score", "--model", bare, "--data", x); code != 0 || !strings.Contains(stderr, "no anomaly threshold") {
		t.Errorf("score with an imported model: exit %d, stderr %q; want a warning about the threshold", code, stderr)
	}
	if _, stderr, _ := saeRun(t, "score", "--model", bare, "--data", x, "--contamination", "0.2"); stderr != "" {
		t.Errorf("score --contamination warned: %q", stderr)
	}
	// The threshold score --contamination 0.2 computes on x.
	out, stderr, code := saeRun(t, "score", "--model", bare, "--data", x, "--contamination", "0.2", "--json")
	if code != 0 {
		t.Fatalf("score: %s", stderr)
	}
	want := lastJSON(t, out)["threshold"].(float64)
	fitted := filepath.Join(dir, "fitted")
	out, stderr, code = saeRun(t, "import", "--in", exp, "--out", fitted, "--data", x, "--contamination", "0.2", "--json")
	if code != 0 {
		t.Fatalf("import --data: %s", stderr)
	}
	if got := lastJSON(t, out)["threshold"].(float64); got != want || got <= 0 {
		t.Errorf("import --data threshold %g, want %g (> 0)", got, want)
	}
	out, stderr, code = saeRun(t, "score", "--model", fitted, "--data", x, "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("score with the fitted model: exit %d, stderr %q", code, stderr)
	}
	if r := lastJSON(t, out); r["threshold"].(float64) != want || r["n_flagged"].(float64) == 0 {
		t.Errorf("score with the fitted model: %v, want threshold %g and some rows flagged", r, want)
	}
}

func TestExportImportErrors(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	sig := filepath.Join(dir, "sig")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", sig, "--hidden", "3", "--epochs", "1", "--activation", "sigmoid"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	relu := filepath.Join(dir, "relu")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", relu, "--hidden", "3", "--epochs", "1", "--activation", "relu", "--sparsity", "l1"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	narrow := filepath.Join(dir, "narrow.csv")
	os.WriteFile(narrow, []byte("1,2\n3,4\n"), 0o644)
	relu2 := filepath.Join(dir, "relu-saelens")
	if _, stderr, code := saeRun(t, "export", "--model", relu, "--out", relu2); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	occupied := filepath.Join(dir, "occupied")
	os.MkdirAll(occupied, 0o755)
	os.WriteFile(filepath.Join(occupied, "notes.txt"), []byte("keep me"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "--model", relu, "--format", "onnx", "--out", filepath.Join(dir, "o")}, 2, "--format"},
		{[]string{"export", "--model", relu}, 2, "--out is required"},
		{[]string{"export", "--model", sig, "--out", filepath.Join(dir, "o")}, 1, "SAELens cannot express"},
		{[]string{"export", "--model", relu, "--out", occupied}, 1, "holds other files (notes.txt)"},
		{[]string{"export", "--model", filepath.Join(dir, "none"), "--out", filepath.Join(dir, "o")}, 1, "no such model directory"},
		{[]string{"import", "--out", filepath.Join(dir, "o")}, 2, "--in is required"},
		{[]string{"import", "--in", relu, "--out", filepath.Join(dir, "o"), "--format", "onnx"}, 2, "--format"},
		{[]string{"import", "--in", relu, "--out", filepath.Join(dir, "o")}, 1, "neither sae_weights.safetensors"},
		{[]string{"import", "--in", relu, "--out", filepath.Join(dir, "o"), "--format", "saelens"}, 1, "no cfg.json"},
		{[]string{"import", "--in", relu, "--out", filepath.Join(dir, "o"), "--contamination", "0.1"}, 2, "apply to --data"},
		{[]string{"import", "--in", relu, "--out", filepath.Join(dir, "o"), "--data", x, "--contamination", "0.7"}, 2, "--contamination must be in"},
		{[]string{"import", "--in", relu2, "--out", filepath.Join(dir, "o"), "--data", narrow}, 1, "narrow.csv: rows have 2 values, the model expects 8"},
		{[]string{"import", "--in", relu2, "--out", filepath.Join(dir, "o"), "--data", filepath.Join(dir, "none.npy")}, 1, "none.npy"},
	} {
		_, stderr, code := saeRun(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("sae %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
		}
		if strings.Contains(stderr, "goroutine") {
			t.Errorf("stack trace on stderr")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o")); err == nil {
		t.Error("a refused export or import wrote its --out")
	}
	if b, err := os.ReadFile(filepath.Join(occupied, "notes.txt")); err != nil || string(b) != "keep me" {
		t.Fatal("a refused export touched the occupied directory")
	}
	if _, err := os.Stat(filepath.Join(dir, "o")); err == nil {
		t.Fatal("a failed command left its output directory")
	}
}
