package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/optim"
)

// sparseData draws rows as sums of a few of nf random features: data with
// a known sparse structure.
func sparseData(n, d, nf, active int, seed uint64) Matrix {
	rng := rand.New(rand.NewPCG(seed, 7))
	feats := make([][]float32, nf)
	for f := range feats {
		feats[f] = make([]float32, d)
		for j := range feats[f] {
			if rng.Float64() < 0.3 {
				feats[f][j] = float32(rng.Float64())
			}
		}
	}
	x := NewMatrix(n, d)
	for i := 0; i < n; i++ {
		row := x.Row(i)
		for k := 0; k < active; k++ {
			f := feats[rng.IntN(nf)]
			c := float32(0.5 + 0.5*rng.Float64())
			for j := range row {
				row[j] += c * f[j]
			}
		}
		for j := range row {
			row[j] = min(row[j], 1)
		}
	}
	return x
}

func TestTrainReducesLossAllOptimizers(t *testing.T) {
	x := sparseData(600, 20, 12, 2, 1)
	for _, opt := range []Optimizer{Adam, SGD, LBFGS} {
		t.Run(string(opt), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Hidden = 16
			cfg.Optimizer = opt
			cfg.Sparsity = SparsityL1
			cfg.Epochs = 30
			if opt == LBFGS {
				cfg.Epochs = 150
			}
			cfg.Batch = 32
			cfg.ValSplit = 0
			if opt == Adam {
				cfg.LR = 0.01
			}
			m, err := Train(context.Background(), x, cfg, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := m.History
			first, last := h.TrainLoss[0], h.TrainLoss[len(h.TrainLoss)-1]
			if !(last < 0.7*first) {
				t.Errorf("loss went from %g to %g", first, last)
			}
			mt, err := m.Eval(x)
			if err != nil {
				t.Fatal(err)
			}
			if mt.FVU > 0.5 {
				t.Errorf("fvu %g: the model did not learn the data", mt.FVU)
			}
		})
	}
}

func TestTrainDeterministic(t *testing.T) {
	x := sparseData(300, 12, 8, 2, 2)
	cfg := DefaultConfig()
	cfg.Hidden = 8
	cfg.Epochs = 3
	var ws [2][]float32
	for i := range ws {
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = m.net.Params
	}
	for i := range ws[0] {
		if ws[0][i] != ws[1][i] {
			t.Fatalf("parameter %d differs between identical runs: %g vs %g", i, ws[0][i], ws[1][i])
		}
	}
	cfg.Seed = 2
	m, _ := Train(context.Background(), x, cfg, TrainOptions{})
	same := true
	for i := range ws[0] {
		same = same && ws[0][i] == m.net.Params[i]
	}
	if same {
		t.Fatal("a different seed gave the same model")
	}
}

// The full-batch objective computed in chunks with global rates equals the
// objective of one batch holding every row, and so do the gradients.
func TestChunkedObjectiveMatchesOneBatch(t *testing.T) {
	x := sparseData(inferChunk+300, 6, 5, 2, 3)
	cfg := DefaultConfig()
	cfg.Sparsity = SparsityKL
	cfg = cfg.Resolve(6, 0)
	cfg.Hidden = 4
	cfg.Trim = 0 // trimming is per batch: chunks and one batch would differ
	tr := newTrainer(x, nil, cfg, TrainOptions{})
	tr.cfg.ValSplit = 0
	if err := tr.prepare(); err != nil {
		t.Fatal(err)
	}
	if n := tr.train.len(); n <= 2*tr.chunkRows() {
		t.Fatalf("%d rows make too few chunks of %d", n, tr.chunkRows())
	}
	pen := tr.terms(false)
	f, g, err := tr.objectiveGrad(tr.train, &pen)
	if err != nil {
		t.Fatal(err)
	}
	fo, err := tr.objective(tr.train, &pen, true)
	if err != nil || math.Abs(fo-f) > 1e-4*math.Abs(f) {
		t.Fatalf("forward-only objective %g (%v), with gradient %g", fo, err, f)
	}
	g = append([]float32(nil), g...)
	n := tr.train.len()
	all := make([]float32, n*6)
	if err := tr.train.readRange(all, 0, n); err != nil {
		t.Fatal(err)
	}
	var w nn.Workspace[float32]
	grad := w.Grad(tr.net)
	lp := tr.net.ForwardBackward(&w, all, all, n, 1/float32(n), &pen, nil)
	lp.Decay = optim.Decay(tr.net.Params, grad, weightSpans(tr.net), cfg.WeightDecay)
	if math.Abs(f-lp.Total()) > 1e-4*math.Abs(f) {
		t.Fatalf("chunked objective %g, one batch %g", f, lp.Total())
	}
	for i := range g {
		if math.Abs(float64(g[i]-grad[i])) > 1e-4*(1+math.Abs(float64(g[i]))) {
			t.Fatalf("gradient %d: chunked %g, one batch %g", i, g[i], grad[i])
		}
	}
}

func TestKLSparsityReachesRho(t *testing.T) {
	x := sparseData(2000, 30, 20, 2, 4)
	cfg := DefaultConfig()
	cfg.Hidden = 40
	cfg.Epochs = 40
	cfg.LR = 0.01
	cfg.Sparsity, cfg.Rho, cfg.Beta = SparsityKL, 0.05, 3
	cfg.Normalize, cfg.Trim = NormalizeNone, 0 // the textbook model
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mt, _ := m.Eval(x)
	if math.Abs(mt.MeanActivation-0.05) > 0.2*0.05 {
		t.Errorf("beta=3: mean activation %g, want within 20%% of 0.05", mt.MeanActivation)
	}
	cfg.Beta = 0
	m, _ = Train(context.Background(), x, cfg, TrainOptions{})
	mt0, _ := m.Eval(x)
	if math.Abs(mt0.MeanActivation-0.05) <= 0.2*0.05 {
		t.Errorf("beta=0: mean activation %g is near rho without the penalty", mt0.MeanActivation)
	}
}

func TestDivergenceIsReported(t *testing.T) {
	x := sparseData(200, 10, 5, 2, 5)
	cfg := DefaultConfig()
	cfg.Optimizer = SGD
	cfg.LR = 1e6
	cfg.Warmup = 0
	cfg.Activation = ReLU
	cfg.Sparsity = SparsityNone
	_, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err == nil {
		t.Fatal("lr 1e6 trained without error")
	}
	t.Log(err)
}

// TestProgressFinalPhase checks that training reports PhaseFinal once,
// last, at the run's last step, and that a stacked model's layers do not
// report theirs.
func TestProgressFinalPhase(t *testing.T) {
	x := sparseData(200, 12, 6, 2, 5)
	for _, stacked := range []bool{false, true} {
		cfg := DefaultConfig()
		cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.ValSplit = 6, 2, 50, 0.2
		if stacked {
			cfg.Hidden, cfg.Layers, cfg.Stacked = 0, []int{8, 4}, true
		}
		var ps []Progress
		opt := TrainOptions{Progress: func(p Progress) { ps = append(ps, p) }}
		if _, err := Train(context.Background(), x, cfg, opt); err != nil {
			t.Fatal(err)
		}
		finals := 0
		for _, p := range ps {
			if p.Phase == PhaseFinal {
				finals++
			} else if p.Epoch < 1 {
				t.Errorf("stacked %v: a %q report outside any epoch: %+v", stacked, p.Phase, p)
			}
		}
		last := ps[len(ps)-1]
		if finals != 1 || last.Phase != PhaseFinal || last.Step != last.Steps || math.IsNaN(last.Loss) || math.IsNaN(last.ValLoss) {
			t.Errorf("stacked %v: %d final reports, last %+v; want one, last, at the last step, with the losses", stacked, finals, last)
		}
	}
}
