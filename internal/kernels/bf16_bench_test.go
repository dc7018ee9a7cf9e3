package kernels

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkGemmBF16 times GemmBF16 on the shapes of BenchmarkGemm.
func BenchmarkGemmBF16(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bm, ldb, c := benchOperands(s)
			GemmBF16(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				GemmBF16(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmBF16Kernels compares the bfloat16 micro-kernels (native and
// rounded-panel float32) on the first shape.
func BenchmarkGemmBF16Kernels(b *testing.B) {
	s := benchShapes[0]
	a, lda, bm, ldb, c := benchOperands(s)
	for _, kern := range bf16Kernels() {
		if strings.HasPrefix(kern.name, sgemmKernGo.name) {
			continue // the plain-Go kernel: too slow to time here
		}
		b.Run(fmt.Sprintf("%s/threads%d", kern.name, Threads()), func(b *testing.B) {
			for b.Loop() {
				sgemmPacked(kern, Threads(), s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkMicroKernel times the best float32 micro-kernel and GemmBF16's
// on panels in L1 cache, one core: the rate each can reach at best (what
// BF16Speedup compares).
func BenchmarkMicroKernel(b *testing.B) {
	const kc = 256
	a := make([]float32, kc*16)
	bp := make([]float32, kc*64)
	c := make([]float32, 16*64)
	// Pairs of 0.5 and 0.25 in bfloat16, near 0.5 and 0.25 as float32.
	for i := range a {
		words(a)[i] = 0x3f003f00
	}
	for i := range bp {
		words(bp)[i] = 0x3e803e80
	}
	for _, kern := range []*microKernel{sgemmKernel, bf16Kernel} {
		b.Run(kern.name, func(b *testing.B) {
			d := kern.depth(kc)
			for b.Loop() {
				kern.fn(d, &a[0], &bp[0], &c[0], kern.nr, 1, 0)
			}
			b.ReportMetric(2*float64(kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
