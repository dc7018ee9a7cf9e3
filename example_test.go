package sae_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

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
	// sae 10 -> 6 (relu, topk k=1, mse loss)
	// codes: 500 x 6
	// reconstructions: 500 x 10
	// scores: 500
}

// rowsOf returns n rows of d values, row i one of three smooth patterns
// (i mod 3) plus a little noise.
func rowsOf(n, d int, seed uint64) sae.Matrix {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := sae.NewMatrix(n, d)
	for i := 0; i < n; i++ {
		for j := range x.Row(i) {
			x.Row(i)[j] = float32(0.5+0.25*math.Sin(float64(j+4*(i%3)))) + float32(0.01*rng.NormFloat64())
		}
	}
	return x
}

// Anomaly detection: the model is trained on normal rows; a row with one
// value far from its pattern scores highest, is flagged, and Explain names
// the column that makes up its error.
func ExampleModel_Score() {
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs = 8, 20
	m, err := sae.Train(context.Background(), rowsOf(600, 12, 1), cfg, sae.TrainOptions{})
	if err != nil {
		panic(err)
	}
	test := rowsOf(30, 12, 2)
	test.Row(17)[5] += 1.5 // the planted anomaly
	scores, err := m.Score(test)
	if err != nil {
		panic(err)
	}
	top := 0
	for i, s := range scores {
		if s > scores[top] {
			top = i
		}
	}
	fmt.Println("highest score: row", top)
	fmt.Println("flagged:", m.Flagged(scores)[top])
	// Which column is off: the largest error of a scorer's reconstruction
	// (here a dense autoencoder trained beside the topk dictionary), in
	// its scaled units, as Score measures it.
	sc := m.Scorers()[0]
	rec, err := sc.Reconstruct(test.Slice(top, top+1))
	if err != nil {
		panic(err)
	}
	col, worst := 0, 0.0
	for j, v := range rec.Data {
		if e := float64(v-test.Row(top)[j]) / float64(sc.Norm.Scale[j]); e*e > worst {
			col, worst = j, e*e
		}
	}
	fmt.Println("its error is mostly in column", col)
	// Output:
	// highest score: row 17
	// flagged: true
	// its error is mostly in column 5
}

// TopK sparsity keeps the K largest latents of each row and zeroes the rest.
func ExampleModel_Encode_topK() {
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs = 16, 5
	cfg.Activation, cfg.Sparsity, cfg.K = sae.ReLU, sae.SparsityTopK, 3
	x := rowsOf(300, 12, 1)
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
	if err != nil {
		panic(err)
	}
	codes, err := m.Encode(x)
	if err != nil {
		panic(err)
	}
	most := 0
	for i := 0; i < codes.Rows; i++ {
		active := 0
		for _, v := range codes.Row(i) {
			if v != 0 {
				active++
			}
		}
		most = max(most, active)
	}
	fmt.Println(m)
	fmt.Println("most active latents in a row:", most)
	// Output:
	// sae 12 -> 16 (relu, topk k=3, mse loss)
	// most active latents in a row: 3
}

// waves is a Source that computes its rows on demand: a stand-in for data
// read from disk a batch at a time.
type waves struct{ n, d int }

func (w waves) Dims() (int, int) { return w.n, w.d }

func (w waves) ReadRows(dst []float32, idx []int) error {
	for k, i := range idx {
		for j := 0; j < w.d; j++ {
			dst[k*w.d+j] = float32(0.5 + 0.4*math.Sin(float64(i%7)+float64(j)/3))
		}
	}
	return nil
}

// Train trains on data that is never held in memory as a whole, from a
// Source: it reads one mini-batch of rows per step.
func ExampleTrain_source() {
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs = 8, 3
	m, err := sae.Train(context.Background(), waves{n: 5000, d: 20}, cfg, sae.TrainOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(m)
	fmt.Println("epochs:", m.History.Epochs)
	// Output:
	// sae 20 -> 8 (relu, topk k=2, mse loss)
	// epochs: 3
}

// A saved model loads back to the same codes.
func ExampleLoad() {
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs = 6, 2
	x := rowsOf(200, 10, 1)
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "sae-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := m.Save(filepath.Join(dir, "model")); err != nil {
		panic(err)
	}
	loaded, err := sae.Load(filepath.Join(dir, "model"))
	if err != nil {
		panic(err)
	}
	a, _ := m.Encode(x)
	b, _ := loaded.Encode(x)
	sa, _ := m.Score(x)
	sb, _ := loaded.Score(x)
	fmt.Println(loaded)
	fmt.Println("same codes:", slices.Equal(a.Data, b.Data))
	fmt.Println("same scores:", slices.Equal(sa, sb), "from", len(loaded.Scorers()), "autoencoders")
	// Output:
	// sae 10 -> 6 (relu, topk k=1, mse loss)
	// same codes: true
	// same scores: true from 3 autoencoders
}
