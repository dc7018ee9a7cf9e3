package main

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae"
)

// A row with an anomaly planted in one known column is explained by that
// column first.
func TestExplainNamesPlantedColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n, d = 1000, 10
	x := sae.NewMatrix(n, d)
	for i := 0; i < n; i++ {
		z1, z2 := rng.NormFloat64(), rng.NormFloat64()
		for j := 0; j < d; j++ {
			x.Row(i)[j] = float32(z1*math.Cos(float64(j)) + z2*math.Sin(float64(j)) + 0.05*rng.NormFloat64() + float64(j))
		}
	}
	cfg := sae.DefaultConfig()
	cfg.Hidden = 4
	cfg.Normalize = sae.NormalizeStandard
	cfg.Activation = sae.Tanh
	cfg.Sparsity = sae.SparsityNone
	cfg.Epochs = 40
	cfg.LR = 0.01
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []int{2, 7} {
		test := sae.NewMatrix(1, d)
		copy(test.Row(0), x.Row(0))
		test.Row(0)[col] += 4 // four standard deviations or so
		ex, err := explain(m, test, []int{0}, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := ex[0].Features[0].Column; got != col {
			t.Errorf("planted column %d, explanation names %d first: %+v", col, got, ex[0].Features)
		}
		var sum float64
		all, _ := explain(m, test, []int{0}, d)
		for _, c := range all[0].Features {
			sum += c.Share
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("shares add up to %g", sum)
		}
		s, _ := m.Score(test)
		if math.Abs(s[0]-ex[0].Score) > 1e-6*s[0] {
			t.Errorf("explained score %g, Score %g", ex[0].Score, s[0])
		}
	}
}
