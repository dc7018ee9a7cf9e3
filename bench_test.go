package sae

import (
	"fmt"
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
		opt.Step(n.params, w.grad, 1e-3, 1e-4, 0)
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkTopKStep times one training step of a TopK dictionary on
// random rows: forward, sparse backward, AuxK with half the latents dead, the unit-norm constraint and Adam. Sizes from the
// environment-free table below; compare runs with benchstat.
func BenchmarkTopKStep(b *testing.B) {
	for _, tc := range []struct{ d, h, k, batch int }{{256, 1024, 8, 512}, {768, 12288, 32, 1024}} {
		for _, aux := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%d/k=%d/B=%d/aux=%v", tc.d, tc.h, tc.k, tc.batch, aux), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				n := newNet[float32](netSpec{sizes: []int{tc.d, tc.h}, act: ReLU, loss: MSE, code: SparsityTopK, k: tc.k})
				n.init(rng, nil)
				x := make([]float32, tc.batch*tc.d)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				var w workspace[float32]
				w.ensure(n, tc.batch)
				w.ensureGrad(n)
				opt := newAdam(n)
				pen := penalty{sparsity: SparsityTopK}
				if aux {
					pen.dead = make([]bool, tc.h)
					for j := range pen.dead {
						pen.dead[j] = j%2 == 0
					}
					pen.auxK, pen.auxCoef = tc.d/2, 1.0/32
				}
				D := &n.dec[0]
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					n.forwardBackward(&w, x, x, tc.batch, 1/float32(tc.batch), pen, nil)
					projectRowGrads(n.wDec, w.grad[D.gw:D.gw+tc.h*tc.d], tc.h, tc.d)
					opt.Step(n.params, w.grad, 1e-3, 0, 0) // zeroes the gradient
					normalizeRows(n.wDec, tc.h, tc.d)
				}
				b.ReportMetric(float64(tc.batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

// BenchmarkScoreRow times Model.Score on one row of a 784 -> 256 model:
// the arithmetic of one sae serve request.
func BenchmarkScoreRow(b *testing.B) {
	const d, h = 784, 256
	rng := rand.New(rand.NewPCG(1, 1))
	n := newNet[float32](netSpec{sizes: []int{d, h}, act: Sigmoid, loss: MSE})
	n.init(rng, nil)
	cfg := DefaultConfig()
	cfg.Hidden = h
	m := newModel(cfg, d, n, nil)
	x := NewMatrix(1, d)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := m.Score(x); err != nil {
			b.Fatal(err)
		}
	}
}
