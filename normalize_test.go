package sae

import (
	"math"
	"testing"
)

func TestNormalizers(t *testing.T) {
	// Column 0: normal-ish with one huge outlier; column 1: constant;
	// column 2: zero but for one excursion.
	x := NewMatrix(9, 3)
	for i := 0; i < 9; i++ {
		x.Row(i)[0] = float32(i)
		x.Row(i)[1] = 5
	}
	x.Row(8)[0] = 1000
	x.Row(4)[2] = 3
	for _, kind := range []Normalize{NormalizeStandard, NormalizeMinMax, NormalizeRobust} {
		nz := fitNormalizerOf(kind, x)
		for j, s := range nz.Scale {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				t.Fatalf("%s: column %d scale %g", kind, j, s)
			}
		}
		if nz.Scale[1] != 1 {
			t.Errorf("%s: constant column scale %g, want 1", kind, nz.Scale[1])
		}
		// Round trip.
		y := append([]float32(nil), x.Data...)
		nz.apply(y, y, 3)
		nz.invert(y, 3)
		for i := range y {
			if math.Abs(float64(y[i]-x.Data[i])) > 1e-3*(1+math.Abs(float64(x.Data[i]))) {
				t.Fatalf("%s: round trip %g -> %g", kind, x.Data[i], y[i])
			}
		}
	}
	r := fitNormalizerOf(NormalizeRobust, x)
	if r.Shift[0] != 4 {
		t.Errorf("robust shift %g, want the median 4", r.Shift[0])
	}
	// The outlier does not set the robust scale (IQR 4/1.349 ≈ 2.97)...
	if r.Scale[0] > 35 {
		t.Errorf("robust scale %g follows the outlier", r.Scale[0])
	}
	// ... but the floor (sd/10) keeps the excursion column bounded.
	if s := fitNormalizerOf(NormalizeStandard, x).Scale[2]; math.Abs(float64(r.Scale[2])-float64(s)/10) > 1e-6 {
		t.Errorf("robust scale of the excursion column %g, want sd/10 = %g", r.Scale[2], s/10)
	}
}

func TestResolveNormalize(t *testing.T) {
	img := NewMatrix(3, 64)
	img.Data[5] = 1
	if got := resolveNormalizeOf(NormalizeAuto, img, MSE); got != NormalizeNone {
		t.Errorf("pixel-like data: %s, want none", got)
	}
	tab := NewMatrix(3, 6)
	if got := resolveNormalizeOf(NormalizeAuto, tab, MSE); got != NormalizeRobust {
		t.Errorf("narrow data: %s, want robust", got)
	}
	img.Data[7] = 2
	if got := resolveNormalizeOf(NormalizeAuto, img, MSE); got != NormalizeRobust {
		t.Errorf("values outside [0,1]: %s, want robust", got)
	}
	if got := resolveNormalizeOf(NormalizeAuto, tab, BCE); got != NormalizeNone {
		t.Errorf("bce on data in [0,1]: %s, want none", got)
	}
	if got := resolveNormalizeOf(NormalizeAuto, img, BCE); got != NormalizeMinMax {
		t.Errorf("bce on data outside [0,1]: %s, want minmax", got)
	}
	if got := resolveNormalizeOf(NormalizeStandard, img, MSE); got != NormalizeStandard {
		t.Errorf("explicit kinds pass through, got %s", got)
	}
}
