package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
)

// A destination that cannot take the model is refused before training:
// a file where a directory must be, a full file system (diskFree stubbed).
func TestTrainChecksOutBeforeTraining(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	_, stderr, code := saeRun(t, "train", "--data", f.x, "--out", filepath.Join(file, "sub", "m"), "--epochs", "1")
	if code != 1 || !strings.Contains(stderr, file+" is a file, not a directory") {
		t.Errorf("--out under a file: exit %d: %s", code, stderr)
	}

	// A read-only file system (sysfs, read-only even for root).
	if tf, err := os.CreateTemp("/sys", "sae-*"); err == nil {
		tf.Close()
		os.Remove(tf.Name())
	} else if _, serr := os.Stat("/sys"); serr == nil {
		_, stderr, code = saeRun(t, "train", "--data", f.x, "--out", "/sys/sae-model", "--epochs", "1")
		if code != 1 || !strings.Contains(stderr, "--out /sys/sae-model: cannot write in /sys: ") {
			t.Errorf("--out on a read-only file system: exit %d: %s", code, stderr)
		}
	}

	defer func(f func(string) int64) { diskFree = f }(diskFree)
	var asked string
	diskFree = func(dir string) int64 { asked = dir; return 5000 }
	out := filepath.Join(dir, "new", "m")
	_, stderr, code = saeRun(t, "train", "--data", f.x, "--out", out, "--hidden", "8", "--epochs", "1")
	// 36 -> 8 untied: 36*8+8 + 8*36+36 = 620 parameters, 2480 bytes.
	if code != 0 {
		t.Errorf("room for 2480 bytes in 5000: exit %d: %s", code, stderr)
	}
	if asked != dir {
		t.Errorf("free space asked of %s, want the nearest existing directory %s", asked, dir)
	}
	diskFree = func(string) int64 { return 2000 }
	_, stderr, code = saeRun(t, "train", "--data", f.x, "--out", out+"2", "--hidden", "8", "--epochs", "1")
	if code != 1 || !strings.Contains(stderr, "2.0 kB free in "+filepath.Join(dir, "new")+", the model needs at least 2.5 kB") {
		t.Errorf("full disk: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Errorf("a refused run wrote %s", out+"2")
	}
}

func TestModelParams(t *testing.T) {
	for _, c := range []struct {
		cfg  sae.Config
		d    int
		want int64
	}{
		{sae.Config{Hidden: 8}, 36, 36*8 + 8 + 8*36 + 36},
		{sae.Config{Hidden: 8, Tied: true}, 36, 36*8 + 8 + 36},
		{sae.Config{Layers: []int{6, 2}}, 10, (10*6 + 6 + 6*10 + 10) + (6*2 + 2 + 2*6 + 6)},
		{sae.Config{Layers: []int{6, 2}, Variational: true}, 10, (10*6 + 6 + 6*10 + 10) + (2*(6*2+2) + 2*6 + 6)},
	} {
		if got := modelParams(c.cfg, c.d); got != c.want {
			t.Errorf("modelParams(%+v, %d) = %d, want %d", c.cfg, c.d, got, c.want)
		}
	}
}
