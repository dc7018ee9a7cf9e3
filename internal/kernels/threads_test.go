package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// GemmN gives the same bits on any number of cores (each output is summed
// in the same order), and AdamStep the same parameters: a trainer's
// Threads changes its speed, not its model.
func TestThreadsDoNotChangeResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const m, n, k = 301, 517, 257
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
		lda, ldb := k, n
		if tr[0] {
			lda = m
		}
		if tr[1] {
			ldb = k
		}
		var want []float32
		for _, threads := range []int{1, 2, 3} {
			c := make([]float32, m*n)
			GemmN(threads, tr[0], tr[1], m, n, k, 1, a, lda, b, ldb, 0, c, n)
			if want == nil {
				want = c
			} else if !slices.Equal(c, want) {
				t.Fatalf("transposes %v, %d threads: a different product from 1 thread's", tr, threads)
			}
		}
	}
	const np = 3 << 17 // large enough to split over cores
	p := make([]float32, np)
	for i := range p {
		p[i] = float32(rng.NormFloat64())
	}
	var ref []float32
	for _, threads := range []int{1, 2} {
		q, g := slices.Clone(p), make([]float32, np)
		for i := range g {
			g[i] = float32(i%7) - 3
		}
		mm, vv := make([]float32, np), make([]float32, np)
		AdamStep(q, g, mm, vv, AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, BC1: 0.1, BC2: 0.001, Threads: threads}, []AdamSpan{{0, np / 2, 1e-2}})
		if ref == nil {
			ref = q
		} else if !slices.Equal(q, ref) {
			t.Fatalf("AdamStep on %d threads moved the parameters differently", threads)
		}
	}
}
