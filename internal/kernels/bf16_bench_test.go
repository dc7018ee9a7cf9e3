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
