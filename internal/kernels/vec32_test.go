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
