package sae

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sae-go/sae/internal/malformed"
)

// goodModelDir saves a small model of the kind internal/malformed starts
// from: one layer, untied, relu, linear output, normalised.
func goodModelDir(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 5))
	x := NewMatrix(100, 6)
	for i := range x.Data {
		x.Data[i] = float32(3 + 2*rng.NormFloat64())
	}
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Activation, cfg.Sparsity, cfg.Normalize = 4, 1, ReLU, SparsityL1, NormalizeStandard
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "good")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadMalformed runs the table of malformed model directories through
// Load: every one is refused, within seconds (the named pipe and
// /dev/zero cases hang without the checks), with one line that names the
// file at fault and says what is wrong, and without allocating more than
// a few megabytes (the crafted architectures ask for gigabytes).
func TestLoadMalformed(t *testing.T) {
	good := goodModelDir(t)
	if _, err := Load(good); err != nil {
		t.Fatal(err)
	}
	gm, err := malformed.Read(good)
	if err != nil {
		t.Fatal(err)
	}
	cases := malformed.Cases()
	if len(cases) < 51 {
		t.Fatalf("%d cases, want at least 51", len(cases))
	}
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), fmt.Sprintf("m%02d", i))
			closer, err := c.Build(dir, gm)
			if err != nil {
				t.Fatal(err)
			}
			defer closer()
			err = loadBounded(t, dir)
			checkRefusal(t, c, dir, err)
		})
	}
}

// loadBounded calls Load(dir) and fails the test if it takes more than
// 10 s or allocates more than 64 MiB.
func loadBounded(t *testing.T, dir string) error {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan error, 1)
	go func() {
		_, err := Load(dir)
		done <- err
	}()
	select {
	case err := <-done:
		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; a > 64<<20 {
			t.Errorf("Load allocated %d MiB", a>>20)
		}
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%s) has not returned after 10 s", dir)
		return nil
	}
}

// checkRefusal checks that err refuses case c built at dir: one line,
// starting with the file at fault, holding c.Want.
func checkRefusal(t *testing.T, c malformed.Case, dir string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("loaded")
	}
	msg := err.Error()
	path := dir
	if c.File != "" {
		path = filepath.Join(dir, c.File)
	}
	if strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, path+":") || !strings.Contains(msg, c.Want) {
		t.Errorf("error %q: want one line starting %q and holding %q", msg, path+":", c.Want)
	}
}
