package sae

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTrainStep times one Adam step of the KL sigmoid autoencoder
// 784 -> 1024 on a batch of 256 (the throughput configuration).
// Compare runs with benchstat; samples/s = 256 / (ns/op * 1e-9).
func BenchmarkTrainStep(b *testing.B) {
	const d, h, batch = 784, 1024, 256
	rng := rand.New(rand.NewPCG(1, 1))
	n := newNet[float32](netSpec{sizes: []int{d, h}, act: Sigmoid, loss: MSE, tied: false})
	n.init(rng, nil)
	x := make([]float32, batch*d)
	for i := range x {
		x[i] = rng.Float32()
	}
	var w workspace[float32]
	w.ensure(n, batch)
	opt := newAdam(n)
	pen := penalty{sparsity: SparsityKL, rho: 0.05, beta: 3}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.forwardBackward(&w, x, x, batch, 1.0/batch, pen, nil)
		opt.step(n.params, w.grad, 1e-3, 1e-4, 0)
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
