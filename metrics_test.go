package sae

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/sae-go/sae/internal/stats"
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
		"mse sigmoid standard": func(c *Config) { c.Sparsity, c.Normalize = SparsityKL, NormalizeStandard },
		"bce sigmoid kl":       func(c *Config) { c.Loss, c.Activation, c.Sparsity = BCE, Sigmoid, SparsityKL },
		"topk":                 func(c *Config) { c.Sparsity, c.K = SparsityTopK, 3 },
		"deep":                 func(c *Config) { c.Layers, c.Hidden = []int{10, 6}, 0 },
		"variational":          func(c *Config) { c.Variational, c.Sparsity = true, SparsityNone },
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
			want, err := m.Eval(x)
			if err != nil {
				t.Fatal(err)
			}
			wantScores, err := m.ownScores(x)
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
			// The threshold is Score's quantile on the training rows, each
			// not counted among its own nearest training rows.
			var own []float64
			if m.selfScored() || len(m.detector) == 0 {
				own = wantScores
			}
			combined, err := m.detectorScores(x, own)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.withNeighbours(x, combined, true); err != nil {
				t.Fatal(err)
			}
			if q := stats.Quantile(combined, 1-m.Config.Contamination); m.Threshold != q {
				t.Errorf("threshold %v, from the training rows' scores %v", m.Threshold, q)
			}
		})
	}
}

// TestSaveConstantRows trains on rows that do not vary, whose FVU is NaN,
// with and without validation rows: the model must save, and a NaN must
// load back as NaN.
func TestSaveConstantRows(t *testing.T) {
	x := NewMatrix(10, 4)
	for i := range x.Data {
		x.Data[i] = float32(i % 4)
	}
	for _, split := range []float64{0, 0.3} {
		cfg := DefaultConfig()
		cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.ValSplit = 3, 2, 4, split
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(m.History.All.FVU) {
			t.Fatalf("split %v: FVU of constant rows %v, want NaN", split, m.History.All.FVU)
		}
		dir := t.TempDir()
		if err := m.Save(dir); err != nil {
			t.Fatalf("split %v: %v", split, err)
		}
		back, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if split > 0 {
			if back.History.Val == nil || !math.IsNaN(back.History.Val.FVU) || back.History.Val.N != m.History.Val.N || back.History.Val.MSE != m.History.Val.MSE {
				t.Errorf("validation metrics loaded as %+v, saved %+v", back.History.Val, m.History.Val)
			}
		}
	}
}

func TestMetricsJSON(t *testing.T) {
	m := Metrics{N: 3, MSE: 0.25, FVU: math.NaN(), L0: math.Inf(1), MeanActivation: 1e-7, Loss: 2}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"n":3,"mse":0.25,"fvu":null,"l0":null,"mean_activation":1e-7,"dead_fraction":0,"jacobian_norm":0,"loss":2}`; string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.N != 3 || back.MSE != 0.25 || !math.IsNaN(back.FVU) || !math.IsNaN(back.L0) || back.MeanActivation != 1e-7 || back.Loss != 2 {
		t.Errorf("read back %+v", back)
	}
	// A file without a key keeps it zero, as before.
	if err := json.Unmarshal([]byte(`{"n":1,"mse":1}`), &back); err != nil || back.FVU != 0 || back.MSE != 1 {
		t.Errorf("old file: %+v, %v", back, err)
	}
}
