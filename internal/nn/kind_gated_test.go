package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gatedNet64 is a float64 gated net with random weights, biases and
// magnitude tensors, and random rows x.
func gatedNet64(d, h, rows int, seed uint64) (*Net[float64], []float64) {
	n, x := selectNet64("gated", d, h, 0, rows, seed)
	rng := rand.New(rand.NewPCG(seed, 77))
	for j := 0; j < h; j++ {
		n.kt[0][j] = 0.4 * rng.NormFloat64() // r_mag
		n.kt[1][j] = 0.3 * rng.NormFloat64() // b_mag
	}
	return n, x
}

// frozen is a copy of n's decoder, W_dec then b_dec.
func frozen(n *Net[float64]) []float64 { return append(slices.Clone(n.wDec), n.bDec...) }

// gatedReference computes densely in float64, independently of the
// selection code, the gated objective of rows x with the frozen decoder
// fz, its codes, and the smallest distance of a gate or magnitude
// pre-activation from 0 (where the code jumps or bends).
func gatedReference(n *Net[float64], x []float64, rows int, lambda float64, fz []float64) (loss float64, codes []float64, margin float64) {
	d, h := n.D, n.H
	fW, fb := fz[:h*d], fz[h*d:]
	norm := 1 / float64(rows)
	codes = make([]float64, rows*h)
	margin = math.Inf(1)
	for i := 0; i < rows; i++ {
		gate := make([]float64, h)
		for j := 0; j < h; j++ {
			var s float64
			for p := 0; p < d; p++ {
				s += (x[i*d+p] - n.bDec[p]) * n.wEnc[p*h+j]
			}
			gate[j] = s + n.bEnc[j]
			mag := math.Exp(n.kt[0][j])*s + n.kt[1][j]
			margin = min(margin, math.Abs(gate[j]))
			if gate[j] > 0 {
				margin = min(margin, math.Abs(mag))
				codes[i*h+j] = math.Max(mag, 0)
			}
		}
		for p := 0; p < d; p++ {
			xh, eh := n.bDec[p], fb[p]
			for j := 0; j < h; j++ {
				xh += codes[i*h+j] * n.wDec[j*d+p]
				eh += math.Max(gate[j], 0) * fW[j*d+p]
			}
			loss += 0.5 * norm * ((xh-x[i*d+p])*(xh-x[i*d+p]) + (eh-x[i*d+p])*(eh-x[i*d+p]))
		}
		for j := 0; j < h; j++ {
			var r float64
			for p := 0; p < d; p++ {
				r += fW[j*d+p] * fW[j*d+p]
			}
			loss += lambda * norm * math.Max(gate[j], 0) * math.Sqrt(r)
		}
	}
	return loss, codes, margin
}

// The gated objective is the published one (computed densely here), its
// code is the gate times the relu'd magnitude, and the gradient matches
// central differences with the frozen decoder held fixed.
func TestGatedGradients(t *testing.T) {
	const d, h, rows, lambda = 7, 12, 6, 0.3
	n, x := gatedNet64(d, h, rows, 5)
	tm := sparse(Params{L1: lambda})
	tm.frozenDecoder = frozen(n)
	want, wantCodes, margin := gatedReference(n, x, rows, lambda, tm.frozenDecoder)
	if margin < 1e-4 {
		t.Fatalf("a pre-activation is %g from a jump: change the seed", margin)
	}
	var w Workspace[float64]
	lp, _ := objective64(n, &w, x, rows, tm, 0)
	if math.Abs(lp-want) > 1e-12*want {
		t.Fatalf("objective %g, the dense reference %g", lp, want)
	}
	open, kept := w.kind.(*gatedWork[float64]).gate.entries(rows), w.sel.main.entries(rows)
	if kept == 0 || open == kept {
		t.Fatalf("%d open gates, %d kept: the test needs gates closed by the magnitude too", open, kept)
	}
	codes := n.Encode(&w, x, rows)
	for i, v := range codes {
		if math.Abs(v-wantCodes[i]) > 1e-12 {
			t.Fatalf("code %d: %g, the dense reference %g", i, v, wantCodes[i])
		}
	}
	rel := gradCheck(n, x, rows, tm, 0.01)
	t.Logf("objective %g, %d open gates, %d kept, relative error %.2e", lp, open, kept, rel)
	if rel > 1e-6 || math.IsNaN(rel) {
		t.Errorf("relative gradient error %.3g > 1e-6", rel)
	}
}

// The check can fail: against the objective of a live decoder (the frozen
// copy moving with the weights), the frozen decoder's gradient is wrong.
func TestGatedCheckDetectsError(t *testing.T) {
	const d, h, rows = 7, 12, 6
	n, x := gatedNet64(d, h, rows, 5)
	if rel := gradCheck(n, x, rows, sparse(Params{L1: 0.3}), 0); rel < 1e-3 {
		t.Fatalf("the frozen decoder's gradient passed against a live decoder's objective: relative error %g", rel)
	}
}

// The float32 production path computes the float64 path's gradient, over
// two steps (the scratch is left clean).
func TestGatedFloat32MatchesFloat64(t *testing.T) {
	const d, h, rows = 40, 100, 37
	n64, x64 := gatedNet64(d, h, rows, 13)
	n32, x32 := to32(n64, x64)
	tm := sparse(Params{L1: 0.2})
	matchesFloat64(t, n64, x64, n32, x32, rows, tm)
}
