package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/nn"
)

// drawWeighted draws distinct indices, never a zero weight, and in
// proportion to the weights.
func TestDrawWeighted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := []float64{0, 1, 3, 0, 6, math.Inf(1), math.NaN()}
	first := make([]int, len(w))
	for it := 0; it < 20000; it++ {
		got := drawWeighted(rng, w, 5)
		if len(got) != 3 {
			t.Fatalf("drew %v: want the 3 positive finite weights", got)
		}
		s := slices.Clone(got)
		slices.Sort(s)
		if !slices.Equal(s, []int{1, 2, 4}) {
			t.Fatalf("drew %v", got)
		}
		first[got[0]]++
	}
	// P(first = i) = w_i / 10.
	for i, want := range map[int]float64{1: 0.1, 2: 0.3, 4: 0.6} {
		if p := float64(first[i]) / 20000; math.Abs(p-want) > 0.015 {
			t.Fatalf("index %d drawn first %.3f of the time, want %.2f", i, p, want)
		}
	}
	if got := drawWeighted(rng, w, 2); len(got) != 2 {
		t.Fatalf("m = 2: %v", got)
	}
}

// tensorOf is the tensor name of n's parameters and its offset.
func tensorOf(n *nn.Net[float32], name string) ([]float32, int) {
	for _, s := range n.Segments() {
		if s.Name == name {
			return n.Params[s.Off : s.Off+s.Size()], s.Off
		}
	}
	panic("no tensor " + name)
}

// residualsOf is x - x̂ of each training row of tr.
func residualsOf(t *testing.T, tr *trainer) [][]float32 {
	d, rows := tr.train.cols, tr.train.len()
	resid := make([][]float32, rows)
	for i := 0; i < rows; i++ {
		xi := make([]float32, d)
		if err := tr.train.ReadRows(xi, []int{i}); err != nil {
			t.Fatal(err)
		}
		z := make([]float32, d)
		tr.net.Reconstruct(&tr.w, xi, 1, z)
		for p := range z {
			z[p] = xi[p] - z[p]
		}
		resid[i] = z
	}
	return resid
}

// resampleDead points each dead latent at the residual of its own
// sampled row, scales its encoder column to Resample times the live mean,
// clears its optimiser state, and leaves every live latent as it was.
func TestResampleDeadRestartsOnlyDeadLatents(t *testing.T) {
	const d, h, bs = 12, 16, 32
	x := sparseData(300, d, 6, 2, 5)
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Hidden, cfg.K, cfg.Epochs, cfg.ValSplit, cfg.Batch = SparsityTopK, h, 2, 2, 0, bs
	cfg.Resample = 0.5
	cfg = cfg.Resolve(d, 300)
	tr := newTrainer(x, nil, cfg, TrainOptions{})
	if err := tr.prepare(); err != nil {
		t.Fatal(err)
	}
	n := tr.net
	wEnc, oE := tensorOf(n, "W_enc")
	bEnc, oB := tensorOf(n, "b_enc")
	wDec, oD := tensorOf(n, "W_dec")
	tr.perm = identity(tr.train.len())
	tr.rng.Shuffle(len(tr.perm), func(i, j int) { tr.perm[i], tr.perm[j] = tr.perm[j], tr.perm[i] })
	tr.dead = nn.NewDeadLatents(h, 100)
	deadSet := []int{1, 4, 5, 11}
	for _, j := range deadSet {
		tr.dead.Since[j] = 100
	}
	tr.dead.Restore(tr.dead.Since)
	opt := newAdam(cfg, n)
	st := opt.State()
	for i := range st.M {
		st.M[i], st.V[i] = 1, 1
	}
	before := slices.Clone(n.Params)
	// The live latents' mean encoder norm, and every row's residual.
	colNorm := func(W []float32, j int) float64 {
		var s float64
		for p := 0; p < d; p++ {
			s += float64(W[p*h+j]) * float64(W[p*h+j])
		}
		return math.Sqrt(s)
	}
	var live float64
	for j := 0; j < h; j++ {
		if !slices.Contains(deadSet, j) {
			live += colNorm(wEnc, j)
		}
	}
	live /= float64(h - len(deadSet))
	resid := residualsOf(t, tr)

	if err := tr.resampleDead(opt, bs); err != nil {
		t.Fatal(err)
	}
	if tr.dead.N != 0 {
		t.Fatalf("%d latents still dead", tr.dead.N)
	}
	used := map[int]bool{}
	for j := 0; j < h; j++ {
		dec := wDec[j*d : (j+1)*d]
		if !slices.Contains(deadSet, j) {
			for p := 0; p < d; p++ {
				if wEnc[p*h+j] != before[oE+p*h+j] || dec[p] != before[oD+j*d+p] {
					t.Fatalf("live latent %d changed", j)
				}
			}
			if bEnc[j] != before[oB+j] || st.M[oB+j] != 1 {
				t.Fatalf("live latent %d's bias or optimiser state changed", j)
			}
			continue
		}
		// The decoder row is the unit residual of one row, not used twice.
		best, bestCos := -1, 0.0
		for i, r := range resid {
			nr := math.Sqrt(float64(kernels.Sdot(r, r)))
			if nr == 0 {
				continue
			}
			if c := float64(kernels.Sdot(r, dec)) / nr; c > bestCos {
				best, bestCos = i, c
			}
		}
		if bestCos < 0.9999 || used[best] {
			t.Fatalf("latent %d: decoder row matches row %d's residual at cosine %.6f (used before: %v)", j, best, bestCos, used[best])
		}
		used[best] = true
		if nd := math.Sqrt(float64(kernels.Sdot(dec, dec))); math.Abs(nd-1) > 1e-5 {
			t.Fatalf("latent %d: decoder row norm %g", j, nd)
		}
		if ne := colNorm(wEnc, j); math.Abs(ne-0.5*live) > 1e-4*live {
			t.Fatalf("latent %d: encoder norm %g, want 0.5 * %g", j, ne, live)
		}
		for p := 0; p < d; p++ {
			if math.Abs(float64(wEnc[p*h+j])-0.5*live*float64(dec[p])) > 1e-5 {
				t.Fatalf("latent %d: encoder column is not along its decoder row", j)
			}
			if st.M[oE+p*h+j] != 0 || st.V[oD+j*d+p] != 0 {
				t.Fatalf("latent %d: optimiser state not cleared", j)
			}
		}
		if bEnc[j] != 0 || st.M[oB+j] != 0 {
			t.Fatalf("latent %d: bias %g, its state %g", j, bEnc[j], st.M[oB+j])
		}
	}
}

// On data with fewer directions than latents, plain TopK training leaves
// many latents dead; resampling restarts them and they stay in use.
func TestResampleKeepsLatentsAlive(t *testing.T) {
	x := sparseData(2000, 24, 12, 2, 9)
	dead := func(resample float64) float64 {
		cfg := DefaultConfig()
		cfg.Sparsity, cfg.Hidden, cfg.K, cfg.Epochs, cfg.ValSplit = SparsityTopK, 96, 2, 10, 0
		cfg.Resample, cfg.AuxCoef, cfg.Seed, cfg.DeadWindow = resample, 0, 3, 2000
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mt, err := m.Eval(x)
		if err != nil {
			t.Fatal(err)
		}
		return mt.DeadFraction
	}
	off, on := dead(0), dead(0.6)
	t.Logf("dead: %.3f without resampling, %.3f with", off, on)
	if off < 0.2 || on > 0.8*off {
		t.Fatalf("dead fraction %.3f with resampling, %.3f without", on, off)
	}
}

// Early stopping starts again after a resample: the epoch in which dead
// latents were restarted restarts the patience count even though its
// validation loss is worse (before that, a run whose every epoch resampled
// stopped after the first with that epoch's weights), but the weights kept
// stay those of the best validation loss: a restart that does not pay off
// is not kept (keeping it left a 512-column dictionary of a few hundred
// rows at test FVU 0.13 where it had reached 0.004).
func TestResampleRestartsEarlyStopping(t *testing.T) {
	x := sparseData(400, 6, 5, 2, 3)
	cfg := DefaultConfig().Resolve(6, 300)
	cfg.Hidden, cfg.Activation, cfg.Sparsity, cfg.K = 4, ReLU, SparsityTopK, 2
	cfg.ValSplit, cfg.Patience = 0.25, 1
	tr := newTrainer(x, nil, cfg, TrainOptions{})
	if err := tr.prepare(); err != nil {
		t.Fatal(err)
	}
	shift := func(by float32) {
		for i := range tr.net.Params {
			tr.net.Params[i] += by
		}
	}
	ph := tr.autoencoderPhase(false, 10)
	step := func(resampled bool) bool {
		t.Helper()
		tr.resampled = resampled
		stop, err := tr.endEpoch(ph, tr.hist.Epochs+1, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		return stop
	}
	if step(false) || tr.hist.BestEpoch != 1 {
		t.Fatalf("first epoch: best epoch %d", tr.hist.BestEpoch)
	}
	first := slices.Clone(tr.net.Params)
	shift(0.5)
	if stop := step(true); stop || tr.hist.BestEpoch != 1 || tr.patienceFrom != 2 {
		t.Fatalf("epoch with a resample and a worse loss: stop %v, best epoch %d, patience from %d; want no stop, best 1, patience from 2",
			stop, tr.hist.BestEpoch, tr.patienceFrom)
	}
	if !slices.Equal(tr.best, first) {
		t.Fatal("the resampled epoch's worse weights replaced the best ones")
	}
	if tr.hist.ValLoss[1] <= tr.hist.ValLoss[0] {
		t.Fatalf("validation loss %g then %g: the test needs it to rise", tr.hist.ValLoss[0], tr.hist.ValLoss[1])
	}
	shift(0.5)
	if stop := step(false); !stop || tr.hist.BestEpoch != 1 {
		t.Fatalf("a worse epoch without a resample: stop %v, best epoch %d; want a stop with best 1", stop, tr.hist.BestEpoch)
	}
	if !slices.Equal(tr.best, first) {
		t.Fatal("the weights kept are not the best epoch's")
	}
	// A resampled epoch that is better is the best.
	tr.bestVal = math.MaxFloat64
	if step(true); tr.hist.BestEpoch != 4 || !slices.Equal(tr.best, tr.net.Params) {
		t.Fatalf("a better resampled epoch: best epoch %d", tr.hist.BestEpoch)
	}
}
