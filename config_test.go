package sae

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/nn"
)

// Validate names the Config field of every invalid setting, in a
// ConfigError, and accepts the defaults, resolved or not.
func TestValidateNamesTheField(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if err := DefaultConfig().Resolve(100, 1000).Validate(); err != nil {
		t.Fatalf("resolved defaults invalid: %v", err)
	}
	cases := []struct {
		field string
		mut   func(*Config)
	}{
		{"Activation", func(c *Config) { c.Activation = "swish" }},
		{"Sparsity", func(c *Config) { c.Sparsity = "l2" }},
		{"Rho", func(c *Config) { c.Sparsity, c.Rho = SparsityKL, 1.5 }},
		{"Loss", func(c *Config) { c.Loss = "huber" }},
		{"Optimizer", func(c *Config) { c.Optimizer = "rmsprop" }},
		{"Batch", func(c *Config) { c.Batch = 0 }},
		{"Epochs", func(c *Config) { c.Epochs = -2 }},
		{"ValSplit", func(c *Config) { c.ValSplit = 1 }},
		{"Normalize", func(c *Config) { c.Normalize = "zscore" }},
		{"Noise", func(c *Config) { c.Noise = "blur:1" }},
		{"Noise", func(c *Config) { c.Noise = "mask:0.5"; c.Optimizer = LBFGS }},
		{"Trim", func(c *Config) { c.Trim = 0.6 }},
		{"Layers", func(c *Config) { c.Layers = []int{10, 0} }},
		{"Hidden", func(c *Config) { c.Layers = []int{10, 5}; c.Hidden = 7 }},
		{"Stacked", func(c *Config) { c.Stacked, c.Layers = true, []int{10} }},
		{"KeepPretrained", func(c *Config) { c.KeepPretrained = true }},
		{"Variational", func(c *Config) { c.Variational, c.Sparsity = true, SparsityKL }},
		{"Contamination", func(c *Config) { c.Contamination = 0.5 }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityTopK; c.Layers = []int{10, 5} }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityBatchTopK; c.Tied = true }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityTopK; c.Loss = BCE }},
		{"Sparsity", func(c *Config) { c.Sparsity = SparsityTopK; c.Optimizer = LBFGS }},
		{"K", func(c *Config) { c.Sparsity = SparsityTopK; c.Hidden = 8; c.K = 9 }},
		{"K", func(c *Config) { c.K = -1 }},
		{"AuxK", func(c *Config) { c.AuxK = -1 }},
		{"AuxCoef", func(c *Config) { c.AuxCoef = -1 }},
		{"DeadWindow", func(c *Config) { c.DeadWindow = -5 }},
		{"DecoderNorm", func(c *Config) { c.DecoderNorm = "l2" }},
		{"DecoderNorm", func(c *Config) { c.DecoderNorm = DecoderUnit; c.Tied = true }},
		{"DecoderBiasInit", func(c *Config) { c.DecoderBiasInit = "zero" }},
		{"L1Weight", func(c *Config) { c.L1Weight = L1Decoder; c.Tied = true }},
		{"Decay", func(c *Config) { c.Decay = "step" }},
		{"LBFGSMemory", func(c *Config) { c.LBFGSMemory = 0 }},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		tc.mut(&c)
		err := c.Validate()
		var ce ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: invalid config accepted (%v)", tc.field, err)
			continue
		}
		if ce[0].Field != tc.field || !strings.Contains(err.Error(), tc.field+": ") {
			t.Errorf("%s: error %q names %s", tc.field, err, ce[0].Field)
		}
		// Library errors name Config fields, never the command line's flags.
		if strings.Contains(err.Error(), "--") {
			t.Errorf("%s: error %q names a flag", tc.field, err)
		}
	}
}

// Resolve fills the defaults that depend on other settings, keeps what is
// set, and resolving in steps (the command line resolves before it knows
// the data) gives what resolving at once does.
func TestResolve(t *testing.T) {
	// A one-layer model: a topk dictionary on the plateau schedule, its
	// epochs a bound of about plateauBudgetSteps steps (4 a epoch here).
	c := DefaultConfig().Resolve(100, 1000)
	if c.Sparsity != SparsityTopK || c.Activation != ReLU || c.Hidden != 50 || c.K != 12 || c.Decay != Plateau ||
		c.Epochs != plateauBudgetSteps/4 || c.SupervisedEpochs != c.Epochs || c.DecoderNorm != DecoderUnit || c.Ensemble != 3 {
		t.Fatalf("resolved defaults: %+v", c)
	}
	// The textbook model for what a dictionary cannot train (here deep);
	// epochs given: the cosine schedule.
	deep := DefaultConfig()
	deep.Layers, deep.Epochs = []int{20, 10}, 7
	if r := deep.Resolve(100, 1000); r.Sparsity != SparsityKL || r.Activation != Sigmoid || r.LR != 1e-3 ||
		r.Decay != Cosine || r.Epochs != 7 || r.SupervisedEpochs != 20 || r.DecoderNorm != DecoderFree || r.DecoderBiasInit != BiasMean {
		t.Fatalf("resolved deep defaults: %+v", r)
	}
	for _, set := range []func(*Config){
		func(c *Config) { c.Tied = true },
		func(c *Config) { c.Activation = Sigmoid },
		func(c *Config) { c.Loss = BCE },
		func(c *Config) { c.Optimizer = LBFGS },
		func(c *Config) { c.Contractive = 0.1 },
		func(c *Config) { c.TargetL0 = 5 },
	} {
		c := DefaultConfig()
		set(&c)
		if r := c.Resolve(100, 1000); r.Sparsity != SparsityKL {
			t.Errorf("%+v: sparsity %s, want kl", c, r.Sparsity)
		}
	}
	v := DefaultConfig()
	v.Variational = true
	if v.Resolve(10, 0).Sparsity != SparsityNone {
		t.Fatal("a variational model's default sparsity is not none")
	}
	// A denoiser's corruption regularises it: a dense code, one layer or
	// deep; with a target L0 the penalty is what reaches it.
	for _, layers := range [][]int{nil, {20, 10}} {
		dn := DefaultConfig()
		dn.Noise, dn.Layers = "gaussian:0.3", layers
		if r := dn.Resolve(100, 1000); r.Sparsity != SparsityNone || r.selfScored(false) || layers == nil && r.Hidden != 100 {
			t.Errorf("denoiser %v: sparsity %s, scored by itself %v, %d latents; want none, by the recipe's members, as many latents as columns", layers, r.Sparsity, r.selfScored(false), r.Hidden)
		}
		dn.TargetL0 = 5
		if r := dn.Resolve(100, 1000); r.Sparsity != SparsityKL {
			t.Errorf("denoiser %v with a target l0: sparsity %s, want kl", layers, r.Sparsity)
		}
	}
	tl := DefaultConfig()
	tl.Sparsity, tl.TargetL0 = SparsityL1, 5
	if r := tl.Resolve(10, 0); r.Activation != ReLU || r.L1Weight != L1Decoder || r.Decay != Cosine {
		t.Fatalf("target-l0 l1: %+v", r)
	}
	// No sparse phase (Epochs -1): the supervised phase keeps the plateau
	// schedule and its budget (on cosine it ran 20 epochs: 20 steps on
	// scikit-learn's wine, a classifier at chance).
	sup := DefaultConfig()
	sup.Epochs, sup.Layers = -1, []int{8, 4}
	if r := sup.Resolve(16, 100); r.Decay != Plateau || r.SupervisedEpochs != plateauCheapBudgetSteps || r.Epochs != -1 {
		t.Fatalf("epochs -1: %+v", r)
	}
	tk := DefaultConfig()
	tk.Sparsity, tk.Activation, tk.Trim = SparsityTopK, Tanh, 0.2
	if r := tk.Resolve(64, 0); r.Activation != ReLU || r.Trim != 0 || r.WeightDecay != 0 || r.K != 8 || r.AuxK != 32 || r.LR != 3e-3 || r.DecoderNorm != DecoderUnit || r.Normalize != NormalizeGlobal {
		t.Fatalf("topk: %+v", r)
	}
	set := DefaultConfig()
	set.Hidden, set.LR, set.Epochs, set.Sparsity, set.K = 7, 0.5, 3, SparsityBatchTopK, 2
	if r := set.Resolve(64, 1000); r.Hidden != 7 || r.LR != 0.5 || r.Epochs != 3 || r.K != 2 {
		t.Fatalf("values set were changed: %+v", r)
	}
	for _, base := range []Config{DefaultConfig(), tl, tk, v} {
		for _, kind := range nn.Kinds() {
			c := base
			c.Sparsity = Sparsity(kind.Name())
			once := c.Resolve(64, 500)
			steps := c.Resolve(0, 0).Resolve(64, 0).Resolve(64, 500)
			if !reflect.DeepEqual(once, steps) {
				t.Fatalf("%s: at once %+v, in steps %+v", kind.Name(), once, steps)
			}
		}
	}
}

// Every field of nn.Params is the Config field of the same name, and the
// copies go both ways.
func TestParamsMirrorConfig(t *testing.T) {
	ct := reflect.TypeOf(Config{})
	pt := reflect.TypeOf(nn.Params{})
	for i := 0; i < pt.NumField(); i++ {
		f := pt.Field(i)
		cf, ok := ct.FieldByName(f.Name)
		if !ok || !cf.Type.ConvertibleTo(f.Type) {
			t.Fatalf("nn.Params.%s (%s) has no Config field of that name and type", f.Name, f.Type)
		}
	}
	c := DefaultConfig()
	c.Sparsity, c.K, c.L1Weight, c.Layers, c.Activation = SparsityTopK, 7, L1Plain, []int{4, 2}, Tanh
	p := c.params()
	if p.K != 7 || p.L1Weight != "none" || p.Activation != "tanh" || p.Rho != c.Rho || len(p.Layers) != 2 {
		t.Fatalf("params %+v", p)
	}
	p.K, p.Rho, p.Layers[0] = 9, 0.2, 5
	var back Config
	back.setParams(p)
	if back.K != 9 || back.Rho != 0.2 || back.Layers[0] != 5 || c.Layers[0] != 4 {
		t.Fatalf("copied back %+v (source layers %v)", back, c.Layers)
	}
}

// TestOneWidthLayersIsOneLayer: Layers of one width is the one-layer model
// of that Hidden, which saves and loads (it wrote a config.json whose
// layers contradicted its architecture, and no command could load it).
func TestOneWidthLayersIsOneLayer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Layers, cfg.Epochs, cfg.Ensemble = []int{6}, 2, 1
	if r := cfg.Resolve(12, 100); r.Hidden != 6 || len(r.Layers) != 0 {
		t.Fatalf("Layers [6] resolved to Hidden %d, Layers %v: want 6, none", r.Hidden, r.Layers)
	}
	m, err := Train(context.Background(), sparseData(300, 12, 8, 2, 3), cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Fatalf("a model trained with Layers [6] does not load: %v", err)
	}
}

// Who scores anomalies: a dense code trained without labels scores with
// itself (and Ensemble-1 like it); a dictionary, and a classifier of any
// code, are scored by the recipe's autoencoders trained beside them.
func TestSelfScored(t *testing.T) {
	dense := DefaultConfig()
	dense.Layers, dense.Stacked = []int{8, 4}, true
	dict := DefaultConfig() // a one-layer relu model: a topk dictionary
	for _, tc := range []struct {
		name       string
		cfg        Config
		classifier bool
		want       bool
	}{{"dense", dense, false, true}, {"dense classifier", dense, true, false}, {"dictionary", dict, false, false}, {"dictionary classifier", dict, true, false}} {
		c := tc.cfg.Resolve(16, 100)
		if got := c.selfScored(tc.classifier); got != tc.want {
			t.Errorf("%s: selfScored %v, want %v", tc.name, got, tc.want)
		}
		if c.Ensemble != 3 {
			t.Errorf("%s: Ensemble %d, want the default 3", tc.name, c.Ensemble)
		}
		if m := c.detectorConfig(1, tc.classifier); tc.want != (m.Sparsity == c.Sparsity && m.Layers != nil) {
			t.Errorf("%s: a member is %s %v; want the model's settings only when it scores with itself", tc.name, m.Sparsity, m.Layers)
		}
	}
}

// The plateau schedule's least patience is stated where a user reads it
// (--patience's help) and where Decay is documented, its budget where
// --epochs and Epochs are: each says the constants' values (they had gone
// on saying 250 steps, the patience before f051183).
func TestPlateauPatienceDocumented(t *testing.T) {
	for _, tc := range []struct{ file, text string }{
		{"cmd/sae/fields.go", fmt.Sprintf("at least %d steps, %d where a step is cheap", plateauPatienceSteps, plateauCheapSteps)},
		{"config_enums.go", fmt.Sprintf("plateauPatienceSteps:\n\t// %d steps, or plateauCheapSteps: %d steps", plateauPatienceSteps,
			plateauCheapSteps)},
		// and the budgets, where --epochs and Epochs say the default.
		{"cmd/sae/fields.go", fmt.Sprintf("within about %d steps, %d where a step is cheap", plateauBudgetSteps,
			plateauCheapBudgetSteps)},
		{"config.go", fmt.Sprintf("within about %d steps, %d where a step is\n\t// cheap", plateauBudgetSteps,
			plateauCheapBudgetSteps)},
	} {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tc.text) {
			t.Errorf("%s does not say %q", tc.file, tc.text)
		}
	}
}
