package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/optim"
)

// The supervised head's and the encoder's gradients under cross-entropy
// against central differences.
func TestSupervisedGradients(t *testing.T) {
	const rows, classes = 6, 3
	for _, sizes := range [][]int{{7, 4}, {7, 6, 4}} {
		for _, act := range []Act{kernels.ReLU, kernels.Sigmoid, kernels.Tanh} {
			for _, vae := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%s/vae=%v", sizes, actName[act], vae), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(2, 7))
					n := New[float64](Spec{Sizes: sizes, Act: act, VAE: vae, Classes: classes})
					n.Init(rng, nil)
					x := make([]float64, rows*n.D)
					for i := range x {
						x[i] = rng.Float64()
					}
					labels := make([]int32, rows)
					for i := range labels {
						labels[i] = int32(rng.IntN(classes))
					}
					if act == kernels.ReLU {
						avoidKinks(t, n, x, rows)
					}
					var w Workspace[float64]
					probs := make([]float64, rows*classes)
					f := func() float64 {
						g := w.Grad(n)
						clear(g)
						l, _ := n.SupervisedForwardBackward(&w, x, labels, rows, 1.0/rows, probs)
						return l + optim.Decay(n.Params, g, weightSpans(n), 0.01)
					}
					f()
					g := append([]float64(nil), w.grad...)
					if rel := fdRelError(n.Params, g, 1e-6, nil, f); rel > 1e-6 || math.IsNaN(rel) {
						t.Errorf("relative gradient error %.3g > 1e-6", rel)
					}
				})
			}
		}
	}
}
