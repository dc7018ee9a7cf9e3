package main

// Before training: can --out be written, and does its file system have
// room for the model? A read-only or full destination found only when the
// model is saved loses the whole run.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/sae-go/sae"
)

// writableDir refuses an output path under which nothing can be created:
// the nearest existing directory above it must take a new file (tried and
// removed), as saving the model will (it creates the missing directories).
func writableDir(out string) error {
	dir := filepath.Dir(filepath.Clean(out))
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("--out %s: %s is a file, not a directory", out, dir)
			}
			break
		}
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) || filepath.Dir(dir) == dir {
			return fmt.Errorf("--out %s: %v", out, err)
		}
		dir = filepath.Dir(dir)
	}
	f, err := os.CreateTemp(dir, ".sae-write-check-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--out %s: cannot write in %s: %v", out, dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// diskFree is the bytes available to this user on the file system of the
// nearest existing directory of path; -1 when unknown. A variable for tests.
var diskFree = freeBytes

// checkSpace refuses an --out whose file system has less room than the
// model's weights need (at least 4 bytes per parameter of the model alone;
// the detector's members and a checkpoint need more).
func checkSpace(out string, cfg sae.Config, rows, cols int, checkpoints bool) error {
	need := 4 * modelParams(cfg.Resolve(cols, rows), cols)
	if checkpoints {
		need *= 2
	}
	dir := filepath.Dir(filepath.Clean(out))
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	if free := diskFree(dir); free >= 0 && free < need {
		return fmt.Errorf("--out %s: %s free in %s, the model needs at least %s: free some space or write elsewhere", out, bytesText(free), dir, bytesText(need))
	}
	return nil
}

// modelParams counts a resolved configuration's weights and biases: each
// layer's encoder (doubled for a variational code) and, unless tied, its
// decoder.
func modelParams(c sae.Config, d int) int64 {
	sizes := append([]int{d}, c.Layers...)
	if len(c.Layers) == 0 {
		sizes = []int{d, c.Hidden}
	}
	var n int64
	for i := 1; i < len(sizes); i++ {
		a, b := int64(sizes[i-1]), int64(sizes[i])
		enc := a*b + b
		if c.Variational && i == len(sizes)-1 {
			enc *= 2
		}
		n += enc + a
		if !c.Tied {
			n += a * b
		}
	}
	return n
}

// bytesText is n bytes as people read them: 12.3 MB.
func bytesText(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"kB", "MB", "GB", "TB", "PB"} {
		if v /= unit; v < unit {
			suffix = s
			break
		}
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
