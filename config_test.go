package sae

import (
	"strings"
	"testing"
)

func TestValidateNamesTheField(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	cases := []struct {
		field string
		mut   func(*Config)
	}{
		{"activation", func(c *Config) { c.Activation = "swish" }},
		{"sparsity", func(c *Config) { c.Sparsity = "l2" }},
		{"Rho", func(c *Config) { c.Rho = 1.5 }},
		{"loss", func(c *Config) { c.Loss = "huber" }},
		{"optimizer", func(c *Config) { c.Optimizer = "rmsprop" }},
		{"batch", func(c *Config) { c.Batch = 0 }},
		{"epochs", func(c *Config) { c.Epochs = -2 }},
		{"val-split", func(c *Config) { c.ValSplit = 1 }},
		{"normalize", func(c *Config) { c.Normalize = "zscore" }},
		{"noise", func(c *Config) { c.Noise = "blur:1" }},
		{"noise", func(c *Config) { c.Noise = "mask:0.5"; c.Optimizer = LBFGS }},
		{"trim", func(c *Config) { c.Trim = 0.6 }},
		{"layers", func(c *Config) { c.Layers = []int{10, 0} }},
		{"hidden", func(c *Config) { c.Layers = []int{10, 5}; c.Hidden = 7 }},
		{"stacked", func(c *Config) { c.Stacked = true }},
		{"variational", func(c *Config) { c.Variational = true }}, // with the default kl sparsity
		{"contamination", func(c *Config) { c.Contamination = 0.5 }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityTopK; c.Layers = []int{10, 5} }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityBatchTopK; c.Tied = true }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityTopK; c.Loss = BCE }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityTopK; c.Optimizer = LBFGS }},
		{"k", func(c *Config) { c.Sparsity = SparsityTopK; c.Hidden = 8; c.K = 9 }},
		{"k", func(c *Config) { c.K = -1 }},
		{"aux-k", func(c *Config) { c.AuxK = -1 }},
		{"aux-coef", func(c *Config) { c.AuxCoef = -1 }},
		{"dead-window", func(c *Config) { c.DeadWindow = -5 }},
		{"decoder-norm", func(c *Config) { c.DecoderNorm = "l2" }},
		{"decoder-norm", func(c *Config) { c.DecoderNorm = DecoderUnit; c.Tied = true }},
		{"decoder-bias-init", func(c *Config) { c.DecoderBiasInit = "zero" }},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		tc.mut(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: invalid config accepted", tc.field)
			continue
		}
		if !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%s: error %q does not name the field", tc.field, err)
		}
	}
}
