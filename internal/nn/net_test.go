package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// Gradients of every activation × penalty kind × loss × tying × depth
// against central differences in float64.
func TestGradientsFiniteDifferences(t *testing.T) {
	const rows = 6
	type pen struct {
		kind string
		p    Params
	}
	pens := []pen{
		{"none", Params{}},
		{"l1", Params{L1: 0.3, L1Weight: L1None}},
		{"l1", Params{L1: 0.3, L1Weight: L1Decoder}}, // plain for tied models
		{"kl", Params{Rho: 0.1, Beta: 2}},
	}
	for _, sizes := range [][]int{{7, 5}, {7, 6, 4}, {6, 5, 4, 3}} {
		for _, act := range []Act{kernels.ReLU, kernels.Sigmoid, kernels.Tanh} {
			for _, pn := range pens {
				for _, loss := range []Loss{MSE, BCE} {
					for _, tied := range []bool{false, true} {
						name := fmt.Sprintf("%v/%s/%s/%s/loss=%d/tied=%v", sizes, actName[act], pn.kind, pn.p.L1Weight, loss, tied)
						t.Run(name, func(t *testing.T) {
							rng := rand.New(rand.NewPCG(3, 4))
							n := New[float64](Spec{Sizes: sizes, Act: act, Loss: loss, Tied: tied, Kind: kind(pn.kind)})
							n.Init(rng, nil)
							for _, L := range append(append([]dense[float64]{}, n.enc...), n.dec...) {
								for i := range L.b {
									L.b[i] = 0.1 * rng.NormFloat64()
								}
							}
							x := make([]float64, rows*n.D)
							for i := range x {
								x[i] = rng.Float64() // in [0,1] so bce is valid
							}
							if act == kernels.ReLU {
								avoidKinks(t, n, x, rows)
							}
							rel := gradCheck(n, x, rows, sparse(pn.p), 0.01)
							t.Logf("relative error %.2e", rel)
							if rel > 1e-6 || math.IsNaN(rel) {
								t.Errorf("relative gradient error %.3g > 1e-6", rel)
							}
						})
					}
				}
			}
		}
	}
}

// The contractive penalty's gradient, layer by layer in deep encoders.
func TestContractiveGradients(t *testing.T) {
	const rows = 5
	for _, sizes := range [][]int{{7, 5}, {7, 6, 4}} {
		for _, act := range []Act{kernels.ReLU, kernels.Sigmoid, kernels.Tanh} {
			t.Run(fmt.Sprintf("%v/%s", sizes, actName[act]), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 6))
				n := New[float64](Spec{Sizes: sizes, Act: act, Kind: kind("kl")})
				n.Init(rng, nil)
				x := make([]float64, rows*n.D)
				for i := range x {
					x[i] = rng.Float64()
				}
				if act == kernels.ReLU {
					avoidKinks(t, n, x, rows)
				}
				rel := gradCheck(n, x, rows, sparse(Params{Rho: 0.2, Beta: 1, Contractive: 0.7, Trim: 0.2}), 0.01)
				if rel > 1e-6 || math.IsNaN(rel) {
					t.Errorf("relative gradient error %.3g > 1e-6", rel)
				}
			})
		}
	}
}

// avoidKinks fails the test setup if a relu pre-activation, in any hidden
// layer, sits so close to zero that central differences would straddle the
// kink.
func avoidKinks(t *testing.T, n *Net[float64], x []float64, rows int) {
	check := func(L *dense[float64], in []float64) []float64 {
		out := make([]float64, rows*L.out)
		L.forward(in, rows, out)
		for i := range out {
			out[i] += L.b[i%L.out]
			if math.Abs(out[i]) < 1e-3 {
				t.Fatalf("pre-activation %g too close to the relu kink; change the seed", out[i])
			}
			out[i] = math.Max(out[i], 0)
		}
		return out
	}
	in := x
	for l := range n.enc {
		if n.vae && l == n.Depth()-1 {
			return // a linear Gaussian layer; the sampled code feeds the decoder
		}
		in = check(&n.enc[l], in)
	}
	for m := 0; m < n.Depth()-1; m++ {
		in = check(&n.dec[m], in)
	}
}

// The gradient check must be able to fail: a deliberately wrong gradient
// (the tanh derivative used for sigmoid) is caught.
func TestGradientCheckDetectsError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := New[float64](Spec{Sizes: []int{4, 3}, Act: kernels.Sigmoid})
	n.Init(rng, nil)
	x := make([]float64, 5*4)
	for i := range x {
		x[i] = rng.Float64()
	}
	n.act = kernels.Tanh // forward and backward now disagree with ...
	var w Workspace[float64]
	_, g := objective64(n, &w, x, 5, sparse(Params{}), 0)
	g = append([]float64(nil), g...)
	n.act = kernels.Sigmoid // ... the objective differentiated numerically here.
	rel := fdRelError(n.Params, g, 1e-5, nil, func() float64 {
		f, _ := objective64(n, &w, x, 5, sparse(Params{}), 0)
		return f
	})
	if rel < 1e-3 {
		t.Fatalf("a wrong gradient passed the check: relative error %g", rel)
	}
}

// The variational model's gradient (reparameterised sample with fixed
// draws, KL to N(0, I)) against central differences.
func TestVariationalGradients(t *testing.T) {
	const rows = 5
	for _, sizes := range [][]int{{7, 3}, {5, 4}, {7, 6, 3}} {
		for _, act := range []Act{kernels.ReLU, kernels.Sigmoid, kernels.Tanh} {
			for _, loss := range []Loss{MSE, BCE} {
				t.Run(fmt.Sprintf("%v/%s/loss=%d", sizes, actName[act], loss), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(8, 9))
					n := New[float64](Spec{Sizes: sizes, Act: act, Loss: loss, VAE: true})
					n.Init(rng, nil)
					x := make([]float64, rows*n.D)
					for i := range x {
						x[i] = rng.Float64()
					}
					if act == kernels.ReLU {
						avoidKinks(t, n, x, rows)
					}
					var w Workspace[float64]
					n.SampleNoise(&w, rows, rng)
					rel := gradCheckWith(n, &w, x, rows, sparse(Params{}), 0.01)
					if rel > 1e-6 || math.IsNaN(rel) {
						t.Errorf("relative gradient error %.3g > 1e-6", rel)
					}
				})
			}
		}
	}
}

// The chunked full-data passes equal one pass over all rows: the objective
// (with trimming and every penalty kind) and the full-batch gradient (kl's
// rates over all rows).
func TestFullDataPassesMatchOneBatch(t *testing.T) {
	const rows, d = 23, 6
	rng := rand.New(rand.NewPCG(2, 9))
	x := make([]float64, rows*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	chunked := func(size int) Scan[float64] {
		return func(fn func(x, target []float64, rows int) error) error {
			for lo := 0; lo < rows; lo += size {
				r := min(size, rows-lo)
				if err := fn(x[lo*d:(lo+r)*d], x[lo*d:(lo+r)*d], r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, name := range []string{"none", "l1", "kl"} {
		n := New[float64](Spec{Sizes: []int{d, 5}, Act: kernels.Sigmoid, Kind: kind(name)})
		n.Init(rng, nil)
		tm := sparse(Params{L1: 0.2, L1Weight: L1Decoder, Rho: 0.1, Beta: 2})
		var w Workspace[float64]
		one, _ := n.FullGrad(&w, tm, rows, chunked(rows))
		g1 := append([]float64(nil), w.Grad(n)...)
		many, _ := n.FullGrad(&w, tm, rows, chunked(4))
		for i, v := range w.Grad(n) {
			if math.Abs(v-g1[i]) > 1e-12 {
				t.Fatalf("%s: gradient %d: chunks %g, one batch %g", name, i, v, g1[i])
			}
		}
		// One batch of all rows: the mini-batch objective is the full one.
		mb := n.ForwardBackward(&w, x, x, rows, 1/float64(rows), tm, nil)
		if math.Abs(one-many) > 1e-12 || math.Abs(one-(mb.Recon+mb.Sparsity)) > 1e-12 {
			t.Fatalf("%s: full-batch objective %g in chunks, %g at once, %g as one mini-batch", name, many, one, mb.Recon+mb.Sparsity)
		}
		// The forward-only objective, in chunks, is the same.
		if o, _ := n.Objective(&w, tm, rows, chunked(4)); math.Abs(o-one) > 1e-12*math.Abs(one) {
			t.Fatalf("%s: forward-only objective %g, with gradient %g", name, o, one)
		}
	}
}
