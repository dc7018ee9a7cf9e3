package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// Killing sae train with SIGKILL at random moments, again and again,
// never leaves an unloadable model or checkpoint, nor temporary files; and
// resuming each time, the run finishes with exactly the model of an
// uninterrupted run.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 20 processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	x := &data.Matrix{Rows: 3000, Cols: 48, Data: make([]float32, 3000*48)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	xPath := filepath.Join(dir, "x.npy")
	if err := data.WriteNPY(xPath, x); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return []string{"train", "--data", xPath, "--out", out, "--hidden", "64", "--epochs", "300", "--batch", "64",
			"--finetune-epochs", "10", "--noise", "mask:0.1", "--checkpoint-every", "1", "--threads", "2", "--quiet"}
	}
	run := func(a ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], a...)
		cmd.Env = append(os.Environ(), "SAE_TEST_MAIN=1")
		return cmd
	}
	ref := filepath.Join(dir, "ref")
	if b, err := run(args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, b)
	}
	want, err := sae.Load(ref)
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "m")
	ckpt := out + ".checkpoint"
	kills := 0
	for i := 0; i < 20; i++ {
		a := args(out)
		if _, err := os.Stat(filepath.Join(ckpt, sae.StateFile)); err == nil {
			a = append(a, "--resume", ckpt)
		}
		cmd := run(a...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Anywhere in a run: start-up, training, checkpoint writes, saving.
		// (A run that finished first leaves a model; the next starts over.)
		time.Sleep(time.Duration(rng.Int64N(int64(250 * time.Millisecond))))
		cmd.Process.Kill()
		switch err := cmd.Wait(); {
		case err != nil && strings.Contains(err.Error(), "killed"):
			kills++
		case err != nil:
			// Not killed but failed: a damaged checkpoint or model from
			// the run before, refused on resuming.
			t.Fatalf("run %d failed: %v: %s", i+1, err, stderr.String())
		}
		if _, err := os.Stat(out); err == nil {
			if _, err := sae.Load(out); err != nil {
				t.Fatalf("after run %d the model does not load: %v", i+1, err)
			}
		}
	}
	if kills < 15 {
		t.Fatalf("only %d of the runs were killed mid-way", kills)
	}
	t.Logf("%d of 20 runs killed", kills)
	a := args(out)
	if _, err := os.Stat(filepath.Join(ckpt, sae.StateFile)); err == nil {
		a = append(a, "--resume", ckpt)
	}
	if b, err := run(a...).CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, b)
	}
	got, err := sae.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	gw, ww := got.Weights(), want.Weights()
	for k, w := range ww {
		if !slices.Equal(gw[k], w) {
			t.Fatalf("after %d kills the resumed model's %s differs from the uninterrupted run's", kills, k)
		}
	}
	left, _ := os.ReadDir(dir)
	for _, e := range left {
		if strings.Contains(e.Name(), ".tmp-") || strings.Contains(e.Name(), ".old-") || e.Name() == "m.checkpoint" {
			t.Fatalf("left behind: %s", e.Name())
		}
	}
}
