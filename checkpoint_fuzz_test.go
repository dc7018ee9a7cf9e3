package sae

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds Load arbitrary config.json and model.safetensors files:
// it returns a model that works or a one-line error naming a file of the
// directory; it never panics or allocates for a network the weights file
// cannot hold.
func FuzzLoad(f *testing.F) {
	seedDir := f.TempDir()
	for i, cfg := range []Config{
		func() Config { c := DefaultConfig(); c.Hidden = 3; return c }(),
		func() Config {
			c := DefaultConfig()
			c.Layers, c.Hidden, c.Normalize, c.Tied = []int{4, 2}, 2, NormalizeStandard, true
			return c
		}(),
	} {
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		x := NewMatrix(40, 5)
		for j := range x.Data {
			x.Data[j] = float32(rng.NormFloat64())
		}
		cfg.Epochs = 1
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			f.Fatal(err)
		}
		dir := filepath.Join(seedDir, string(rune('a'+i)))
		if err := m.Save(dir); err != nil {
			f.Fatal(err)
		}
		c, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
		w, _ := os.ReadFile(filepath.Join(dir, WeightsFile))
		f.Add(c, w)
		f.Add(c, w[:len(w)-4])
		f.Add([]byte(strings.Replace(string(c), `"inputs": 5`, `"inputs": 16000000`, 1)), w)
		f.Add([]byte(strings.Replace(string(c), `"hidden": `, `"hidden": -`, 1)), w)
		f.Add(c, []byte{})
	}
	f.Add([]byte(`{}`), []byte{})
	f.Add([]byte(`{"format":"sae-model","format_version":1,"architecture":{"kind":"sae","inputs":16777216,"hidden":128,"activation":"relu","output":"linear"},"config":{"activation":"relu","sparsity":"none","loss":"mse","optimizer":"adam","batch":1,"lr":0.1}}`), []byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, cfg, weights []byte) {
		os.WriteFile(filepath.Join(dir, ConfigFile), cfg, 0o644)
		os.WriteFile(filepath.Join(dir, WeightsFile), weights, 0o644)
		m, err := Load(dir)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, dir) || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error %q does not name a file of %s on one line", msg, dir)
			}
			return
		}
		if m.Inputs < 1 || m.Hidden() < 1 {
			t.Fatalf("model widths %d -> %d", m.Inputs, m.Hidden())
		}
		x := NewMatrix(2, m.Inputs)
		if s, err := m.Score(x); err != nil || len(s) != 2 {
			t.Fatalf("Score: %v %v", s, err)
		}
		if c, err := m.Encode(x); err != nil || c.Rows != 2 || c.Cols != m.Hidden() {
			t.Fatalf("Encode: %v", err)
		}
	})
}

// TestLoadHugeArchitecture: a config.json asking for a network of 2^28
// weights beside a small weights file, or of more than 2^31, is refused
// before anything that size is allocated.
func TestLoadHugeArchitecture(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	x := NewMatrix(40, 5)
	for j := range x.Data {
		x.Data[j] = float32(rng.NormFloat64())
	}
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Sparsity, cfg.Ensemble, cfg.Neighbours = 3, 1, SparsityKL, 1, -1
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ConfigFile)
	orig, _ := os.ReadFile(path)
	for _, c := range []struct{ inputs, hidden, want string }{
		{"1048576", "128", WeightsFile + ": 632 bytes, too small for the 271581312 values"}, // 2^28 weights
		{"16777216", "128", ConfigFile + ": architecture [16777216 128] with 0 classes has 4311744640 parameters"},
	} {
		huge := strings.Replace(strings.ReplaceAll(string(orig), `"hidden": 3`, `"hidden": `+c.hidden), `"inputs": 5`, `"inputs": `+c.inputs, 1)
		if !strings.Contains(huge, c.inputs) || !strings.Contains(huge, c.hidden) {
			t.Fatal("config.json has no inputs/hidden to change")
		}
		os.WriteFile(path, []byte(huge), 0o644)
		_, err = Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "too small for the") && !strings.Contains(err.Error(), "parameters, more than") {
			t.Fatalf("Load: %v, want %q", err, c.want)
		}
	}
}
