package nn

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// matryoshkaReference computes, densely in float64 and independently of
// the selection code, the matryoshka objective of the rows x: BatchTopK's
// kept entries (the rows*k largest positive pre-activations of the batch),
// and the squared error of every prefix's reconstruction, the inner ones
// weighted by c, summed.
func matryoshkaReference(n *Net[float64], x []float64, rows int, widths []int, c float64) float64 {
	d, h := n.D, n.H
	pre := make([]float64, rows*h)
	for i := 0; i < rows; i++ {
		for j := 0; j < h; j++ {
			s := n.bEnc[j]
			for p := 0; p < d; p++ {
				s += (x[i*d+p] - n.bDec[p]) * n.wEnc[p*h+j]
			}
			pre[i*h+j] = s
		}
	}
	sorted := slices.Clone(pre)
	slices.SortFunc(sorted, func(a, b float64) int { return -cmpFloat(a, b) })
	cut := math.Max(sorted[rows*n.k-1], 0)
	var loss float64
	for g, m := range widths {
		cg := c
		if g == len(widths)-1 {
			cg = 1
		}
		for i := 0; i < rows; i++ {
			for p := 0; p < d; p++ {
				xh := n.bDec[p]
				for j := 0; j < m; j++ {
					if v := pre[i*h+j]; v >= cut && v > 0 {
						xh += v * n.wDec[j*d+p]
					}
				}
				e := xh - x[i*d+p]
				loss += cg * 0.5 * e * e / float64(rows)
			}
		}
	}
	return loss
}

// The matryoshka training objective is the published one (the squared
// errors of the nested prefixes' reconstructions, computed here densely,
// the inner ones weighted: by default 1/2; 1 is the published sum), and its gradient, with and without AuxK, matches
// central differences (away from the selection's jumps).
func TestMatryoshkaGradients(t *testing.T) {
	const d, h, k, rows = 7, 12, 3, 6
	widths := []int{3, 7, 12}
	for _, tc := range []struct {
		aux          bool
		weight, want float64
	}{{false, 0, 0.5}, {true, 0, 0.5}, {false, 1, 1}, {true, 0.3, 0.3}, {false, 2, 2}} {
		aux := tc.aux
		t.Run(fmt.Sprintf("aux=%v,weight=%g", aux, tc.weight), func(t *testing.T) {
			n, x := selectNet64("matryoshka", d, h, k, rows, 5)
			pen := sparse(Params{Groups: widths, GroupWeight: tc.weight})
			if aux {
				withAuxK(pen, n, x, rows, h)
			}
			if m := selectionMargin(n, x, rows, pen.Dead, pen.AuxK); m < 1e-4 {
				t.Fatalf("selection margin %g too small for central differences; change the seed", m)
			}
			var w Workspace[float64]
			lp := n.ForwardBackward(&w, x, x, rows, 1.0/rows, pen, nil)
			if want := matryoshkaReference(n, x, rows, widths, tc.want); math.Abs(lp.Recon+lp.Sparsity-want) > 1e-12*want {
				t.Fatalf("objective %g + %g, the dense reference %g", lp.Recon, lp.Sparsity, want)
			}
			for g := range widths {
				if w.kind.(*matryoshkaWork[float64]).groups[g].entries(rows) == 0 {
					t.Fatalf("group %d kept no latent: the test checks less than it says", g)
				}
			}
			if aux && w.sel.aux.entries(rows) == 0 {
				t.Fatal("AuxK kept no latent: the test checks nothing")
			}
			rel := gradCheck(n, x, rows, pen, 0.01)
			t.Logf("objective %g, relative error %.2e", lp.Total(), rel)
			if rel > 1e-6 || math.IsNaN(rel) {
				t.Errorf("relative gradient error %.3g > 1e-6", rel)
			}
		})
	}
}

// The checks can fail: a gradient of the full reconstruction alone
// (batchtopk's), or of the published sum, fails against the default
// weighting's nested objective, and the reference tells the nested
// objective from a single level's and the weights apart.
func TestMatryoshkaCheckDetectsError(t *testing.T) {
	const d, h, k, rows = 7, 12, 3, 6
	n, x := selectNet64("matryoshka", d, h, k, rows, 5)
	nested := sparse(Params{Groups: []int{3, 7, 12}})
	var w Workspace[float64]
	for _, other := range []Params{{Groups: []int{12}}, {Groups: []int{3, 7, 12}, GroupWeight: 1}} {
		_, g := objective64(n, &w, x, rows, sparse(other), 0)
		g = slices.Clone(g)
		rel := fdRelError(n.Params, g, 1e-6, nil, func() float64 {
			f, _ := objective64(n, &w, x, rows, nested, 0)
			return f
		})
		if rel < 1e-3 {
			t.Fatalf("the gradient of %+v passed the default nested check: relative error %g", other, rel)
		}
	}
	one := n.ForwardBackward(&w, x, x, rows, 1.0/rows, sparse(Params{Groups: []int{12}}), nil)
	if want := matryoshkaReference(n, x, rows, []int{3, 7, 12}, 0.5); math.Abs(one.Total()-want) < 1e-6 {
		t.Fatal("the reference does not tell one level from three")
	}
	if a, b := matryoshkaReference(n, x, rows, []int{3, 7, 12}, 0.5), matryoshkaReference(n, x, rows, []int{3, 7, 12}, 1); math.Abs(a-b) < 1e-6 {
		t.Fatal("the reference does not tell the weights apart")
	}
}

// The float32 production path computes the float64 path's gradient, over
// two steps (the scratch is left clean), with AuxK.
func TestMatryoshkaFloat32MatchesFloat64(t *testing.T) {
	const d, h, k, rows = 40, 100, 5, 37
	n64, x64 := selectNet64("matryoshka", d, h, k, rows, 13)
	n32, x32 := to32(n64, x64)
	dead := make([]bool, h)
	for j := 0; j < h; j += 3 {
		dead[j] = true
	}
	pen := &Terms{Params: Params{AuxK: 7, AuxCoef: 0.5, Groups: []int{6, 25, 100}}, Sparse: true, Dead: dead}
	matchesFloat64(t, n64, x64, n32, x32, rows, pen)
}

// Groups and GroupWeight resolve as documented: the default widths,
// Hidden appended to widths that stop short of it, the inner levels'
// weight 1/2 unless set (0 for a single level), and widths that
// do not increase or a weight that is not a finite number >= 0 refused.
func TestMatryoshkaGroups(t *testing.T) {
	k := matryoshkaKind{}
	for _, tc := range []struct {
		hidden, kk int
		groups     []int
		weight     float64
		want       []int
		wantW      float64
	}{
		{1024, 8, nil, 0, []int{16, 64, 256, 1024}, 0.5},
		{512, 16, nil, 0, []int{32, 128, 512}, 0.5},
		{16, 4, nil, 0, []int{4, 16}, 0.5},
		{1024, 8, []int{64, 256}, 0, []int{64, 256, 1024}, 0.5},
		{1024, 8, []int{100, 1024}, 0.25, []int{100, 1024}, 0.25},
		{1024, 8, []int{1024}, 0, []int{1024}, 0},
	} {
		p := Params{Hidden: tc.hidden, K: tc.kk, Groups: tc.groups, GroupWeight: tc.weight, Optimizer: "adam", Loss: "mse"}
		k.Resolve(&p, 10)
		if !slices.Equal(p.Groups, tc.want) || p.GroupWeight != tc.wantW {
			t.Errorf("hidden %d k %d groups %v weight %g: resolved %v weight %g, want %v weight %g",
				tc.hidden, tc.kk, tc.groups, tc.weight, p.Groups, p.GroupWeight, tc.want, tc.wantW)
		}
	}
	for _, w := range []float64{-0.5, math.NaN(), math.Inf(1)} {
		p := Params{Hidden: 1024, K: 8, Groups: []int{64, 1024}, GroupWeight: w, Optimizer: "adam", Loss: "mse"}
		var bad []string
		k.Validate(&p, func(field, f string, a ...any) { bad = append(bad, field) })
		if !slices.Equal(bad, []string{"GroupWeight"}) {
			t.Errorf("group weight %g: refused %v, want GroupWeight", w, bad)
		}
	}
	for _, g := range [][]int{{64, 64, 128}, {300, 200, 1024}, {0, 1024}, {64, 2048}} {
		p := Params{Hidden: 1024, K: 8, Groups: g, Optimizer: "adam", Loss: "mse"}
		var bad []string
		k.Validate(&p, func(field, f string, a ...any) { bad = append(bad, field) })
		if !slices.Equal(bad, []string{"Groups"}) {
			t.Errorf("groups %v: refused %v, want Groups", g, bad)
		}
	}
}
