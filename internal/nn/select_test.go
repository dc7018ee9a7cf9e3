package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// selectNet64 is a float64 one-layer selection-code net with random
// weights and biases, and random rows x.
func selectNet64(code string, d, h, k, rows int, seed uint64) (*Net[float64], []float64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	n := New[float64](Spec{Sizes: []int{d, h}, Act: kernels.ReLU, Kind: kind(code), K: k})
	n.Init(rng, nil)
	for _, b := range [][]float64{n.bEnc, n.bDec} {
		for i := range b {
			b[i] = 0.1 * rng.NormFloat64()
		}
	}
	x := make([]float64, rows*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return n, x
}

// selectionMargin is the smallest distance of a pre-activation of x from a
// point where the selection (or relu) changes: from 0, and, in each row's
// (topk) or the batch's (batchtopk) sorted order, between the last kept and
// the first dropped. With dead set, the AuxK selection among dead latents
// is checked too. Central differences need it well above their step.
func selectionMargin(n *Net[float64], x []float64, rows int, dead []bool, auxK int) float64 {
	var w Workspace[float64]
	w.ensure(n, rows)
	pre := append([]float64(nil), n.preActivations(&w, x, rows)...)
	h := n.H
	margin := math.Inf(1)
	gap := func(v []float64, keep int) {
		slices.SortFunc(v, func(a, b float64) int { return -cmpFloat(a, b) })
		if keep < len(v) {
			margin = min(margin, v[keep-1]-v[keep])
		}
	}
	for _, v := range pre {
		margin = min(margin, math.Abs(v))
	}
	if name := n.kind.Name(); name == "batchtopk" || name == "matryoshka" { // a batch's selection
		gap(append([]float64(nil), pre...), rows*n.k)
	} else {
		for i := 0; i < rows; i++ {
			gap(append([]float64(nil), pre[i*h:(i+1)*h]...), n.k)
		}
	}
	if dead != nil {
		for i := 0; i < rows; i++ {
			var v []float64
			for j, isDead := range dead {
				if isDead {
					v = append(v, pre[i*h+j])
				}
			}
			gap(v, min(auxK, len(v)))
		}
	}
	return margin
}

// TopK and BatchTopK training gradients, with and without AuxK, against
// central differences (away from ties and the relu kink).
func TestSelectionGradients(t *testing.T) {
	const d, h, k, rows = 7, 12, 3, 6
	for _, code := range []string{"topk", "batchtopk"} {
		for _, aux := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/aux=%v", code, aux), func(t *testing.T) {
				n, x := selectNet64(code, d, h, k, rows, 5)
				pen := sparse(Params{})
				if aux {
					withAuxK(pen, n, x, rows, h)
				}
				if m := selectionMargin(n, x, rows, pen.Dead, pen.AuxK); m < 1e-4 {
					t.Fatalf("selection margin %g too small for central differences; change the seed", m)
				}
				var w Workspace[float64]
				lp, _ := objective64(n, &w, x, rows, pen, 0.01)
				if aux && w.sel.aux.entries(rows) == 0 {
					t.Fatal("AuxK kept no latent: the test checks nothing")
				}
				rel := gradCheck(n, x, rows, pen, 0.01)
				t.Logf("objective %g, relative error %.2e", lp, rel)
				if rel > 1e-6 || math.IsNaN(rel) {
					t.Errorf("relative gradient error %.3g > 1e-6", rel)
				}
			})
		}
	}
}

// The check can fail: AuxK's gradient dropped (the term kept in the
// objective) is caught.
func TestSelectionGradientCheckDetectsError(t *testing.T) {
	const d, h, k, rows = 7, 12, 3, 6
	n, x := selectNet64("topk", d, h, k, rows, 5)
	pen := &Terms{Params: Params{AuxK: 2, AuxCoef: 0.7}, Sparse: true, Dead: make([]bool, h)}
	for _, j := range []int{1, 4, 5, 8, 10} {
		pen.Dead[j] = true
	}
	var w Workspace[float64]
	w.ensure(n, rows)
	n.ReconLoss(&w, x, x, rows)
	pen.auxResidual = make([]float64, rows*d)
	for i := range pen.auxResidual {
		pen.auxResidual[i] = x[i] - w.z[i]
	}
	_, g := objective64(n, &w, x, rows, sparse(Params{}), 0) // no AuxK gradient
	g = append([]float64(nil), g...)
	rel := fdRelError(n.Params, g, 1e-6, nil, func() float64 {
		f, _ := objective64(n, &w, x, rows, pen, 0)
		return f
	})
	if rel < 1e-3 {
		t.Fatalf("a gradient without AuxK passed the check: relative error %g", rel)
	}
}

// The inference code of topk is exactly each row's k largest
// pre-activations (x - b_dec)·W_enc + b_enc, relu'd, computed here densely in float64; and the
// sparse reconstruction equals the dense product with that code.
func TestTopKCodeMatchesDenseReference(t *testing.T) {
	const d, h, k, rows = 9, 40, 5, 30
	n, x := selectNet64("topk", d, h, k, rows, 6)
	var w Workspace[float64]
	w.ensure(n, rows)
	code := append([]float64(nil), n.Encode(&w, x, rows)...)
	for i := 0; i < rows; i++ {
		pre := make([]float64, h)
		for j := range pre {
			pre[j] = n.bEnc[j]
			for p := 0; p < d; p++ {
				pre[j] += (x[i*d+p] - n.bDec[p]) * n.wEnc[p*h+j]
			}
		}
		order := make([]int, h)
		for j := range order {
			order[j] = j
		}
		slices.SortFunc(order, func(a, b int) int { return -cmpFloat(pre[a], pre[b]) })
		want := make([]float64, h)
		for _, j := range order[:k] {
			want[j] = math.Max(pre[j], 0)
		}
		for j := range want {
			if math.Abs(code[i*h+j]-want[j]) > 1e-12 {
				t.Fatalf("row %d latent %d: code %g, want %g", i, j, code[i*h+j], want[j])
			}
		}
	}
	sparse := make([]float64, rows*d)
	n.ReconLoss(&w, x, x, rows)
	copy(sparse, w.z[:rows*d])
	dense := make([]float64, rows*d)
	n.Decode(&w, code, rows, dense)
	for i := range dense {
		if math.Abs(dense[i]-sparse[i]) > 1e-12 {
			t.Fatalf("reconstruction %d: sparse %g, dense %g", i, sparse[i], dense[i])
		}
	}
}

// batchtopk's training selection keeps exactly B*k entries when enough
// are positive, and they are the batch's largest.
func TestSelectBatchKeepsBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct{ rows, h, k int }{{1, 10, 3}, {8, 50, 4}, {16, 33, 7}} {
		pre := make([]float64, tc.rows*tc.h)
		for i := range pre {
			pre[i] = math.Round(rng.NormFloat64()*20) / 10 // many ties
		}
		var sw selectWork[float64]
		selectBatch(&sw, &sw.main, pre, tc.rows, tc.h, tc.k)
		sorted := append([]float64(nil), pre...)
		slices.SortFunc(sorted, func(a, b float64) int { return -cmpFloat(a, b) })
		budget := tc.rows * tc.k
		if got := sw.main.entries(tc.rows); got != budget {
			t.Fatalf("%+v: kept %d, want %d", tc, got, budget)
		}
		var keptSum, wantSum float64
		for _, v := range sw.main.val {
			keptSum += v
		}
		for _, v := range sorted[:budget] {
			wantSum += v
		}
		if math.Abs(keptSum-wantSum) > 1e-9 || sw.minKept != sorted[budget-1] {
			t.Fatalf("%+v: kept sum %g min %g, want %g min %g", tc, keptSum, sw.minKept, wantSum, sorted[budget-1])
		}
	}
}

func TestKthLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(100)
		a := make([]float32, n)
		for i := range a {
			a[i] = float32(rng.IntN(1 + n/3)) // duplicates
		}
		s := append([]float32(nil), a...)
		slices.Sort(s)
		k := 1 + rng.IntN(n)
		if got, want := kthLargest(a, k), s[n-k]; got != want {
			t.Fatalf("n %d k %d: got %g, want %g", n, k, got, want)
		}
	}
}

// Unit-norm constraint: the projected gradient is orthogonal to each row.
func TestProjectRowGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const h, d = 5, 7
	W := make([]float64, h*d)
	g := make([]float64, h*d)
	for i := range W {
		W[i], g[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	normalizeRows(0, W, h, d)
	projectRowGrads(0, W, g, h, d)
	for j := 0; j < h; j++ {
		var s, n float64
		for p := 0; p < d; p++ {
			s += W[j*d+p] * g[j*d+p]
			n += W[j*d+p] * W[j*d+p]
		}
		if math.Abs(s) > 1e-12 || math.Abs(n-1) > 1e-12 {
			t.Fatalf("row %d: w·g %g, |w|² %g", j, s, n)
		}
	}
}

// The geometric median resists an outlier that drags the mean.
func TestGeometricMedian(t *testing.T) {
	var x []float32
	for i := 0; i < 9; i++ {
		x = append(x, float32(i%3)-1, float32(i/3)-1) // a 3x3 grid around 0
	}
	x = append(x, 1000, 1000)
	m := GeometricMedian(x, 10, 2)
	if math.Hypot(float64(m[0]), float64(m[1])) > 0.5 {
		t.Fatalf("median %v, want near (0, 0) (the mean is near (100, 100))", m)
	}
}

// Dead latents: a latent counts as dead once it has gone a window of
// samples without firing, and firing revives it.
func TestDeadLatents(t *testing.T) {
	dl := NewDeadLatents(3, 10)
	step := func(rows int, fired ...int32) { dl.Observe(fired, rows) }
	step(4, 0)
	step(4, 0)
	if dl.N != 0 {
		t.Fatalf("%d dead after 8 samples, window 10", dl.N)
	}
	step(4, 0, 1)
	if dl.N != 1 || !dl.Dead[2] {
		t.Fatalf("after 12 samples: dead %v", dl.Dead)
	}
	step(4, 2)
	if dl.Dead[2] || dl.N != 0 {
		t.Fatalf("latent 2 fired but is dead: %v", dl.Dead)
	}
}

// The float32 production path (vector kernels, the transposed encoder
// gradient) gives the float64 path's gradient, which the finite-difference
// checks cover.
func TestSelectionFloat32MatchesFloat64(t *testing.T) {
	const d, h, k, rows = 40, 100, 5, 37
	for _, code := range []string{"topk", "batchtopk"} {
		n64, x64 := selectNet64(code, d, h, k, rows, 13)
		n32, x32 := to32(n64, x64)
		dead := make([]bool, h)
		for j := 0; j < h; j += 3 {
			dead[j] = true
		}
		pen := &Terms{Params: Params{AuxK: 7, AuxCoef: 0.5}, Sparse: true, Dead: dead}
		t.Run(code, func(t *testing.T) {
			// (the second step checks the scratch was left clean)
			matchesFloat64(t, n64, x64, n32, x32, rows, pen)
		})
	}
}
