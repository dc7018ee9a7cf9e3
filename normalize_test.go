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
	if got := resolveNormalizeOf(NormalizeAuto, img, MSE); got != NormalizeGlobal {
		t.Errorf("wide data: %s, want global", got)
	}
	tab := NewMatrix(3, 6)
	if got := resolveNormalizeOf(NormalizeAuto, tab, MSE); got != NormalizeRobust {
		t.Errorf("narrow data: %s, want robust", got)
	}
	img.Data[7] = 2
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

// Global scaling centres every column and divides all by one scale, the
// root mean square of the columns' standard deviations: a near-constant
// column stays near constant instead of being blown up to unit spread.
func TestGlobalScaling(t *testing.T) {
	x := NewMatrix(4, 3)
	copy(x.Data, []float32{
		0, 10, 5,
		2, 10, 5,
		4, 10, 5.001,
		6, 10, 5,
	})
	nz := fitNormalizerOf(NormalizeGlobal, x)
	sd := []float64{math.Sqrt(5), 0, 0.001 * math.Sqrt(3) / 4}
	want := math.Sqrt((sd[0]*sd[0] + sd[1]*sd[1] + sd[2]*sd[2]) / 3)
	for j, s := range nz.Scale {
		if math.Abs(float64(s)-want) > 1e-5*want {
			t.Errorf("column %d scale %g, want the shared %g", j, s, want)
		}
	}
	for j, mu := range []float32{3, 10, 5.00025} {
		if math.Abs(float64(nz.Shift[j]-mu)) > 1e-5 {
			t.Errorf("column %d shift %g, want the mean %g", j, nz.Shift[j], mu)
		}
	}
	// Constant data keep scale 1 rather than dividing by zero.
	c := NewMatrix(2, 2)
	copy(c.Data, []float32{3, 3, 3, 3})
	if s := fitNormalizerOf(NormalizeGlobal, c).Scale[0]; s != 1 {
		t.Errorf("constant data: scale %g, want 1", s)
	}
}
