package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// transcoderNet is a float64 transcoder d -> o of kind k (with its
// defaults and a skip when skip is set, W_skip random), random rows x
// [rows,d] and targets y [rows,o].
func transcoderNet(t *testing.T, k Kind, skip bool) (*Net[float64], *Terms, []float64, []float64) {
	t.Helper()
	const d, o, h, rows = 7, 5, 12, 6
	p := Params{Hidden: h, L1: 0.3, Rho: 0.2, Beta: 1.5, AuxCoef: 0.5, Optimizer: "adam", Loss: "mse", Normalize: "auto"}
	k.Resolve(&p, d)
	if k.Name() == "matryoshka" {
		p.Groups = []int{4, 8, h}
	}
	act := kernels.Sigmoid
	if k.Traits().Code {
		act = kernels.ReLU
	}
	rng := rand.New(rand.NewPCG(5, 21))
	n := New[float64](Spec{Sizes: []int{d, h}, Act: act, Kind: k, K: p.K, Out: o, Skip: skip})
	n.Init(rng, nil)
	for _, b := range [][]float64{n.bEnc, n.bDec, n.wSkip} {
		for i := range b {
			b[i] = 0.2 * rng.NormFloat64()
		}
	}
	if k.Name() == "gated" {
		for j := 0; j < h; j++ {
			n.kt[0][j], n.kt[1][j] = 0.4*rng.NormFloat64(), 0.3*rng.NormFloat64()
		}
	}
	x, y := make([]float64, rows*d), make([]float64, rows*o)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	return n, sparse(p), x, y
}

// transcoderObjective is the mini-batch objective of x against y and its
// gradient (w's).
func transcoderObjective(n *Net[float64], w *Workspace[float64], x, y []float64, rows int, t *Terms) (float64, []float64) {
	g := w.Grad(n)
	clear(g)
	return n.ForwardBackward(w, x, y, rows, 1/float64(rows), t, nil).Total(), g
}

// Every kind trains as a transcoder, with and without the skip: the
// gradient of its objective against y matches central differences in
// float64 (a kind's tensors that are trained by an estimator, jumprelu's
// thresholds, are left out; gated's frozen decoder is held fixed), where
// no step of the differences changes which latents are kept; the skip's
// gradient is part of what is checked (dropping it fails the check).
func TestTranscoderGradients(t *testing.T) {
	for _, k := range Kinds() {
		for _, skip := range []bool{false, true} {
			name := k.Name()
			if skip {
				name += "+skip"
			}
			t.Run(name, func(t *testing.T) {
				n, tm, x, y := transcoderNet(t, k, skip)
				const rows = 6
				if k.Name() == "gated" {
					tm.frozenDecoder = append(slices.Clone(n.wDec), n.bDec...)
				}
				var w Workspace[float64]
				_, g := transcoderObjective(n, &w, x, y, rows, tm)
				g = slices.Clone(g)
				var kept []int32
				if k.Traits().Code {
					kept = slices.Clone(w.Kept(rows))
				}
				estimated := func(i int) bool {
					return k.Name() == "jumprelu" && i >= n.ktOff[0] && i < n.ktOff[0]+n.H
				}
				f := func() float64 {
					v, _ := transcoderObjective(n, &w, x, y, rows, tm)
					if k.Traits().Code && !slices.Equal(w.Kept(rows), kept) {
						t.Fatal("a step of the differences changes the kept latents; change the seed")
					}
					return v
				}
				if rel := fdRelError(n.Params, g, 1e-6, estimated, f); rel > 1e-6 || math.IsNaN(rel) {
					t.Fatalf("relative gradient error %.3g", rel)
				}
				if !skip {
					return
				}
				clear(g[n.skipAt : n.skipAt+n.D*n.O])
				if rel := fdRelError(n.Params, g, 1e-6, estimated, f); rel < 1e-3 {
					t.Fatalf("the check passes (%.3g) without the skip's gradient", rel)
				}
			})
		}
	}
}

// A transcoder's encoder reads x as it is: its codes do not move with
// b_dec (which lives in the target's space); its prediction is the
// decoded code plus x·W_skip, and Reconstruct, ReconLoss and Decode agree
// on it; the float32 network follows the float64 one.
func TestTranscoderForward(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(k.Name(), func(t *testing.T) {
			n, _, x, y := transcoderNet(t, k, true)
			const rows = 6
			var w Workspace[float64]
			codes := slices.Clone(n.Encode(&w, x, rows))
			for i := range n.bDec {
				n.bDec[i] += 0.5
			}
			if moved := n.Encode(&w, x, rows); !slices.Equal(moved, codes) {
				t.Fatal("the codes move with b_dec")
			}
			pred := make([]float64, rows*n.O)
			n.Reconstruct(&w, x, rows, pred)
			want := make([]float64, rows*n.O)
			n.Decode(&w, codes, rows, want)
			var loss float64
			for i := 0; i < rows; i++ {
				for q := 0; q < n.O; q++ {
					v := &want[i*n.O+q]
					for p := 0; p < n.D; p++ {
						*v += x[i*n.D+p] * n.wSkip[p*n.O+q]
					}
					e := *v - y[i*n.O+q]
					loss += 0.5 * e * e
				}
			}
			for i := range pred {
				if math.Abs(pred[i]-want[i]) > 1e-12 {
					t.Fatalf("prediction %d: %g, decoded code plus skip %g", i, pred[i], want[i])
				}
			}
			if got := n.ReconLoss(&w, x, y, rows); math.Abs(got-loss) > 1e-12*loss {
				t.Fatalf("loss %g, from the prediction %g", got, loss)
			}
			n32, x32 := to32(n, x)
			var w32 Workspace[float32]
			p32 := make([]float32, rows*n.O)
			n32.Reconstruct(&w32, x32, rows, p32)
			for i := range p32 {
				if math.Abs(float64(p32[i])-pred[i]) > 1e-5*(1+math.Abs(pred[i])) {
					t.Fatalf("float32 prediction %d: %g, float64 %g", i, p32[i], pred[i])
				}
			}
		})
	}
}
