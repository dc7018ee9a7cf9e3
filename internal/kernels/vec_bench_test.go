package kernels

import (
	"math/rand/v2"
	"testing"
)

// The vector kernels on a batch of 256 rows of 1024 latents.
const benchRows, benchCols = 256, 1024

func benchVec(b *testing.B, n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 3))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	b.SetBytes(int64(4 * n))
	b.ReportAllocs()
	return x
}

func BenchmarkBiasAct(b *testing.B) {
	for _, act := range []struct {
		name string
		a    Act
	}{{"relu", ReLU}, {"sigmoid", Sigmoid}, {"tanh", Tanh}} {
		b.Run(act.name, func(b *testing.B) {
			a := benchVec(b, benchRows*benchCols)
			bias := make([]float32, benchCols)
			for b.Loop() {
				BiasAct(act.a, a, benchRows, bias)
			}
		})
	}
}

func BenchmarkAdamUpdate(b *testing.B) {
	n := 784 * 1024
	p := benchVec(b, n)
	g, m, v := make([]float32, n), make([]float32, n), make([]float32, n)
	for b.Loop() {
		AdamUpdate(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001)
	}
}

func BenchmarkRowNorms(b *testing.B) {
	a := benchVec(b, benchRows*benchCols)
	dst := make([]float32, benchRows)
	for b.Loop() {
		RowNorms(dst, a, benchCols)
	}
}

func BenchmarkTopK(b *testing.B) {
	a := benchVec(b, benchRows*benchCols)
	const k = 32
	idx := make([]int32, benchRows*k)
	val := make([]float32, benchRows*k)
	for b.Loop() {
		TopK(a, benchRows, benchCols, k, idx, val)
	}
}

// BenchmarkTopKSkip times topK32 with and without the AVX-512 skip on
// rows of an SAE's width (12288 latents, k 32, normal pre-activations).
func BenchmarkTopKSkip(b *testing.B) {
	const rows, n, k = 64, 12288, 32
	rng := rand.New(rand.NewPCG(3, 4))
	a := make([]float32, rows*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	idx := make([]int32, rows*k)
	val := make([]float32, rows*k)
	for _, fast := range []bool{false, true} {
		if fast && !hasAVX512 {
			continue
		}
		b.Run(map[bool]string{false: "plain", true: "skip"}[fast], func(b *testing.B) {
			for b.Loop() {
				topK32With(fast, a, rows, n, k, idx, val)
			}
		})
	}
}
