package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// --stream on reads the rows from disk a batch at a time and trains the
// same model as loading the file; CSV cannot be streamed and says so.
func TestTrainStream(t *testing.T) {
	dir := t.TempDir()
	csvPath, _ := writeData(t, dir)
	m, err := data.Load(csvPath, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	npy := filepath.Join(dir, "x.npy")
	if err := data.WriteNPY(npy, m); err != nil {
		t.Fatal(err)
	}
	var models [2]*sae.Model
	for i, mode := range []string{"on", "off"} {
		out := filepath.Join(dir, "m-"+mode)
		stdout, stderr, code := saeRun(t, "train", "--data", npy, "--out", out, "--hidden", "4", "--epochs", "3", "--normalize", "robust", "--stream", mode, "--json")
		if code != 0 {
			t.Fatalf("--stream %s: exit %d: %s", mode, code, stderr)
		}
		requireKeys(t, "train", lastJSON(t, stdout), "fvu", "final_loss")
		if models[i], err = sae.Load(out); err != nil {
			t.Fatal(err)
		}
	}
	a, b := models[0].Weights(), models[1].Weights()
	for k, w := range b {
		for i := range w {
			if a[k][i] != w[i] {
				t.Fatalf("%s[%d]: streamed %g, loaded %g", k, i, a[k][i], w[i])
			}
		}
	}
	if models[0].Threshold != models[1].Threshold {
		t.Fatalf("thresholds %g and %g", models[0].Threshold, models[1].Threshold)
	}
	_, stderr, code := saeRun(t, "train", "--data", csvPath, "--out", filepath.Join(dir, "c"), "--stream", "on")
	if code != 1 || !strings.Contains(stderr, "--stream on reads .npy") {
		t.Fatalf("csv with --stream on: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "c")); err == nil {
		t.Fatal("a failed run left its output directory")
	}
	if _, _, code := saeRun(t, "train", "--data", npy, "--out", filepath.Join(dir, "d"), "--stream", "sometimes"); code != 2 {
		t.Fatalf("--stream sometimes: exit %d, want 2", code)
	}
}

// Training (or the demo) into a directory holding anything but an earlier
// model (report) is refused, and the directory is left as it was; an
// earlier model is replaced.
func TestOutputDirectoryIsNotClobbered(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	occupied := filepath.Join(dir, "home")
	os.MkdirAll(occupied, 0o755)
	os.WriteFile(filepath.Join(occupied, "thesis.tex"), []byte("years of work"), 0o644)
	for _, args := range [][]string{
		{"train", "--data", x, "--out", occupied, "--hidden", "3", "--epochs", "1"},
		{"demo", "--out", occupied, "--epochs", "1"},
	} {
		_, stderr, code := saeRun(t, args...)
		if code != 1 || !strings.Contains(stderr, "holds other files (thesis.tex)") {
			t.Fatalf("%s into an occupied directory: exit %d, %q", args[0], code, stderr)
		}
		if b, err := os.ReadFile(filepath.Join(occupied, "thesis.tex")); err != nil || string(b) != "years of work" {
			t.Fatal("the occupied directory was changed")
		}
	}
	m := filepath.Join(dir, "m")
	for i := 0; i < 2; i++ {
		if _, stderr, code := saeRun(t, "train", "--data", x, "--out", m, "--hidden", "3", "--epochs", "1"); code != 0 {
			t.Fatalf("training into %s (run %d): %s", m, i+1, stderr)
		}
	}
}
