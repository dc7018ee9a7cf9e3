//go:build noasm || !amd64

package kernels

// sgemmKernels lists the micro-kernels this machine can run, best first.
func sgemmKernels() []*microKernel { return []*microKernel{sgemmKernGo} }

var sgemmKernel = sgemmKernGo

// sgemm is the float32 GEMM on threads cores: the packed driver around
// the plain-Go kernel.
func sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPacked(sgemmKernel, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// packStridedFast would do a leading part of packStrided; here it does none.
func packStridedFast(dst, src []float32, ld, rows, kc, w int) int { return 0 }

// packRunsFast would do the full panels of packPanels' contiguous-runs
// case; here it does none.
func packRunsFast(dst, src []float32, ld, kc, w, panels int) int { return 0 }

const hasAVX512 = false

func biasActAVX512(x, bias *float32, n int, tail uint16, act int) { panic("unreachable") }

func adamAVX512(p, grad, m, v *float32, n int, tail uint16, step, b1, c1, b2, c2, ibc2, eps, scale, decay float32, sq *[16]float32, zmask uint16) {
	panic("unreachable")
}

func addColSumsAVX512(dst, a []float32, rows int) { panic("unreachable") }

func actGradAVX512(a, da *float32, n int, tail uint16, act int) { panic("unreachable") }
