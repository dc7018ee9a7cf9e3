package nn

import (
	"math"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/optim"
)

// kind is the kind named name; it panics for an unknown name.
func kind(name string) Kind {
	k := Lookup(name)
	if k == nil {
		panic("no kind " + name)
	}
	return k
}

// sparse are the terms of the sparse phase with the settings p.
func sparse(p Params) *Terms { return &Terms{Params: p, Sparse: true} }

var actName = map[Act]string{kernels.ReLU: "relu", kernels.Sigmoid: "sigmoid", kernels.Tanh: "tanh"}

// weightSpans are the weight matrices of n (weight decay's spans).
func weightSpans[T Float](n *Net[T]) []optim.Span {
	var s []optim.Span
	for _, seg := range n.Segments() {
		if seg.Weight {
			s = append(s, optim.Span{Lo: seg.Off, Hi: seg.Off + seg.Size()})
		}
	}
	return s
}

// objective64 evaluates the full mini-batch objective (loss terms + weight
// decay) and its gradient into w's.
func objective64(n *Net[float64], w *Workspace[float64], x []float64, rows int, t *Terms, wd float64) (float64, []float64) {
	g := w.Grad(n)
	clear(g)
	lp := n.ForwardBackward(w, x, x, rows, 1/float64(rows), t, nil)
	lp.Decay = optim.Decay(n.Params, g, weightSpans(n), wd)
	return lp.Total(), g
}

// gradCheck compares the analytic gradient with central differences and
// returns ||g - g_num|| / ||g + g_num||.
func gradCheck(n *Net[float64], x []float64, rows int, t *Terms, wd float64) float64 {
	var w Workspace[float64]
	return gradCheckWith(n, &w, x, rows, t, wd)
}

// gradCheckWith is gradCheck with a prepared workspace (the variational
// model's draws live there).
func gradCheckWith(n *Net[float64], w *Workspace[float64], x []float64, rows int, t *Terms, wd float64) float64 {
	_, g := objective64(n, w, x, rows, t, wd)
	g = append([]float64(nil), g...)
	return fdRelError(n.Params, g, 1e-6, nil, func() float64 {
		f, _ := objective64(n, w, x, rows, t, wd)
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

// to32 converts a float64 test network and its data to float32.
func to32(n64 *Net[float64], x64 []float64) (*Net[float32], []float32) {
	n32 := New[float32](n64.Spec())
	for i, v := range n64.Params {
		n32.Params[i] = float32(v)
	}
	x32 := make([]float32, len(x64))
	for i, v := range x64 {
		x32[i] = float32(v)
	}
	return n32, x32
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// matchesFloat64 runs two forward-backward passes of the same network in
// float32 and float64 on the same rows and fails unless their losses and
// gradients agree to 1e-4 (relative); the second pass finds scratch left
// dirty by the first.
func matchesFloat64(t *testing.T, n64 *Net[float64], x64 []float64, n32 *Net[float32], x32 []float32, rows int, tm *Terms) {
	t.Helper()
	var w64 Workspace[float64]
	var w32 Workspace[float32]
	for step := 0; step < 2; step++ {
		clear(w64.Grad(n64))
		clear(w32.Grad(n32))
		l64 := n64.ForwardBackward(&w64, x64, x64, rows, 1.0/float64(rows), tm, nil)
		l32 := n32.ForwardBackward(&w32, x32, x32, rows, 1.0/float32(rows), tm, nil)
		if math.Abs(l32.Total()-l64.Total()) > 1e-4*l64.Total() {
			t.Fatalf("step %d: loss float32 %g, float64 %g", step, l32.Total(), l64.Total())
		}
		var diff, norm float64
		for i, g := range w64.grad {
			e := float64(w32.grad[i]) - g
			diff += e * e
			norm += g * g
		}
		if rel := math.Sqrt(diff / norm); !(rel < 1e-4) {
			t.Fatalf("step %d: float32 gradient differs from float64 by %.3g (relative)", step, rel)
		}
	}
}

// withAuxK marks latents 1, 4, 5, 8 and 10 of h dead and turns on AuxK
// (2 latents, coefficient 0.7) in pen, with the residual AuxK reconstructs
// held at its value for the current weights of n (finite differences move
// the weights, not the residual).
func withAuxK(pen *Terms, n *Net[float64], x []float64, rows, h int) {
	pen.Dead = make([]bool, h)
	for _, j := range []int{1, 4, 5, 8, 10} {
		pen.Dead[j] = true
	}
	pen.AuxK, pen.AuxCoef = 2, 0.7
	var w Workspace[float64]
	w.ensure(n, rows)
	n.ReconLoss(&w, x, x, rows)
	pen.auxResidual = make([]float64, len(x))
	for i := range pen.auxResidual {
		pen.auxResidual[i] = x[i] - w.z[i]
	}
}
