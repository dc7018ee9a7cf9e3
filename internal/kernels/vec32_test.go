package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Saxpy and Sdot against the float64 reference on every length up to 70
// and at every offset, with guard values after y to catch stray writes.
func TestSaxpySdot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const guard = 5
	for n := 0; n <= 70; n++ {
		for off := 0; off < 3; off++ {
			x := make([]float32, off+n)
			y := make([]float32, off+n+guard)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range y {
				y[i] = float32(rng.NormFloat64())
			}
			y0 := append([]float32(nil), y...)
			alpha := float32(rng.NormFloat64())
			var want float64
			for i := 0; i < n; i++ {
				want += float64(x[off+i]) * float64(y0[off+i])
			}
			if got := Sdot(x[off:], y[off:off+n]); math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want))*float64(n+1) {
				t.Fatalf("n %d off %d: Sdot %g, want %g", n, off, got, want)
			}
			Saxpy(alpha, x[off:], y[off:])
			for i := range y {
				w := y0[i]
				if i >= off && i < off+n {
					w = float32(float64(y0[i]) + float64(alpha)*float64(x[i]))
				}
				if math.Abs(float64(y[i]-w)) > 1e-6*(1+math.Abs(float64(w))) {
					t.Fatalf("n %d off %d: Saxpy y[%d] = %g, want %g", n, off, i, y[i], w)
				}
			}
		}
	}
}

func TestAddTransposed(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ rows, cols int }{{1, 1}, {16, 16}, {17, 70}, {40, 130}, {5, 16}, {33, 15}} {
		lds, ldd := tc.cols+3, tc.rows+2
		src := make([]float32, tc.rows*lds)
		dst := make([]float32, tc.cols*ldd)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		for i := range dst {
			dst[i] = float32(rng.NormFloat64())
		}
		use := make([]bool, tc.rows)
		for r := range use {
			use[r] = rng.IntN(3) != 0
		}
		s0, d0 := append([]float32(nil), src...), append([]float32(nil), dst...)
		AddTransposed(dst, ldd, src, lds, tc.rows, tc.cols, use)
		for r := 0; r < tc.rows; r++ {
			for c := 0; c < tc.cols; c++ {
				want, wantS := d0[c*ldd+r]+s0[r*lds+c], float32(0)
				if !use[r] {
					want, wantS = d0[c*ldd+r], s0[r*lds+c]
				}
				if dst[c*ldd+r] != want || src[r*lds+c] != wantS {
					t.Fatalf("%+v r %d c %d: dst %g want %g, src %g want %g", tc, r, c, dst[c*ldd+r], want, src[r*lds+c], wantS)
				}
			}
		}
		for r := 0; r < tc.rows; r++ {
			for c := tc.cols; c < lds; c++ {
				if src[r*lds+c] != s0[r*lds+c] {
					t.Fatalf("%+v: padding of src touched", tc)
				}
			}
		}
	}
}
