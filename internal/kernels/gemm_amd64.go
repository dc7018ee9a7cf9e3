//go:build amd64 && !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run gen_sgemm_amd64.go

// The assembly micro-kernels (sgemm_amd64.s). Each computes one mr x nr tile
// c[i*ldc+j] = alpha*sum_p a[p*mr+i]*b[p*nr+j] + beta*c[i*ldc+j] from packed
// panels, not reading c when beta == 0.

//go:noescape
func sgemmKernAVX512x12x32(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// Edge variants of the 12x32 kernel: fewer rows or columns of the same
// packed panels (a advances 12 floats per step, b 32).

//go:noescape
func sgemmKernAVX512x4x32(kc int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernAVX512x8x32(kc int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernAVX512x12x16(kc int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernAVX512x6x64(kc int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernAVX2x6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// packT16 transposes 16-column blocks of up to 16 rows (sgemm_amd64.s):
// dst[p*dstStride + r] = src[r*ld + p] for r < rows, p < kc rounded down to
// a multiple of 16; mask has the low rows bits set.
//
//go:noescape
func packT16(dst, src *float32, ld, kc, dstStride, rows int, mask uint16)

// packStridedFast does the first kc&^15 columns of packStrided with 16x16
// register transposes, and reports how many it did.
func packStridedFast(dst, src []float32, ld, rows, kc, w int) int {
	kc16 := kc &^ 15
	if !hasAVX512 || kc16 == 0 {
		return 0
	}
	for r := 0; r < rows; r += 16 {
		n := min(16, rows-r)
		packT16(&dst[r], &src[r*ld], ld, kc16, w, n, uint16(1)<<n-1)
	}
	return kc16
}

// packRuns16 copies runs (sgemm_amd64.s): for p < kc and q < panels,
// dst[q*panelStride + p*w + x] = src[p*ld + q*w + x] for x < w; mask has
// the low w%16 bits set.
//
//go:noescape
func packRuns16(dst, src *float32, ld, kc, w, panels, panelStride int, mask uint16)

// packRunsFast does the full panels of packPanels' contiguous-runs case and
// reports how many it did.
func packRunsFast(dst, src []float32, ld, kc, w, panels int) int {
	if !hasAVX512 || panels == 0 {
		return 0
	}
	packRuns16(&dst[0], &src[0], ld, kc, w, panels, kc*w, uint16(1)<<(w%16)-1)
	return panels
}

var hasAVX512 = cpu.X86.HasAVX512F

// adamAVX512 is the Adam step of AdamStep on n floats (sgemm_amd64.s),
// leaving the sum of squares of p (before the step) in sq's lanes;
// tail has the low n%16 bits set.
//
// biasActAVX512 does one row of BiasAct (sgemm_amd64.s):
// x[j] = act(x[j] + bias[j]) for j < n; tail has the low n%16 bits set.
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, tail uint16, step, b1, c1, b2, c2, ibc2, eps, scale, decay float32, sq *[16]float32, zmask uint16)

// actGradAVX512 is ActGrad on n floats (sgemm_amd64.s); tail has the low
// n%16 bits set.
//
//go:noescape
func actGradAVX512(a, da *float32, n int, tail uint16, act int)

//go:noescape
func biasActAVX512(x, bias *float32, n int, tail uint16, act int)

var (
	kernAVX512x12x32 = &microKernel{name: "avx512-12x32", mr: 12, nr: 32, fn: sgemmKernAVX512x12x32,
		edges: []edgeKernel{
			{4, 32, sgemmKernAVX512x4x32},
			{8, 32, sgemmKernAVX512x8x32},
			{12, 16, sgemmKernAVX512x12x16},
		}}
	kernAVX512x6x64 = &microKernel{name: "avx512-6x64", mr: 6, nr: 64, fn: sgemmKernAVX512x6x64}
	kernAVX2x6x16   = &microKernel{name: "avx2-6x16", mr: 6, nr: 16, fn: sgemmKernAVX2x6x16}
)

// sgemmKernels lists the micro-kernels this machine can run, best first.
// cpu.X86.HasAVX512F and HasAVX are false unless the OS saves the registers.
func sgemmKernels() []*microKernel {
	var ks []*microKernel
	if hasAVX512 {
		ks = append(ks, kernAVX512x12x32, kernAVX512x6x64)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernAVX2x6x16)
	}
	return append(ks, sgemmKernGo)
}

var sgemmKernel = sgemmKernels()[0]

// sgemm is the float32 GEMM on threads cores: the packed driver around
// the best micro-kernel.
func sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if useGemv(transA, transB, m, alpha) {
		sgemvRows(m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	sgemmPacked(sgemmKernel, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
