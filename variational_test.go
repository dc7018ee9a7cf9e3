package sae

import (
	"context"
	"math"
	"testing"
)

func TestVariationalTrainsAndGenerates(t *testing.T) {
	x := sparseData(1500, 16, 8, 2, 21)
	cfg := DefaultConfig()
	cfg.Variational = true
	cfg.Sparsity = SparsityNone
	cfg.Hidden = 4
	cfg.Epochs = 30
	cfg.LR = 0.005
	cfg.Loss = BCE
	cfg.Normalize = NormalizeNone
	cfg.Trim = 0
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mt, err := m.Eval(x)
	if err != nil {
		t.Fatal(err)
	}
	// The ELBO is a bound on log p(x) for Bernoulli pixels: negative, and
	// better than a model that ignores the data (every value 0.5: -d·ln 2).
	if !(mt.ELBO < 0) || !(mt.ELBO > -16*math.Ln2) {
		t.Errorf("elbo %g nats, want in (-%g, 0)", mt.ELBO, 16*math.Ln2)
	}
	g, err := m.Generate(50, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g.Rows != 50 || g.Cols != 16 {
		t.Fatalf("generated %dx%d", g.Rows, g.Cols)
	}
	for _, v := range g.Data {
		if v < 0 || v > 1 {
			t.Fatalf("bce model generated %g outside [0,1]", v)
		}
	}
	// Save, load: same ELBO, and generation works after loading.
	dir := t.TempDir() + "/vae"
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	mt2, _ := m2.Eval(x)
	if mt2.ELBO != mt.ELBO {
		t.Errorf("elbo after load %g, before %g", mt2.ELBO, mt.ELBO)
	}
	if _, err := m2.Generate(3, 1); err != nil {
		t.Error(err)
	}
	plain, _ := trainSmall(t, nil)
	if _, err := plain.Generate(3, 1); err == nil {
		t.Error("a plain model generated samples")
	}
}
