package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// codeGradientTests names the kinds with their own code whose gradients
// have a test of their own (a selection's jumps need margins a generic check
// cannot give): select_test.go, kind_jumprelu_test.go, kind_matryoshka_test.go, kind_gated_test.go.
var codeGradientTests = map[string]bool{"topk": true, "batchtopk": true, "jumprelu": true, "matryoshka": true, "gated": true}

// kindNet is a one-layer float64 net of kind k (relu for a kind with its
// own code, sigmoid otherwise) with the kind's defaults, and random rows.
func kindNet(t *testing.T, k Kind) (*Net[float64], *Terms, []float64) {
	t.Helper()
	const d, h, rows = 7, 12, 6
	p := Params{Hidden: h, L1: 0.3, Rho: 0.2, Beta: 1.5, AuxCoef: 0.5, Optimizer: "adam", Loss: "mse", Normalize: "auto"}
	k.Resolve(&p, d)
	var errs []string
	k.Validate(&p, func(field, format string, a ...any) { errs = append(errs, field) })
	if len(errs) > 0 {
		t.Fatalf("the kind refuses its own defaults: %v", errs)
	}
	act := kernels.Sigmoid
	if k.Traits().Code {
		act = kernels.ReLU
	}
	rng := rand.New(rand.NewPCG(9, 9))
	n := New[float64](Spec{Sizes: []int{d, h}, Act: act, Kind: k, K: p.K})
	n.Init(rng, nil)
	for _, b := range [][]float64{n.bEnc, n.bDec} {
		for i := range b {
			b[i] = 0.1 * rng.NormFloat64()
		}
	}
	x := make([]float64, rows*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	return n, sparse(p), x
}

// Every kind in the table is wired into the network: distinct names, its
// tensors in the layout with their starting values, an inference rule that
// the reconstruction and the full-data objective agree with, a training
// step whose gradient matches central differences (or has a test of its
// own), its L0 count, and its after-step hook.
func TestKindsAreWired(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		t.Run(k.Name(), func(t *testing.T) {
			if seen[k.Name()] || Lookup(k.Name()) != k || k.Describe(&Params{K: 3}) == "" {
				t.Fatalf("name %q taken twice, not found, or no description", k.Name())
			}
			seen[k.Name()] = true
			n, tm, x := kindNet(t, k)
			const rows = 6
			segs, total := Layout(n.Spec())
			if total != len(n.Params) {
				t.Fatalf("layout %d parameters, the net %d", total, len(n.Params))
			}
			for i, tn := range k.Tensors(n.H) {
				if !slices.ContainsFunc(segs, func(s Segment) bool { return s.Name == tn.Name }) || n.kt[i][0] != tn.Init {
					t.Fatalf("tensor %s missing or not at its start %g", tn.Name, tn.Init)
				}
			}
			var w Workspace[float64]
			codes := slices.Clone(n.Encode(&w, x, rows))
			rec := make([]float64, rows*n.D)
			n.Reconstruct(&w, x, rows, rec)
			dense := make([]float64, rows*n.D)
			n.Decode(&w, codes, rows, dense)
			for i := range rec {
				if math.Abs(rec[i]-dense[i]) > 1e-12 {
					t.Fatalf("reconstruction %d: %g, decoding the code %g", i, rec[i], dense[i])
				}
			}
			n.ReconLoss(&w, x, x, rows)
			if !slices.Equal(w.Code(n, rows), codes) {
				t.Fatal("the objective's code is not the inference code")
			}
			active := 0
			for _, v := range codes {
				if math.Abs(v) > ActiveEps {
					active++
				}
			}
			if got := n.Active(&w, rows); got != active {
				t.Fatalf("active latents %d, the code has %d", got, active)
			}
			if lp, _ := objective64(n, &w, x, rows, tm, 0.01); !isFinite(lp) {
				t.Fatalf("objective %g", lp)
			}
			if !k.Traits().Code {
				if rel := gradCheck(n, x, rows, tm, 0.01); rel > 1e-6 || math.IsNaN(rel) {
					t.Fatalf("relative gradient error %.3g", rel)
				}
			} else if !codeGradientTests[k.Name()] {
				t.Fatal("a kind with its own code needs a gradient test of its own (see codeGradientTests)")
			}
			st := State{}
			n.AfterStep(&w, rows, &st)
		})
	}
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// TestDictionaryScaling: auto input scaling of a dictionary is one global
// scale from 64 columns up and standard scaling per column below; a
// scaling asked for is kept; jumprelu stays unscaled.
func TestDictionaryScaling(t *testing.T) {
	for _, tc := range []struct {
		kind, asked string
		d           int
		want        string
	}{
		{"topk", "auto", 13, "standard"},
		{"topk", "auto", 63, "standard"},
		{"topk", "auto", 64, "global"},
		{"topk", "auto", 784, "global"},
		{"batchtopk", "auto", 30, "standard"},
		{"matryoshka", "auto", 30, "standard"},
		{"gated", "auto", 30, "standard"},
		{"gated", "auto", 512, "global"},
		{"topk", "robust", 13, "robust"},
		{"topk", "none", 784, "none"},
		{"jumprelu", "auto", 13, "none"},
	} {
		p := Params{Hidden: 64, Optimizer: "adam", Loss: "mse", Normalize: tc.asked}
		Lookup(tc.kind).Resolve(&p, tc.d)
		if p.Normalize != tc.want {
			t.Errorf("%s on %d columns, --normalize %s: %s, want %s", tc.kind, tc.d, tc.asked, p.Normalize, tc.want)
		}
	}
}
