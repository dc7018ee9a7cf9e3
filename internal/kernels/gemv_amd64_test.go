//go:build amd64 && !noasm

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGemv runs the row-by-row path on every column tail (0..15 lanes past
// the full vectors), depths that leave 0..3 rows after the groups of four,
// and padded leading dimensions, with NaN guards around the operands.
func TestGemv(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	gemv := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
		if m == 0 || n == 0 {
			return
		}
		sgemvRows(m, n, k, a, lda, b, ldb, beta, c, ldc)
	}
	for m := 1; m <= gemvRows; m++ {
		for _, n := range []int{1, 5, 15, 16, 17, 31, 32, 33, 47, 64, 100, 256, 784} {
			for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 256} {
				for _, beta := range []float32{0, 1, 0.5} {
					runGemmCase(t, rng, gemmCase{m: m, n: n, k: k, alpha: 1, beta: beta, extra: rng.IntN(3) * 5}, gemv)
				}
			}
		}
	}
}

// TestGemvDispatch checks which products Gemm sends to the row-by-row path.
func TestGemvDispatch(t *testing.T) {
	for _, tc := range []struct {
		transA, transB bool
		m              int
		alpha          float32
		want           bool
	}{
		{false, false, 1, 1, hasAVX512},
		{false, false, gemvRows, 1, hasAVX512},
		{false, false, gemvRows + 1, 1, false},
		{true, false, 1, 1, false},
		{false, true, 1, 1, false},
		{false, false, 1, 2, false},
	} {
		if got := useGemv(tc.transA, tc.transB, tc.m, tc.alpha); got != tc.want {
			t.Errorf("useGemv(%v, %v, %d, %g) = %v, want %v", tc.transA, tc.transB, tc.m, tc.alpha, got, tc.want)
		}
	}
}

// BenchmarkGemvRows times the row-by-row path beside the packed driver
// (one thread) on the two products of a 784 -> 256 model, for a few rows:
// where they cross is gemvRows.
func BenchmarkGemvRows(b *testing.B) {
	if !hasAVX512 {
		b.Skip("no AVX-512")
	}
	for _, sh := range [][2]int{{784, 256}, {256, 784}} {
		k, n := sh[0], sh[1]
		rng := rand.New(rand.NewPCG(1, 1))
		w := make([]float32, k*n)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		for _, m := range []int{1, 2, 4, 8} {
			a := make([]float32, m*k)
			c := make([]float32, m*n)
			b.Run(fmt.Sprintf("k%d,n%d/m%d/gemv", k, n, m), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					sgemvRows(m, n, k, a, k, w, n, 0, c, n)
				}
			})
			b.Run(fmt.Sprintf("k%d,n%d/m%d/packed", k, n, m), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					sgemmPacked(sgemmKernel, 1, false, false, m, n, k, 1, a, k, w, n, 0, c, n)
				}
			})
		}
	}
}
