//go:build amd64 && !noasm

package kernels

import "sync/atomic"

// sgemvAVX512 adds a[0:k]·B to c for a row-major B with leading dimension
// ldb (gemv_amd64.s): c[j] += sum_{p<k} a[p]*b[p*ldb+j] for the 16*nv
// columns of the full vectors and the lanes of tail after them.
//
//go:noescape
func sgemvAVX512(k int, a, b *float32, ldb int, c *float32, nv int, tail uint16)

// gemvRows is the most rows of A that Gemm multiplies row by row, B
// streamed once per row and never packed: for one or a few rows (a
// server's single-row requests) packing B costs more than the product.
const gemvRows = SmallM

// useGemv reports whether sgemm takes the row-by-row path.
func useGemv(transA, transB bool, m int, alpha float32) bool {
	return hasAVX512 && !transA && !transB && m <= gemvRows && alpha == 1
}

// sgemvRows is C = A·B + beta*C for A m x k and B k x n, both untransposed,
// one row of C at a time.
func sgemvRows(m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if k == 0 {
			continue
		}
		sgemvAVX512(k, &a[i*lda], &b[0], ldb, &ci[0], n/16, uint16(1)<<(n%16)-1)
	}
}

// addColSumsAVX512 is AddColSums for float32: a GEMV of a row of ones.
func addColSumsAVX512(dst, a []float32, rows int) {
	n := len(dst)
	if rows == 0 || n == 0 {
		return
	}
	sgemvAVX512(rows, &onesOf(rows)[0], &a[0], n, &dst[0], n/16, uint16(1)<<(n%16)-1)
}

// ones holds at least the longest row of ones asked for so far; it only
// grows, by replacement, so readers never see it change under them.
var ones atomic.Pointer[[]float32]

func onesOf(n int) []float32 {
	if p := ones.Load(); p != nil && len(*p) >= n {
		return *p
	}
	s := make([]float32, max(n, 1024))
	for i := range s {
		s[i] = 1
	}
	ones.Store(&s)
	return s
}
