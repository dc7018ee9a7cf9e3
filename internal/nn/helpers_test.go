package nn

import (
	"math"

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
