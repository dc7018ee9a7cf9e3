package sae

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/nn"
)

// With --target-l0 the trained model's L0 on held-out rows lands near the
// target, for each penalty the controller tunes, and the model stores the
// coefficient the controller ended with.
func TestTargetL0Reached(t *testing.T) {
	all := sparseData(3000, 24, 40, 4, 31)
	split := 2400
	train := Matrix{Rows: split, Cols: all.Cols, Data: all.Data[:split*all.Cols]}
	held := Matrix{Rows: all.Rows - split, Cols: all.Cols, Data: all.Data[split*all.Cols:]}
	const target = 8
	for _, sp := range []Sparsity{SparsityL1, SparsityKL, SparsityJumpReLU} {
		t.Run(string(sp), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Sparsity, cfg.Activation, cfg.Hidden, cfg.TargetL0, cfg.Epochs, cfg.Batch = sp, ReLU, 48, target, 100, 32
			m, err := Train(context.Background(), train, cfg, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			mt, err := m.Eval(held)
			if err != nil {
				t.Fatal(err)
			}
			start := cfg.Resolve(all.Cols, 0)
			t.Logf("held-out l0 %.2f (running %.2f) fvu %.4f; coefficient %g -> %g", mt.L0, m.History.RunningL0, mt.FVU, targetCoefOf(start), targetCoefOf(m.Config))
			if math.Abs(mt.L0-target) > 0.1*target {
				t.Errorf("held-out l0 %.2f, target %d", mt.L0, target)
			}
			if targetCoefOf(m.Config) == targetCoefOf(start) {
				t.Errorf("the stored coefficient is the starting one, %g", targetCoefOf(start))
			}
			if !(mt.FVU < 0.5) {
				t.Errorf("fvu %.3f: the sparse code does not reconstruct", mt.FVU)
			}
		})
	}
}

// targetCoefOf is the coefficient --target-l0 tunes in c.
func targetCoefOf(c Config) float64 {
	switch c.Sparsity {
	case SparsityKL:
		return c.Rho
	case SparsityJumpReLU:
		return c.L0Coef
	}
	return c.L1
}

// Without the controller the same settings miss the target by far: the
// test above measures the controller, not the defaults.
func TestTargetL0DefaultsMissTarget(t *testing.T) {
	x := sparseData(2400, 24, 40, 4, 31)
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Activation, cfg.Hidden, cfg.Epochs, cfg.Batch = SparsityL1, ReLU, 48, 100, 32
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mt, _ := m.Eval(x)
	if math.Abs(mt.L0-8) < 0.5*8 {
		t.Fatalf("l0 %.2f without a target is already near 8", mt.L0)
	}
}

func TestL0ControllerDirection(t *testing.T) {
	for _, c := range []struct {
		sp   Sparsity
		l0   float64
		up   bool // the coefficient should rise
		name string
	}{
		{SparsityL1, 30, true, "l1 too dense"},
		{SparsityL1, 5, false, "l1 too sparse"},
		{SparsityJumpReLU, 30, true, "jumprelu too dense"},
		{SparsityKL, 30, false, "kl too dense: rho falls"},
		{SparsityKL, 5, true, "kl too sparse: rho rises"},
	} {
		cfg := DefaultConfig()
		cfg.Sparsity, cfg.TargetL0, cfg.L0Coef = c.sp, 10, 0.1
		ctl := newL0Controller(cfg)
		start := ctl.coef()
		for range 1000 {
			ctl.observe(c.l0, 1)
		}
		if (ctl.coef() > start) != c.up {
			t.Errorf("%s: coefficient %g -> %g", c.name, start, ctl.coef())
		}
		if c.sp == SparsityKL && !(ctl.coef() >= 1e-4 && ctl.coef() <= 0.5) {
			t.Errorf("%s: rho %g left [1e-4, 0.5]", c.name, ctl.coef())
		}
	}
}

// Settings --target-l0 cannot work with are refused, naming the field.
func TestTargetL0Validate(t *testing.T) {
	tuned := nn.Names(func(k nn.Kind) bool { return k.Target(&nn.Params{}).Field != "" }) // "l1, kl, ... or gated"
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"sigmoid l1", func(c *Config) { c.Sparsity, c.Activation = SparsityL1, Sigmoid }, "Config.Activation relu"},
		{"topk", func(c *Config) { c.Sparsity = SparsityTopK }, tuned},
		{"none", func(c *Config) { c.Sparsity = SparsityNone }, tuned},
		{"lbfgs", func(c *Config) { c.Optimizer = LBFGS }, "lbfgs"},
		{"finetune", func(c *Config) { c.FinetuneEpochs = 2 }, "Config.FinetuneEpochs"},
		{"above hidden", func(c *Config) { c.Hidden = 8 }, "latents"},
		{"negative", func(c *Config) { c.TargetL0 = -1 }, ">= 0"},
	} {
		cfg := DefaultConfig()
		cfg.Sparsity, cfg.Activation, cfg.TargetL0 = SparsityL1, ReLU, 10
		c.edit(&cfg)
		err := cfg.Validate()
		var ce ConfigError
		if !errors.As(err, &ce) || ce[0].Field != "TargetL0" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.TargetL0 = SparsityJumpReLU, 10
	if err := cfg.Validate(); err != nil {
		t.Errorf("jumprelu with a target: %v", err)
	}
}
