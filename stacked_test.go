package sae

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The supervised head's and the encoder's gradients under cross-entropy
// against central differences.
func TestSupervisedGradients(t *testing.T) {
	const rows, classes = 6, 3
	for _, sizes := range [][]int{{7, 4}, {7, 6, 4}} {
		for _, act := range []Activation{ReLU, Sigmoid, Tanh} {
			for _, vae := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%s/vae=%v", sizes, act, vae), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(2, 7))
					n := newNet[float64](netSpec{sizes: sizes, act: act, loss: MSE, vae: vae, classes: classes})
					n.init(rng, nil)
					x := make([]float64, rows*n.d)
					for i := range x {
						x[i] = rng.Float64()
					}
					labels := make([]int32, rows)
					for i := range labels {
						labels[i] = int32(rng.IntN(classes))
					}
					if act == ReLU {
						avoidKinks(t, n, x, rows)
					}
					var w workspace[float64]
					probs := make([]float64, rows*classes)
					f := func() float64 {
						w.ensure(n, rows)
						clear(w.grad)
						l, _ := n.supervisedForwardBackward(&w, x, labels, rows, 1.0/rows, probs)
						return l + n.addDecay(w.grad, 0.01)
					}
					f()
					g := append([]float64(nil), w.grad...)
					if rel := fdRelError(n.params, g, 1e-6, nil, f); rel > 1e-6 || math.IsNaN(rel) {
						t.Errorf("relative gradient error %.3g > 1e-6", rel)
					}
				})
			}
		}
	}
}

// Stacked pre-training and supervised fine-tuning on rows whose class
// decides which features they hold; the model predicts the classes, and
// survives a save and load.
func TestStackedWithLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 3))
	const n, d, classes = 1500, 24, 3
	x := NewMatrix(n, d)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(classes)
		labels[i] = c
		for j := 0; j < d; j++ {
			v := 0.1 * rng.Float64()
			if j%classes == c {
				v += 0.5 + 0.4*rng.Float64()
			}
			x.Row(i)[j] = float32(v)
		}
	}
	cfg := DefaultConfig()
	cfg.Layers = []int{12, 6}
	cfg.Stacked = true
	cfg.Activation = ReLU
	cfg.Sparsity = SparsityL1
	cfg.Epochs = 5
	cfg.SupervisedEpochs = 10
	cfg.LR = 0.01
	m, err := Train(context.Background(), x, cfg, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	h := m.History
	if len(h.Pretrain) != 2 {
		t.Fatalf("%d pre-training histories, want 2", len(h.Pretrain))
	}
	if h.FinetuneFrom < 0 || h.SupervisedFrom <= h.FinetuneFrom {
		t.Errorf("phases: finetune from %d, supervised from %d", h.FinetuneFrom, h.SupervisedFrom)
	}
	p, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := 0; i < n; i++ {
		row := p.Row(i)
		var s float32
		for _, v := range row {
			s += v
		}
		if math.Abs(float64(s-1)) > 1e-4 {
			t.Fatalf("row %d probabilities add up to %g", i, s)
		}
		if argmax(row) == labels[i] {
			correct++
		}
	}
	if acc := float64(correct) / n; acc < 0.95 {
		t.Errorf("accuracy %.3f on an easy problem", acc)
	}
	dir := t.TempDir() + "/stacked"
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := m2.Predict(x)
	for i := range p.Data {
		if p.Data[i] != p2.Data[i] {
			t.Fatalf("prediction %d differs after load", i)
		}
	}
	plain, _ := trainSmall(t, nil)
	if _, err := plain.Predict(x); err == nil {
		t.Error("a model without labels predicted")
	}
}
