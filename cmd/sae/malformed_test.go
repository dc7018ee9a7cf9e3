package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sae-go/sae/internal/malformed"
)

// trainGood trains the kind of model internal/malformed starts from (one
// layer, untied, relu, linear output, normalised) on the data of
// writeData, and returns its directory and the data file.
func trainGood(t *testing.T) (model, x string) {
	t.Helper()
	dir := t.TempDir()
	x, _ = writeData(t, dir)
	model = filepath.Join(dir, "good")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "1",
		"--activation", "relu", "--sparsity", "l1", "--normalize", "standard", "--quiet"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	return model, x
}

// TestEvalMalformed: sae eval refuses every malformed model directory of
// the table with exit status 1 and one line on stderr naming the file,
// within seconds and megabytes (a named pipe or /dev/zero used to hang
// it; a crafted config.json to exhaust memory).
func TestEvalMalformed(t *testing.T) {
	good, x := trainGood(t)
	if _, stderr, code := saeRun(t, "eval", "--model", good, "--data", x); code != 0 {
		t.Fatalf("eval of the good model: %s", stderr)
	}
	gm, err := malformed.Read(good)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range malformed.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), fmt.Sprintf("m%02d", i))
			closer, err := c.Build(dir, gm)
			if err != nil {
				t.Fatal(err)
			}
			defer closer()
			type result struct {
				stdout, stderr string
				code           int
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			done := make(chan result, 1)
			go func() {
				o, e, code := saeRun(t, "eval", "--model", dir, "--data", x)
				done <- result{o, e, code}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("sae eval has not returned after 10 s")
			}
			runtime.ReadMemStats(&after)
			if a := after.TotalAlloc - before.TotalAlloc; a > 64<<20 {
				t.Errorf("sae eval allocated %d MiB", a>>20)
			}
			path := dir
			if c.File != "" {
				path = filepath.Join(dir, c.File)
			}
			if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
				!strings.HasPrefix(r.stderr, "sae: error: "+path+":") || !strings.Contains(r.stderr, c.Want) {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit 1 and one line naming %s with %q", r.code, r.stdout, r.stderr, path, c.Want)
			}
		})
	}
}
