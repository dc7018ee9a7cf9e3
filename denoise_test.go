package sae

import (
	"context"
	"math/rand/v2"
	"testing"
)

func TestParseNoise(t *testing.T) {
	for _, s := range []string{"", "gaussian:0.3", "mask:0.5", "saltpepper:0.1"} {
		if _, err := parseNoise(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"gaussian", "gaussian:x", "mask:1.5", "blur:2", "gaussian:-1"} {
		if _, err := parseNoise(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// A denoising autoencoder reconstructs the clean rows from corrupted ones
// better than the same model trained without noise.
func TestDenoisingBeatsPlainOnNoisyInput(t *testing.T) {
	x := sparseData(3000, 30, 15, 2, 11)
	test := sparseData(500, 30, 15, 2, 11) // same features: the generator is seeded
	rng := rand.New(rand.NewPCG(9, 9))
	noisy := NewMatrix(test.Rows, test.Cols)
	for i, v := range test.Data {
		noisy.Data[i] = v + float32(0.3*rng.NormFloat64())
	}
	errOf := func(noise string) float64 {
		cfg := DefaultConfig()
		cfg.Hidden = 60 // overcomplete: without noise it can learn to copy
		cfg.Sparsity = SparsityNone
		cfg.Activation = ReLU
		cfg.Epochs = 30
		cfg.LR = 0.005
		cfg.Noise = noise
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := m.Reconstruct(noisy)
		var se float64
		for i, v := range rec.Data {
			e := float64(v - test.Data[i])
			se += e * e
		}
		return se / float64(len(rec.Data))
	}
	plain, den := errOf(""), errOf("gaussian:0.3")
	t.Logf("mse against clean: plain %.5f, denoising %.5f", plain, den)
	if !(den < 0.8*plain) {
		t.Errorf("denoising mse %.5f is not clearly below the plain model's %.5f", den, plain)
	}
}
