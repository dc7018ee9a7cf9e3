package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// gemmShape is a product as the training step runs it.
type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes are the forward product and the two backward products of the
// 784->1024 and 768->8192 layers at batch 4096, and a small product.
var benchShapes = []gemmShape{
	{"NN_4096x784x1024", false, false, 4096, 1024, 784},
	{"NT_4096x1024x784", false, true, 4096, 784, 1024},
	{"TN_784x4096x1024", true, false, 784, 1024, 4096},
	{"NN_4096x768x8192", false, false, 4096, 8192, 768},
	{"NT_4096x8192x768", false, true, 4096, 768, 8192},
	{"TN_768x4096x8192", true, false, 768, 8192, 4096},
	{"NN_256x784x256", false, false, 256, 256, 784},
	// A training step at batch 256 on a 784 -> 1024 layer.
	{"NN_256x784x1024", false, false, 256, 1024, 784},
	{"NT_256x1024x784", false, true, 256, 784, 1024},
	{"TN_784x256x1024", true, false, 784, 1024, 256},
}

func benchOperands(s gemmShape) (a []float32, lda int, b []float32, ldb int, c []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	ar, ac := s.m, s.k
	if s.transA {
		ar, ac = ac, ar
	}
	br, bc := s.k, s.n
	if s.transB {
		br, bc = bc, br
	}
	a = make([]float32, ar*ac)
	b = make([]float32, br*bc)
	c = make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	return a, ac, b, bc, c
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			a, lda, bm, ldb, c := benchOperands(s)
			Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmKernels compares the micro-kernels on the first shape.
func BenchmarkGemmKernels(b *testing.B) {
	s := benchShapes[0]
	a, lda, bm, ldb, c := benchOperands(s)
	for _, kern := range sgemmKernels() {
		if kern == sgemmKernGo {
			continue
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
