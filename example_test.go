package sae_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/sae-go/sae"
)

// Train a small sparse autoencoder on rows built from a few hidden
// patterns, then use it: codes, reconstructions, anomaly scores.
func Example() {
	rng := rand.New(rand.NewPCG(1, 1))
	x := sae.NewMatrix(500, 10)
	for i := 0; i < x.Rows; i++ {
		p := i % 3 // one of three patterns, with noise
		for j := range x.Row(i) {
			x.Row(i)[j] = float32(0.5+0.5*float64((j+p)%3)/2) + float32(0.01*rng.NormFloat64())
		}
	}
	cfg := sae.DefaultConfig()
	cfg.Hidden = 6
	cfg.Epochs = 10
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
	if err != nil {
		panic(err)
	}
	codes, _ := m.Encode(x)
	rec, _ := m.Reconstruct(x)
	scores, _ := m.Score(x)
	fmt.Println(m)
	fmt.Println("codes:", codes.Rows, "x", codes.Cols)
	fmt.Println("reconstructions:", rec.Rows, "x", rec.Cols)
	fmt.Println("scores:", len(scores))
	// Output:
	// sae 10 -> 6 (sigmoid, kl sparsity, mse loss)
	// codes: 500 x 6
	// reconstructions: 500 x 10
	// scores: 500
}
