package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/optim"
)

// precisions are the sub-benchmarks of the training steps: float32
// products, and bfloat16 operands with float32 sums (Spec.BF16; at float32
// speed where the CPU lacks AVX512_BF16).
var precisions = []struct {
	name string
	bf16 bool
}{{"fp32", false}, {"bf16", true}}

// BenchmarkTrainStep times one Adam step of the KL sigmoid autoencoder
// 784 -> 1024 on a batch of 256 (the throughput configuration).
// Compare runs with benchstat; samples/s = 256 / (ns/op * 1e-9).
func BenchmarkTrainStep(b *testing.B) {
	const d, h, batch = 784, 1024, 256
	for _, p := range precisions {
		b.Run(p.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			n := New[float32](Spec{Sizes: []int{d, h}, Act: kernels.Sigmoid, Kind: kind("kl"), BF16: p.bf16})
			n.Init(rng, nil)
			x := make([]float32, batch*d)
			for i := range x {
				x[i] = rng.Float32()
			}
			var w Workspace[float32]
			grad := w.Grad(n)
			opt := optim.NewAdam(len(n.Params), weightSpans(n))
			tm := sparse(Params{Rho: 0.05, Beta: 3})
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuSeconds()
			for i := 0; i < b.N; i++ {
				n.ForwardBackward(&w, x, x, batch, 1.0/batch, tm, nil)
				opt.Step(n.Params, grad, 1e-3, 1e-4, 0)
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			if cpu >= 0 {
				b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(b.N), "cpu-ms/op")
			}
		})
	}
}

// BenchmarkTopKStep times one training step of a TopK dictionary on
// random rows: forward, sparse backward, AuxK with half the latents dead,
// the unit-norm constraint and Adam. Compare runs with benchstat; on a
// shared machine cpu-ms/op (both cores' CPU time per step) moves less
// than the wall time.
func BenchmarkTopKStep(b *testing.B) {
	for _, tc := range []struct{ d, h, k, batch int }{{256, 1024, 8, 512}, {768, 12288, 32, 1024}} {
		for _, aux := range []bool{false, true} {
			for _, p := range precisions {
				b.Run(fmt.Sprintf("%dx%d/k=%d/B=%d/aux=%v/%s", tc.d, tc.h, tc.k, tc.batch, aux, p.name), func(b *testing.B) {
					rng := rand.New(rand.NewPCG(1, 1))
					n := New[float32](Spec{Sizes: []int{tc.d, tc.h}, Act: kernels.ReLU, Kind: kind("topk"), K: tc.k, UnitDecoder: true, BF16: p.bf16})
					n.Init(rng, nil)
					x := make([]float32, tc.batch*tc.d)
					for i := range x {
						x[i] = float32(rng.NormFloat64())
					}
					var w Workspace[float32]
					grad := w.Grad(n)
					opt := optim.NewAdam(len(n.Params), weightSpans(n))
					tm := sparse(Params{})
					if aux {
						tm.Dead = make([]bool, tc.h)
						for j := range tm.Dead {
							tm.Dead[j] = j%2 == 0
						}
						tm.AuxK, tm.AuxCoef = tc.d/2, 1.0/32
					}
					b.ResetTimer()
					cpu := cpuSeconds()
					for i := 0; i < b.N; i++ {
						n.ForwardBackward(&w, x, x, tc.batch, 1/float32(tc.batch), tm, nil)
						n.ConstrainGrad(grad)
						opt.Step(n.Params, grad, 1e-3, 0, 0) // zeroes the gradient
						n.Constrain()
					}
					b.ReportMetric(float64(tc.batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
					if cpu >= 0 {
						b.ReportMetric((cpuSeconds()-cpu)*1e3/float64(b.N), "cpu-ms/op")
					}
					// The share of latents with a gradient in the last step:
					// the most a lazy (sparse) Adam could skip is the rest.
					touched := 0
					for _, t := range w.sel.touched {
						if t {
							touched++
						}
					}
					b.ReportMetric(100*float64(touched)/float64(tc.h), "%touched")
				})
			}
		}
	}
}
