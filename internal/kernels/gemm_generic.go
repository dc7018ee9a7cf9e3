//go:build noasm || !amd64

package kernels

// sgemmKernels lists the micro-kernels this machine can run, best first.
func sgemmKernels() []*microKernel { return []*microKernel{sgemmKernGo} }

var sgemmKernel = sgemmKernGo

// sgemm is the float32 GEMM: the packed driver around the plain-Go kernel.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPacked(sgemmKernel, Threads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
