package sae

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/nn"
)

// The plateau schedule waits plateauCheapSteps where a batch's rows times
// the network's parameters come to at most plateauCheapWork, and
// plateauPatienceSteps above; the product does not overflow a 32-bit int.
func TestLeastPatience(t *testing.T) {
	for _, tc := range []struct{ rows, params, want int }{
		{1, 1, plateauCheapSteps},
		{256, plateauCheapWork / 256, plateauCheapSteps},
		{256, plateauCheapWork/256 + 1, plateauPatienceSteps},
		{1 << 16, 1 << 20, plateauPatienceSteps}, // 2^36
	} {
		if got := leastPatience(tc.rows, tc.params); got != tc.want {
			t.Errorf("leastPatience(%d, %d) = %d, want %d", tc.rows, tc.params, got, tc.want)
		}
	}
}

// A default run on a few dozen rows of four columns, one step an epoch.
// This run's validation loss improves no more after its best epoch, so the
// schedule's two drops and its stop each wait the least patience after it:
// plateauCheapSteps each (a run that waited plateauPatienceSteps stops a
// third as long after the same best).
func TestCheapRunWaitsLonger(t *testing.T) {
	x := NewMatrix(60, 4)
	for i := range 60 {
		c := float32(i%12) / 12
		row := x.Row(i)
		for j := range row {
			row[j] = c*float32(j+1) + 0.01*float32((i*7+j*3)%5)
		}
	}
	cfg := DefaultConfig()
	cfg.Seed = 1
	cfg.Threads = 1
	cfg.Ensemble = 1
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.History
	if h.Stops[0].Reason != StopConverged {
		t.Fatalf("stopped %q after %d epochs; want converged", h.Stops[0].Reason, h.Epochs)
	}
	if after := h.Epochs - h.BestEpoch; after < 3*plateauCheapSteps {
		t.Errorf("converged %d one-step epochs after its best (%d of %d); three plateaus of %d steps make at least %d",
			after, h.BestEpoch, h.Epochs, plateauCheapSteps, 3*plateauCheapSteps)
	}
}

// The plateau schedule's budget is thirty least patiences: where a step of
// the resolved network is cheap, plateauCheapBudgetSteps; the epochs are
// the budget over the steps an epoch makes.
func TestPlateauBudget(t *testing.T) {
	for _, tc := range []struct {
		name       string
		d, n       int
		set        func(*Config)
		wantEpochs int
	}{
		// 4 columns, 8 latents, 100 rows: one step an epoch.
		{"narrow", 4, 100, nil, plateauCheapBudgetSteps},
		// 100 columns, 50 latents, batches of 256: 2.6 million.
		{"wide", 100, 1000, nil, plateauBudgetSteps / 4},
		// The same network on batches of 32: 325,000, cheap.
		{"small batches", 100, 1000, func(c *Config) { c.Batch = 32 }, (plateauCheapBudgetSteps + 31) / 32},
		// A transcoder's network reads d-Out columns: 40 -> 64 -> 60
		// is cheap (1.7 million), 100 -> 64 -> 60 would not be.
		{"transcoder", 100, 1000, func(c *Config) { c.Out, c.Hidden = 60, 64 }, plateauCheapBudgetSteps / 4},
		// 3,000 columns, 1,024 latents: not cheap on a single row.
		{"one row", 3000, 1, nil, plateauBudgetSteps},
		// Settings Validate refuses keep the shorter bound (no panic).
		{"unknown kind", 4, 100, func(c *Config) { c.Sparsity = "nosuch" }, plateauBudgetSteps},
		{"bad layer", 4, 100, func(c *Config) { c.Layers = []int{8, -1} }, plateauBudgetSteps},
	} {
		c := DefaultConfig()
		if tc.set != nil {
			tc.set(&c)
		}
		r := c.Resolve(tc.d, tc.n)
		if r.Epochs != tc.wantEpochs || r.SupervisedEpochs != tc.wantEpochs {
			t.Errorf("%s: epochs %d, supervised %d, want %d", tc.name, r.Epochs, r.SupervisedEpochs, tc.wantEpochs)
		}
	}
}

// Restarts of dead latents on the plateau schedule end at the first drop
// of the rate, and within the first quarter of the shorter budget: the
// longer budget where a step is cheap, or epochs set higher, move nothing
// before the shorter bound.
func TestPlateauResampleSpan(t *testing.T) {
	base := plateauBudgetSteps / 4 // 4 steps an epoch of 1,000 rows
	want := int64(float64(base*1000) / 4 / resampleEnd)
	for _, epochs := range []int{base, plateauCheapBudgetSteps / 4, 10 * base} {
		if got := plateauResampleSpan(epochs, 1000, 256, 0); got != want {
			t.Errorf("epochs %d: span %d, want %d", epochs, got, want)
		}
	}
	if got, w := plateauResampleSpan(base/2, 1000, 256, 0), int64(float64(base/2*1000)/4/resampleEnd); got != w {
		t.Errorf("a shorter run: span %d, want %d", got, w)
	}
	if got := plateauResampleSpan(base, 1000, 256, 1); got != 0 {
		t.Errorf("after a drop: span %d, want 0", got)
	}
}

// At a drop of the plateau schedule's rate the best weights come back
// (bench/quality/patience.py measured it); between drops, in a phase that
// keeps its last weights and without validation rows the weights stay as
// training left them.
func TestPlateauDropRestoresBest(t *testing.T) {
	run := func(keepLast, withVal bool) (atBest, beforeDrop, afterDrop []float32, drops int) {
		cfg := DefaultConfig()
		cfg.Patience = 1
		tr := &trainer{cfg: cfg, net: &nn.Net[float32]{Params: []float32{1, 2, 3}}, bestVal: math.Inf(1)}
		tr.val = allRows(NewMatrix(0, 3))
		if withVal {
			tr.val = allRows(NewMatrix(2, 3))
		}
		losses := []float64{1, 2, 2} // the third epoch, two steps after the best, drops the rate
		epoch := 0
		ph := &phase{tol: 1e-3, unit: 1, keepLast: keepLast, plateau: &plateau{Best: math.MaxFloat64}, patience: 2,
			validate: func() (float64, error) { return losses[epoch], nil }}
		for ; epoch < len(losses); epoch++ {
			// Each epoch's training moves the weights on.
			for i := range tr.net.Params {
				tr.net.Params[i] += 10
			}
			if epoch == 0 {
				atBest = slices.Clone(tr.net.Params)
			}
			if epoch == len(losses)-1 {
				beforeDrop = slices.Clone(tr.net.Params)
			}
			if _, err := tr.endEpoch(ph, epoch+1, epoch+1, 0.5); err != nil {
				t.Fatal(err)
			}
		}
		return atBest, beforeDrop, tr.net.Params, ph.plateau.Drops
	}
	atBest, _, after, drops := run(false, true)
	if drops != 1 {
		t.Fatalf("%d drops after a best and two worse epochs of a patience of 2 steps; want 1", drops)
	}
	if !slices.Equal(after, atBest) {
		t.Errorf("weights after the drop %v; want the best epoch's %v", after, atBest)
	}
	for _, c := range []struct {
		name              string
		keepLast, withVal bool
	}{{"keeps its last weights", true, true}, {"no validation rows", false, false}} {
		_, before, after, drops := run(c.keepLast, c.withVal)
		if drops != 1 || !slices.Equal(after, before) {
			t.Errorf("%s: %d drops, weights %v; want 1 drop and the weights training left, %v", c.name, drops, after, before)
		}
	}
}
