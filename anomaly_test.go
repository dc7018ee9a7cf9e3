package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

func TestAUROCAndAUPRC(t *testing.T) {
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	labels := []bool{false, false, true, true}
	if got := AUROC(scores, labels); math.Abs(got-0.75) > 1e-12 {
		t.Errorf("AUROC = %g, want 0.75", got)
	}
	// Ranked: 0.8(+) 0.4(-) 0.35(+) 0.1(-): AP = (1/1 + 2/3)/2.
	if got := AUPRC(scores, labels); math.Abs(got-(1+2.0/3)/2) > 1e-12 {
		t.Errorf("AUPRC = %g, want %g", got, (1+2.0/3)/2)
	}
	// Ties count half.
	if got := AUROC([]float64{1, 1}, []bool{true, false}); got != 0.5 {
		t.Errorf("tied AUROC = %g, want 0.5", got)
	}
	if !math.IsNaN(AUROC([]float64{1, 2}, []bool{true, true})) {
		t.Error("AUROC with one class should be NaN")
	}
	fpr, tpr := ROC(scores, labels)
	if fpr[0] != 0 || tpr[0] != 0 || fpr[len(fpr)-1] != 1 || tpr[len(tpr)-1] != 1 {
		t.Errorf("ROC does not run from (0,0) to (1,1): %v %v", fpr, tpr)
	}
}

func TestQuantile(t *testing.T) {
	v := []float64{5, 1, 3, 2, 4}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {1, 5}, {0.5, 3}, {0.25, 2}, {0.9, 4.6}} {
		if got := Quantile(v, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%g) = %g, want %g", c.q, got, c.want)
		}
	}
}

// A row with an anomaly planted in one known column is explained by that
// column first.
func TestExplainNamesPlantedColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n, d = 1000, 10
	x := NewMatrix(n, d)
	for i := 0; i < n; i++ {
		z1, z2 := rng.NormFloat64(), rng.NormFloat64()
		for j := 0; j < d; j++ {
			x.Row(i)[j] = float32(z1*math.Cos(float64(j)) + z2*math.Sin(float64(j)) + 0.05*rng.NormFloat64() + float64(j))
		}
	}
	cfg := DefaultConfig()
	cfg.Hidden = 4
	cfg.Normalize = NormalizeStandard
	cfg.Activation = Tanh
	cfg.Sparsity = SparsityNone
	cfg.Epochs = 40
	cfg.LR = 0.01
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []int{2, 7} {
		test := NewMatrix(1, d)
		copy(test.Row(0), x.Row(0))
		test.Row(0)[col] += 4 // four standard deviations or so
		ex, err := m.Explain(test, []int{0}, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := ex[0].Features[0].Feature; got != col {
			t.Errorf("planted column %d, explanation names %d first: %+v", col, got, ex[0].Features)
		}
		var sum float64
		all, _ := m.Explain(test, []int{0}, d)
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

func TestPSNR(t *testing.T) {
	c := Matrix{Rows: 1, Cols: 4, Data: []float32{0, 1, 0, 1}}
	y := Matrix{Rows: 1, Cols: 4, Data: []float32{0.1, 0.9, 0.1, 0.9}}
	// mse 0.01, range 1: 20 dB.
	if got := PSNR(c, y); math.Abs(got-20) > 1e-5 {
		t.Errorf("PSNR = %g, want 20", got)
	}
	if !math.IsInf(PSNR(c, c), 1) {
		t.Error("PSNR of identical data should be +Inf")
	}
}
