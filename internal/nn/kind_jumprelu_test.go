package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// jumpNet64 is a float64 jumprelu net with random weights, biases and
// thresholds, random rows x, and some thresholds moved to within the
// bandwidth of a pre-activation (some above it, some below), so that the
// straight-through terms are exercised.
func jumpNet64(t *testing.T, d, h, rows int, eps float64, seed uint64) (*Net[float64], []float64) {
	t.Helper()
	n, x := selectNet64("jumprelu", d, h, 0, rows, seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	var w Workspace[float64]
	w.ensure(n, rows)
	pre := append([]float64(nil), n.preActivations(&w, x, rows)...)
	thr := n.kt[0]
	for j := range thr {
		// A positive pre-activation of latent j, the threshold within
		// ε/2 of it on one side or the other (or a random threshold).
		i := rng.IntN(rows)
		v := pre[i*h+j]
		switch {
		case v > 0.1 && j%3 == 0:
			thr[j] = v - 0.3*eps // kept, in the window
		case v > 0.1 && j%3 == 1:
			thr[j] = v + 0.3*eps // dropped, in the window
		default:
			thr[j] = 0.05 + 0.3*rng.Float64()
		}
	}
	return n, x
}

// jumpReference computes, densely in float64 and independently of the
// selection code, the objective of a jumprelu net and the
// straight-through gradient of the thresholds.
func jumpReference(n *Net[float64], x []float64, rows int, lambda, eps float64) (float64, []float64) {
	d, h := n.D, n.H
	thr := n.kt[0]
	norm := 1 / float64(rows)
	gThr := make([]float64, h)
	var loss float64
	for i := 0; i < rows; i++ {
		pre := make([]float64, h)
		for j := 0; j < h; j++ {
			s := n.bEnc[j]
			for p := 0; p < d; p++ {
				s += (x[i*d+p] - n.bDec[p]) * n.wEnc[p*h+j]
			}
			pre[j] = s
		}
		dz := make([]float64, d)
		for p := 0; p < d; p++ {
			xh := n.bDec[p]
			for j := 0; j < h; j++ {
				if pre[j] > thr[j] && pre[j] > 0 {
					xh += pre[j] * n.wDec[j*d+p]
				}
			}
			e := xh - x[i*d+p]
			loss += 0.5 * e * e * norm
			dz[p] = e * norm
		}
		for j := 0; j < h; j++ {
			if pre[j] > thr[j] && pre[j] > 0 {
				loss += lambda * norm
			}
			if math.Abs(pre[j]-thr[j]) < eps/2 {
				var g float64
				for p := 0; p < d; p++ {
					g += dz[p] * n.wDec[j*d+p]
				}
				gThr[j] += -(thr[j]/eps)*g - lambda*norm/eps
			}
		}
	}
	return loss, gThr
}

// The jumprelu training gradient: every parameter but the thresholds
// against central differences (away from the jumps), the thresholds'
// straight-through pseudo-gradient against the formula computed densely.
func TestJumpReLUGradients(t *testing.T) {
	const d, h, rows = 7, 12, 6
	const eps, lambda = 0.05, 0.4
	n, x := jumpNet64(t, d, h, rows, eps, 5)
	tm := sparse(Params{L0Coef: lambda, Bandwidth: eps})
	thr := n.kt[0]

	// Distance of every pre-activation from its threshold and from 0,
	// and the window's entries on each side.
	var w Workspace[float64]
	w.ensure(n, rows)
	pre := append([]float64(nil), n.preActivations(&w, x, rows)...)
	margin := math.Inf(1)
	keptNear, droppedNear := 0, 0
	for i, v := range pre {
		j := i % h
		margin = min(margin, math.Abs(v-thr[j]), math.Abs(v))
		if math.Abs(v-thr[j]) < eps/2 {
			if v > thr[j] {
				keptNear++
			} else {
				droppedNear++
			}
		}
	}
	if margin < 1e-4 {
		t.Fatalf("a pre-activation is %g from a jump: change the seed", margin)
	}
	if keptNear == 0 || droppedNear == 0 {
		t.Fatalf("window entries: %d kept, %d dropped; the test needs both", keptNear, droppedNear)
	}

	lp, g := objective64(n, &w, x, rows, tm, 0.01)
	g = append([]float64(nil), g...)
	wantLoss, wantThr := jumpReference(n, x, rows, lambda, eps)
	if decay := n.DecayValue(0.01); math.Abs(lp-decay-wantLoss) > 1e-12*math.Abs(wantLoss) {
		t.Fatalf("objective %g, the dense reference %g", lp-decay, wantLoss)
	}
	thrLo, thrHi := n.ktOff[0], n.ktOff[0]+h
	for j, want := range wantThr {
		if got := g[thrLo+j]; math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("threshold %d: gradient %g, the straight-through formula %g", j, got, want)
		}
	}

	rel := fdRelError(n.Params, g, 1e-6, func(i int) bool { return i >= thrLo && i < thrHi }, func() float64 {
		f, _ := objective64(n, &w, x, rows, tm, 0.01)
		return f
	})
	t.Logf("objective %g, relative error %.2e, window: %d kept, %d dropped", lp, rel, keptNear, droppedNear)
	if rel > 1e-6 || math.IsNaN(rel) {
		t.Errorf("relative gradient error %.3g > 1e-6", rel)
	}
}

// The reference check can fail: thresholds' gradients computed with the
// wrong bandwidth disagree with it.
func TestJumpReLUReferenceDetectsError(t *testing.T) {
	const d, h, rows = 7, 12, 6
	const eps, lambda = 0.05, 0.4
	n, x := jumpNet64(t, d, h, rows, eps, 5)
	var w Workspace[float64]
	_, g := objective64(n, &w, x, rows, sparse(Params{L0Coef: lambda, Bandwidth: 2 * eps}), 0)
	_, want := jumpReference(n, x, rows, lambda, eps)
	if slices.EqualFunc(g[n.ktOff[0]:n.ktOff[0]+h], want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
		t.Fatal("thresholds' gradients of another bandwidth passed")
	}
}

// The float32 training path computes what the float64 one does.
func TestJumpReLUFloat32MatchesFloat64(t *testing.T) {
	const d, h, rows = 9, 16, 8
	const eps, lambda = 0.05, 0.4
	n64, x64 := jumpNet64(t, d, h, rows, eps, 7)
	n32, x32 := to32(n64, x64)
	tm := sparse(Params{L0Coef: lambda, Bandwidth: eps})
	var w64 Workspace[float64]
	l64, g64 := objective64(n64, &w64, x64, rows, tm, 0)
	var w32 Workspace[float32]
	l32 := n32.ForwardBackward(&w32, x32, x32, rows, 1/float32(rows), tm, nil).Total()
	if math.Abs(l32-l64) > 1e-4*math.Abs(l64) {
		t.Fatalf("loss float32 %g, float64 %g", l32, l64)
	}
	var diff, scale float64
	for i, v := range g64 {
		diff = max(diff, math.Abs(float64(w32.grad[i])-v))
		scale = max(scale, math.Abs(v))
	}
	if diff > 1e-3*scale {
		t.Fatalf("gradients differ by %g (scale %g)", diff, scale)
	}
}

// A jumprelu code is the pre-activations above the thresholds (and 0),
// and after a step the thresholds are kept >= 0.
func TestJumpReLUCodeAndClamp(t *testing.T) {
	const d, h, rows = 7, 12, 6
	n, x := jumpNet64(t, d, h, rows, 0.05, 5)
	thr := n.kt[0]
	thr[3], thr[4] = -0.5, -1e-9
	var w Workspace[float64]
	w.ensure(n, rows)
	pre := append([]float64(nil), n.preActivations(&w, x, rows)...)
	codes := n.Encode(&w, x, rows)
	for i, v := range codes {
		j := i % h
		want := 0.0
		if pre[i] > thr[j] && pre[i] > 0 {
			want = pre[i]
		}
		if v != want {
			t.Fatalf("code %d is %g; pre-activation %g, threshold %g", i, v, pre[i], thr[j])
		}
	}
	n.AfterStep(&w, rows, &State{})
	if thr[3] != 0 || thr[4] != 0 || slices.Min(thr) < 0 {
		t.Fatalf("thresholds after the step: %v", thr)
	}
}

// The weighted l1 term is l1 * mean over rows of Σ_j |a_j| ||W_dec[j,:]||,
// computed here directly; with unit-norm rows it is plain l1.
func TestWeightedL1Value(t *testing.T) {
	const rows = 5
	rng := rand.New(rand.NewPCG(4, 4))
	n := New[float64](Spec{Sizes: []int{6, 4}, Act: kernels.ReLU, Kind: kind("l1")})
	n.Init(rng, nil)
	x := make([]float64, rows*6)
	for i := range x {
		x[i] = rng.Float64()
	}
	for _, unit := range []bool{false, true} {
		if unit {
			normalizeRows(0, n.wDec, 4, 6)
		}
		var w Workspace[float64]
		w.Grad(n)
		lp := n.ForwardBackward(&w, x, x, rows, 1.0/rows, sparse(Params{L1: 0.3, L1Weight: L1Decoder}), nil)
		plain := n.ForwardBackward(&w, x, x, rows, 1.0/rows, sparse(Params{L1: 0.3, L1Weight: L1None}), nil)
		var want float64
		for i, v := range w.Code(n, rows) {
			j := i % 4
			want += math.Abs(v) * math.Sqrt(dot(n.wDec[j*6:(j+1)*6], n.wDec[j*6:(j+1)*6]))
		}
		want *= 0.3 / rows
		if math.Abs(lp.Sparsity-want) > 1e-12 {
			t.Fatalf("unit %v: weighted l1 %g, want %g", unit, lp.Sparsity, want)
		}
		if unit != (math.Abs(lp.Sparsity-plain.Sparsity) < 1e-12) {
			t.Fatalf("unit %v: weighted %g, plain %g", unit, lp.Sparsity, plain.Sparsity)
		}
	}
}
