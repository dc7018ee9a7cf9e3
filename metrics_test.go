package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// Eval's MSE and FVU, computed in one pass over chunks, equal a direct
// float64 computation from the reconstructions: sum of squared errors over
// the sum of squared deviations from the per-feature means (two passes).
// The data sit far from zero with a small spread, where a one-pass sum of
// squares would cancel, and span several chunks, one of them partial.
func TestEvalFVUMatchesDirect(t *testing.T) {
	const n, d = 2*inferChunk + 37, 6
	rng := rand.New(rand.NewPCG(3, 4))
	x := NewMatrix(n, d)
	for i := 0; i < n; i++ {
		for j := range x.Row(i) {
			x.Row(i)[j] = float32(1e4*float64(j+1) + 0.5*rng.NormFloat64() + 0.3*math.Sin(float64(i)))
		}
	}
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs = 4, 1
	cfg.Normalize = NormalizeStandard
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.chunkRows() >= n {
		t.Fatalf("chunk of %d rows: the data must span several", m.chunkRows())
	}
	mt, err := m.Eval(x)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.Reconstruct(x)
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v) / n
		}
	}
	var sse, sst float64
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			e := float64(rec.Row(i)[j]) - float64(v)
			c := float64(v) - mean[j]
			sse += e * e
			sst += c * c
		}
	}
	if want := sse / (n * d); math.Abs(mt.MSE-want) > 1e-9*want {
		t.Errorf("mse %.12g, direct %.12g", mt.MSE, want)
	}
	if want := sse / sst; math.Abs(mt.FVU-want) > 1e-9*want {
		t.Errorf("fvu %.12g, direct %.12g", mt.FVU, want)
	}
}

// colMoments over uneven pieces gives the moments of the whole.
func TestColMoments(t *testing.T) {
	const d = 3
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, 50*d)
	for i := range x {
		x[i] = float32(1e6 + rng.NormFloat64())
	}
	mom := newColMoments(d)
	seen := 0
	for _, rows := range []int{1, 7, 30, 12} {
		mom.add(x[seen*d:(seen+rows)*d], rows)
		seen += rows
	}
	for j := 0; j < d; j++ {
		var mu, s float64
		for i := 0; i < 50; i++ {
			mu += float64(x[i*d+j]) / 50
		}
		for i := 0; i < 50; i++ {
			c := float64(x[i*d+j]) - mu
			s += c * c
		}
		if math.Abs(mom.mean[j]-mu) > 1e-9 || math.Abs(mom.m2[j]-s) > 1e-9*s {
			t.Errorf("column %d: mean %.12g m2 %.12g, want %.12g %.12g", j, mom.mean[j], mom.m2[j], mu, s)
		}
	}
}

// TestEvalScoreOnePass checks that the pass training ends with gives the
// same metrics as EvalSource and the same scores as ScoreSource, to the
// bit, for the model kinds whose reconstructions are computed differently.
func TestEvalScoreOnePass(t *testing.T) {
	x := sparseData(300, 12, 8, 2, 3)
	kinds := map[string]func(c *Config){
		"mse relu standard": func(c *Config) { c.Normalize = NormalizeStandard },
		"bce sigmoid kl":    func(c *Config) { c.Loss, c.Activation, c.Sparsity = BCE, Sigmoid, SparsityKL },
		"topk":              func(c *Config) { c.Sparsity, c.K = SparsityTopK, 3 },
		"deep":              func(c *Config) { c.Layers = []int{10, 6} },
		"variational":       func(c *Config) { c.Variational, c.Sparsity = true, SparsityNone },
	}
	for name, set := range kinds {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.ValSplit = 8, 3, 32, 0.2
			set(&cfg)
			m, err := Train(context.Background(), x, cfg, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if m.History.All == nil || m.History.All.N != x.Rows {
				t.Fatalf("History.All = %+v, want metrics on all %d rows", m.History.All, x.Rows)
			}
			mt, scores, err := m.evalScoreSource(x)
			if err != nil {
				t.Fatal(err)
			}
			want, err := m.EvalSource(x)
			if err != nil {
				t.Fatal(err)
			}
			wantScores, err := m.ScoreSource(x)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(mt, want) {
				t.Errorf("metrics %+v, EvalSource %+v", mt, want)
			}
			if !reflect.DeepEqual(*m.History.All, want) {
				t.Errorf("History.All %+v, EvalSource %+v", *m.History.All, want)
			}
			for i := range scores {
				if scores[i] != wantScores[i] {
					t.Fatalf("score %d = %v, ScoreSource %v", i, scores[i], wantScores[i])
				}
			}
			if q := Quantile(wantScores, 1-m.Config.Contamination); m.Threshold != q {
				t.Errorf("threshold %v, from ScoreSource %v", m.Threshold, q)
			}
		})
	}
}
