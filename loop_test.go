package sae

import (
	"context"
	"testing"
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
