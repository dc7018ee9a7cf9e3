package sae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// objective64 evaluates the full mini-batch objective (loss terms + weight
// decay) and its gradient into grad.
func objective64(n *net[float64], w *workspace[float64], x []float64, rows int, pen penalty, wd float64) (float64, []float64) {
	w.ensure(n, rows)
	clear(w.grad)
	lp := n.forwardBackward(w, x, x, rows, 1/float64(rows), pen, nil)
	lp.decay = n.addDecay(w.grad, wd)
	return lp.total(), w.grad
}

// gradCheck compares the analytic gradient with central differences and
// returns ||g - g_num|| / ||g + g_num||.
func gradCheck(t *testing.T, n *net[float64], x []float64, rows int, pen penalty, wd float64) float64 {
	t.Helper()
	var w workspace[float64]
	return gradCheckWith(n, &w, x, rows, pen, wd)
}

// gradCheckWith is gradCheck with a prepared workspace (the variational
// model's draws live there).
func gradCheckWith(n *net[float64], w *workspace[float64], x []float64, rows int, pen penalty, wd float64) float64 {
	_, g := objective64(n, w, x, rows, pen, wd)
	g = append([]float64(nil), g...)
	return fdRelError(n.params, g, 1e-6, nil, func() float64 {
		f, _ := objective64(n, w, x, rows, pen, wd)
		return f
	})
}

// fdRelError compares the gradient g of f with central differences of
// step eps in every parameter of p (except those skip reports): it returns
// ||g - num|| / ||g + num||.
func fdRelError(p, g []float64, eps float64, skip func(i int) bool, f func() float64) float64 {
	var diff, sum float64
	for i := range p {
		if skip != nil && skip(i) {
			continue
		}
		old := p[i]
		p[i] = old + eps
		fp := f()
		p[i] = old - eps
		fm := f()
		p[i] = old
		num := (fp - fm) / (2 * eps)
		diff += (g[i] - num) * (g[i] - num)
		sum += (g[i] + num) * (g[i] + num)
	}
	return math.Sqrt(diff) / math.Sqrt(sum)
}

func TestGradientsFiniteDifferences(t *testing.T) {
	const rows = 6
	pens := []penalty{
		{sparsity: SparsityNone},
		{sparsity: SparsityL1, l1: 0.3},
		{sparsity: SparsityL1, l1: 0.3, l1Weighted: true}, // plain for tied models
		{sparsity: SparsityKL, rho: 0.1, beta: 2},
	}
	for _, sizes := range [][]int{{7, 5}, {7, 6, 4}, {6, 5, 4, 3}} {
		for _, act := range []Activation{ReLU, Sigmoid, Tanh} {
			for _, pen := range pens {
				for _, loss := range []Loss{MSE, BCE} {
					for _, tied := range []bool{false, true} {
						name := fmt.Sprintf("%v/%s/%s/%s/tied=%v", sizes, act, pen.sparsity, loss, tied)
						if pen.l1Weighted {
							name += "/weighted"
						}
						t.Run(name, func(t *testing.T) {
							rng := rand.New(rand.NewPCG(3, 4))
							n := newNet[float64](netSpec{sizes: sizes, act: act, loss: loss, tied: tied})
							n.init(rng, nil)
							for _, L := range append(append([]dense[float64]{}, n.enc...), n.dec...) {
								for i := range L.b {
									L.b[i] = 0.1 * rng.NormFloat64()
								}
							}
							x := make([]float64, rows*n.d)
							for i := range x {
								x[i] = rng.Float64() // in [0,1] so bce is valid
							}
							if act == ReLU {
								avoidKinks(t, n, x, rows)
							}
							rel := gradCheck(t, n, x, rows, pen, 0.01)
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

// avoidKinks fails the test setup if a relu pre-activation, in any hidden
// layer, sits so close to zero that central differences would straddle the
// kink.
func avoidKinks(t *testing.T, n *net[float64], x []float64, rows int) {
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
		if n.vae && l == n.depth()-1 {
			return // a linear Gaussian layer; the sampled code feeds the decoder
		}
		in = check(&n.enc[l], in)
	}
	for m := 0; m < n.depth()-1; m++ {
		in = check(&n.dec[m], in)
	}
}

// The gradient check must be able to fail: a deliberately wrong gradient
// (the tanh derivative used for sigmoid) is caught.
func TestGradientCheckDetectsError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := newNet[float64](netSpec{sizes: []int{4, 3}, act: Sigmoid, loss: MSE, tied: false})
	n.init(rng, nil)
	x := make([]float64, 5*4)
	for i := range x {
		x[i] = rng.Float64()
	}
	n.act = Tanh // forward and backward now disagree with ...
	var w workspace[float64]
	_, g := objective64(n, &w, x, 5, penalty{}, 0)
	g = append([]float64(nil), g...)
	n.act = Sigmoid // ... the objective differentiated numerically here.
	rel := fdRelError(n.params, g, 1e-5, nil, func() float64 {
		f, _ := objective64(n, &w, x, 5, penalty{}, 0)
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
		for _, act := range []Activation{ReLU, Sigmoid, Tanh} {
			for _, loss := range []Loss{MSE, BCE} {
				t.Run(fmt.Sprintf("%v/%s/%s", sizes, act, loss), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(8, 9))
					n := newNet[float64](netSpec{sizes: sizes, act: act, loss: loss, vae: true})
					n.init(rng, nil)
					x := make([]float64, rows*n.d)
					for i := range x {
						x[i] = rng.Float64()
					}
					if act == ReLU {
						avoidKinks(t, n, x, rows)
					}
					var w workspace[float64]
					w.ensure(n, rows)
					for i := range w.eps {
						w.eps[i] = rng.NormFloat64()
					}
					rel := gradCheckWith(n, &w, x, rows, penalty{sparsity: SparsityNone}, 0.01)
					if rel > 1e-6 || math.IsNaN(rel) {
						t.Errorf("relative gradient error %.3g > 1e-6", rel)
					}
				})
			}
		}
	}
}
