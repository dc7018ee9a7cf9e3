package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sparseMap is n rows x [n,d] of sparse sums of a few directions and
// their targets y [n,o] = x·A + relu-sparse features mapped by B: a known
// sparse map (each active feature of x writes its own direction of y)
// plus a linear part, the case a skip transcoder fits.
func sparseMap(n, d, o, features int, seed uint64) (x, y Matrix) {
	rng := rand.New(rand.NewPCG(seed, 3))
	fx, fy := make([]float64, features*d), make([]float64, features*o)
	for i := range fx {
		fx[i] = rng.NormFloat64() / math.Sqrt(float64(d))
	}
	for i := range fy {
		fy[i] = rng.NormFloat64() / math.Sqrt(float64(o))
	}
	lin := make([]float64, d*o)
	for i := range lin {
		lin[i] = 0.3 * rng.NormFloat64() / math.Sqrt(float64(d))
	}
	x, y = NewMatrix(n, d), NewMatrix(n, o)
	for i := 0; i < n; i++ {
		xr, yr := x.Row(i), y.Row(i)
		for s := 0; s < 3; s++ {
			f, c := rng.IntN(features), 0.5+rng.Float64()
			for p := 0; p < d; p++ {
				xr[p] += float32(c * fx[f*d+p])
			}
			for q := 0; q < o; q++ {
				yr[q] += float32(c * fy[f*o+q])
			}
		}
		for q := 0; q < o; q++ {
			var v float64
			for p := 0; p < d; p++ {
				v += float64(xr[p]) * lin[p*o+q]
			}
			yr[q] += float32(v)
		}
	}
	return x, y
}

// A transcoder trains on (x, y), predicts y from x (Reconstruct, in the
// target's units, with its scaling) well enough that the FVU of y on
// held-out rows is small, saves and loads to the same predictions, and
// refuses what needs the target it was not given.
func TestTranscoderTrainSaveLoad(t *testing.T) {
	x, y := sparseMap(1200, 12, 7, 16, 1)
	xt, yt := sparseMap(300, 12, 7, 16, 1)
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Hidden, cfg.K, cfg.Skip, cfg.Epochs, cfg.Batch = SparsityTopK, 32, 4, true, 40, 64
	m, err := Train(context.Background(), x, cfg, TrainOptions{Target: y})
	if err != nil {
		t.Fatal(err)
	}
	if m.Outputs() != 7 || !m.Transcoder() || m.Config.Out != 7 || !strings.HasPrefix(m.String(), "transcoder 12 -> 32 -> 7") {
		t.Fatalf("model %s: outputs %d", m, m.Outputs())
	}
	mt, err := m.EvalTarget(xt, yt)
	if err != nil {
		t.Fatal(err)
	}
	if mt.FVU > 0.15 || mt.L0 > 4 {
		t.Errorf("held-out FVU of the target %.4f (l0 %.2f)", mt.FVU, mt.L0)
	}
	if m.History.Val == nil || m.History.All == nil {
		t.Fatal("no validation metrics")
	}
	pred, err := m.Reconstruct(xt)
	if err != nil || pred.Cols != 7 {
		t.Fatalf("predictions %d columns: %v", pred.Cols, err)
	}
	var sse float64
	for i, v := range pred.Data {
		e := float64(v - yt.Data[i])
		sse += e * e
	}
	if got := sse / float64(len(pred.Data)); math.Abs(got-mt.MSE) > 1e-6*(1+mt.MSE) {
		t.Errorf("EvalTarget's mse %g, the predictions' %g", mt.MSE, got)
	}
	dir := filepath.Join(t.TempDir(), "m")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := back.Reconstruct(xt)
	if !slices.Equal(p2.Data, pred.Data) || back.String() != m.String() {
		t.Fatalf("loaded %s predicts differently from %s", back, m)
	}
	if _, err := m.Eval(xt); err == nil || !strings.Contains(err.Error(), "target") {
		t.Errorf("Eval of a transcoder: %v", err)
	}
	if _, err := m.Score(xt); err == nil {
		t.Error("Score of a transcoder: no error")
	}
	if _, err := m.Decode(NewMatrix(2, 32)); err == nil {
		t.Error("Decode of a skip transcoder: no error")
	}
}

// Bad targets and settings a transcoder cannot train with are refused,
// naming what is wrong.
func TestTranscoderRefuses(t *testing.T) {
	x, y := sparseMap(100, 6, 4, 8, 2)
	base := DefaultConfig()
	base.Epochs = 1
	for _, c := range []struct {
		name string
		cfg  func(*Config)
		opt  TrainOptions
		want string
	}{
		{"short target", nil, TrainOptions{Target: Matrix{Rows: 99, Cols: 4, Data: y.Data[:396]}}, "99 rows"},
		{"skip without target", func(c *Config) { c.Skip = true }, TrainOptions{}, "Skip"},
		{"deep", func(c *Config) { c.Layers = []int{5, 3}; c.Sparsity = SparsityKL }, TrainOptions{Target: y}, "Layers"},
		{"tied", func(c *Config) { c.Tied = true; c.Sparsity = SparsityKL }, TrainOptions{Target: y}, "Tied"},
		{"lbfgs", func(c *Config) { c.Optimizer = LBFGS; c.Sparsity = SparsityL1 }, TrainOptions{Target: y}, "Optimizer"},
		{"labels", nil, TrainOptions{Target: y, Labels: make([]int, 100)}, "labels"},
		{"val without target", nil, TrainOptions{Target: y, Val: x}, "ValTarget"},
	} {
		cfg := base
		if c.cfg != nil {
			c.cfg(&cfg)
		}
		_, err := Train(context.Background(), x, cfg, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.want)
		}
	}
}
