//go:build amd64 && !noasm

package kernels

// sgemm is the float32 GEMM on amd64. Until the assembly kernels land it is
// the reference.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
