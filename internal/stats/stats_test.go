package stats

import (
	"math"
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

func TestPSNR(t *testing.T) {
	c := []float32{0, 1, 0, 1}
	y := []float32{0.1, 0.9, 0.1, 0.9}
	// mse 0.01, range 1: 20 dB.
	if got := PSNR(c, y); math.Abs(got-20) > 1e-5 {
		t.Errorf("PSNR = %g, want 20", got)
	}
	if !math.IsInf(PSNR(c, c), 1) {
		t.Error("PSNR of identical data should be +Inf")
	}
}
