package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae/internal/nn"
)

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
	// FinetuneEpochs -1: pre-training, then the supervised phase.
	none := cfg
	none.FinetuneEpochs = -1
	mn, err := Train(context.Background(), x, none, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if hn := mn.History; hn.FinetuneFrom != -1 || hn.SupervisedFrom != 0 {
		t.Errorf("FinetuneEpochs -1: finetune from %d, supervised from %d; want no fine-tuning", hn.FinetuneFrom, hn.SupervisedFrom)
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
		if nn.Argmax(row) == labels[i] {
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
