package sae

import (
	"context"
	"testing"
)

// The contractive penalty shrinks the encoder's Jacobian.
func TestContractiveShrinksJacobian(t *testing.T) {
	x := sparseData(2000, 20, 10, 2, 12)
	jac := func(coef float64) (float64, float64) {
		cfg := DefaultConfig()
		cfg.Hidden = 16
		cfg.Sparsity = SparsityNone
		cfg.Epochs = 20
		cfg.LR = 0.01
		cfg.Contractive = coef
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mt, _ := m.Eval(x)
		return mt.JacobianNorm, mt.FVU
	}
	j0, f0 := jac(0)
	j1, f1 := jac(3)
	t.Logf("jacobian norm %.3f -> %.3f, fvu %.3f -> %.3f", j0, j1, f0, f1)
	if !(j1 < 0.85*j0) {
		t.Errorf("contractive 3: jacobian norm %.3f, without %.3f", j1, j0)
	}
}
