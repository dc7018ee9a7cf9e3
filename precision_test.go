package sae

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// trainPrecision trains cfg at precision p on x and returns the model.
func trainPrecision(t *testing.T, x Matrix, cfg Config, p Precision) *Model {
	t.Helper()
	cfg.Precision = p
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return m
}

// checkBF16 trains cfg in fp32 and in bf16 for the same steps on data
// drawn with each of three seeds and checks that bf16 really multiplied in
// bf16 (the weights differ), that the sum of its final losses is within
// 1% of fp32's (one run's trajectory wanders by about as much either way:
// a topk selection flips on a rounding), that the model records bf16, and
// that the trained model, in memory, is the float32 model its files hold.
func checkBF16(t *testing.T, cfg Config) {
	if strconv.IntSize == 32 {
		t.Skip("32-bit: six trainings on the plain-Go kernels take minutes; -tags noasm runs the same bf16 emulation")
	}
	var lf, lb float64
	for _, seed := range []uint64{5, 6, 8} {
		x := sparseData(1200, 96, 40, 3, seed)
		f32 := trainPrecision(t, x, cfg, FP32)
		b16 := trainPrecision(t, x, cfg, BF16)
		if b16.Config.Precision != BF16 || f32.Config.Precision != FP32 {
			t.Fatalf("recorded precisions %q and %q", f32.Config.Precision, b16.Config.Precision)
		}
		same := true
		for i, v := range f32.net.Params {
			same = same && v == b16.net.Params[i]
		}
		if same {
			t.Fatal("bf16 gave the fp32 weights: its products were not bf16")
		}
		f, b := f32.History.FinalLoss, b16.History.FinalLoss
		t.Logf("seed %d: final loss fp32 %.6g (first epoch %.6g), bf16 %.6g (%+.3f%%)", seed, f, f32.History.TrainLoss[0], b, 100*(b/f-1))
		lf, lb = lf+f, lb+b
		if seed == 5 {
			checkFloat32Model(t, b16, x)
		}
	}
	t.Logf("sum of final losses: fp32 %.6g, bf16 %.6g (%+.3f%%); BF16Native %v", lf, lb, 100*(lb/lf-1), kernels.BF16Native())
	if !(math.Abs(lb/lf-1) <= 0.01) {
		t.Errorf("bf16's final losses (sum %g) are not within 1%% of fp32's (%g)", lb, lf)
	}
}

// checkFloat32Model checks that m encodes x as the model its files hold.
func checkFloat32Model(t *testing.T, m *Model, x Matrix) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := m.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := back.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range c1.Data {
		if v != c2.Data[i] {
			t.Fatalf("code %d: %g in memory, %g from the files: the trained model does not encode in float32", i, v, c2.Data[i])
		}
	}
}

func TestPrecisionBF16KL(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Sparsity, cfg.Activation, cfg.LR = 128, SparsityKL, Sigmoid, 0.01
	cfg.Epochs, cfg.Batch, cfg.Threads = 20, 64, 2
	checkBF16(t, cfg)
}

func TestPrecisionBF16TopK(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Sparsity, cfg.K = 256, SparsityTopK, 8
	cfg.Epochs, cfg.Batch, cfg.Threads = 8, 64, 2
	checkBF16(t, cfg)
}

// fp32, the default, "" (a config from before Precision) and auto where
// this machine settles it to fp32 give the same model to the bit.
func TestPrecisionFP32Unchanged(t *testing.T) {
	x := sparseData(400, 24, 12, 2, 7)
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Threads = 32, 3, 2
	ref := trainPrecision(t, x, cfg, FP32)
	ps := []Precision{""}
	if (Config{Precision: PrecisionAuto}).settlePrecision() == FP32 {
		ps = append(ps, PrecisionAuto)
	} else {
		t.Logf("auto settles to bf16 here (BF16Speedup %.2f): not compared", kernels.BF16Speedup())
	}
	for _, p := range ps {
		m := trainPrecision(t, x, cfg, p)
		if m.Config.Precision != FP32 {
			t.Errorf("%q recorded as %q, want fp32", p, m.Config.Precision)
		}
		for i, v := range ref.net.Params {
			if m.net.Params[i] != v {
				t.Fatalf("%q: parameter %d is %g, fp32 gave %g", p, i, m.net.Params[i], v)
			}
		}
	}
}

// auto picks bf16 exactly where the CPU has the instructions, measures
// them faster by the margin, and the optimiser is a mini-batch one.
func TestPrecisionAuto(t *testing.T) {
	want := FP32
	if kernels.BF16Native() && kernels.BF16Speedup() >= bf16MinSpeedup {
		want = BF16
	}
	t.Logf("BF16Native %v, BF16Speedup %.3f: auto is %s", kernels.BF16Native(), kernels.BF16Speedup(), want)
	if got := (Config{Precision: PrecisionAuto, Optimizer: Adam}).settlePrecision(); got != want {
		t.Errorf("auto settled to %s, want %s", got, want)
	}
	if got := (Config{Precision: PrecisionAuto, Optimizer: LBFGS}).settlePrecision(); got != FP32 {
		t.Errorf("auto with lbfgs settled to %s, want fp32", got)
	}
}

func TestPrecisionValidate(t *testing.T) {
	for _, tc := range []struct {
		p    Precision
		opt  Optimizer
		want string
	}{
		{"fp16", Adam, "Precision"},
		{BF16, LBFGS, "lbfgs"},
	} {
		cfg := DefaultConfig()
		cfg.Precision, cfg.Optimizer = tc.p, tc.opt
		err := cfg.Resolve(10, 100).Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Precision %q with %s: error %v, want one naming %s", tc.p, tc.opt, err, tc.want)
		}
	}
	for _, p := range []Precision{"", FP32, BF16, PrecisionAuto} {
		cfg := DefaultConfig()
		cfg.Precision = p
		if err := cfg.Resolve(10, 100).Validate(); err != nil {
			t.Errorf("Precision %q: %v", p, err)
		}
	}
}
