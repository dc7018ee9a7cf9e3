package sae

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// TestAdamFusedDecayAndClip checks the fused Adam step against the
// unfused definition: decay added to the weights' gradient (not the
// biases'), the decayed gradient clipped to the global norm, then a plain
// Adam step; and the decay term it returns against the objective's.
func TestAdamFusedDecayAndClip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		tied     bool
		wd, clip float64
		wantClip bool
		sizes    []int
	}{
		{false, 1e-2, 0, false, []int{37, 19}},
		{true, 3e-1, 0, false, []int{37, 19}},
		{false, 1e-1, 0.05, true, []int{37, 19, 7}},
		{false, 0, 0, false, []int{37, 19}},
	} {
		n := newNet[float32](netSpec{sizes: tc.sizes, act: ReLU, loss: MSE, tied: tc.tied})
		n.init(rng, nil)
		g := make([]float32, len(n.params))
		for i := range g {
			g[i] = float32(rng.NormFloat64() * 0.1)
		}
		p0 := slices.Clone(n.params)

		// Reference: decay into a copy of the gradient, clip, plain Adam.
		ref := newNet[float32](n.spec())
		copy(ref.params, p0)
		gr := slices.Clone(g)
		wantDecay := ref.addDecay(gr, tc.wd)
		norm := clipGrad(gr, tc.clip)
		if tc.wantClip != (tc.clip > 0 && norm > tc.clip) {
			t.Fatalf("test case does not exercise clipping as meant: norm %g clip %g", norm, tc.clip)
		}
		m, v := make([]float32, len(g)), make([]float32, len(g))
		kernels.AdamUpdate(ref.params, gr, m, v, 1e-2, 0.9, 0.999, 1e-8, 0.1, 0.001)

		o := newAdam(n)
		decay, finite := o.step(n.params, g, 1e-2, tc.wd, tc.clip)
		if !finite {
			t.Fatal("finite gradient reported as not finite")
		}
		for i, x := range g {
			if x != 0 {
				t.Fatalf("the step left g[%d] = %g, want it zeroed", i, x)
			}
		}
		if math.Abs(decay-wantDecay) > 1e-5*math.Abs(wantDecay)+1e-12 {
			t.Fatalf("decay term %g, want %g", decay, wantDecay)
		}
		for i := range p0 {
			// Adam's step is lr*m/sqrt(v) ~ lr*sign: compare to a fraction of lr.
			if d := math.Abs(float64(n.params[i] - ref.params[i])); d > 1e-4*1e-2+1e-6*math.Abs(float64(p0[i])) {
				t.Fatalf("%+v: param %d is %g, unfused %g (start %g)", tc, i, n.params[i], ref.params[i], p0[i])
			}
		}
	}
}

// TestAdamReportsNonFiniteGradientWhenClipping: the clipping pass sees the
// whole gradient, so a NaN in it is reported at once.
func TestAdamReportsNonFiniteGradientWhenClipping(t *testing.T) {
	n := newNet[float32](netSpec{sizes: []int{5, 3}, act: Sigmoid, loss: MSE})
	n.init(rand.New(rand.NewPCG(1, 2)), nil)
	g := make([]float32, len(n.params))
	g[len(g)-1] = float32(math.NaN())
	if _, finite := newAdam(n).step(n.params, g, 1e-3, 1e-4, 1); finite {
		t.Fatal("a NaN gradient was reported finite")
	}
}

// SGD leaves the gradient zeroed too, as the trainer relies on.
func TestSGDZeroesGradient(t *testing.T) {
	n := newNet[float32](netSpec{sizes: []int{5, 3}, act: Sigmoid, loss: MSE})
	n.init(rand.New(rand.NewPCG(1, 2)), nil)
	o := newOptimizer(Config{Optimizer: SGD, Momentum: 0.9}, n)
	g := make([]float32, len(n.params))
	for i := range g {
		g[i] = 1
	}
	o.step(n.params, g, 1e-2, 1e-3, 0)
	for i, x := range g {
		if x != 0 {
			t.Fatalf("g[%d] = %g after an SGD step", i, x)
		}
	}
}
