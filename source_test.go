package sae

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// rowReader is a Source that is not a Matrix: the trainer and the model
// must read it through ReadRows, as they read a file. It counts the rows
// read and can fail after a budget of rows.
type rowReader struct {
	m       Matrix
	read    int
	failAt  int // fail once read passes this (0: never)
	maxRows int // the most rows asked for in one call
}

var errRead = errors.New("disk on fire")

func (r *rowReader) Dims() (int, int) { return r.m.Dims() }

func (r *rowReader) ReadRows(dst []float32, idx []int) error {
	r.read += len(idx)
	r.maxRows = max(r.maxRows, len(idx))
	if r.failAt > 0 && r.read > r.failAt {
		return errRead
	}
	return r.m.ReadRows(dst, idx)
}

// Training from a source read a batch at a time gives exactly the model
// training on the matrix gives, for every path that reads the data:
// validation split, robust scaling, noise, stacked pre-training, labels.
func TestTrainSourceMatchesMatrix(t *testing.T) {
	x := sparseData(700, 12, 8, 2, 5)
	labels := make([]int, x.Rows)
	for i := range labels {
		labels[i] = i % 3
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		opt  TrainOptions
	}{
		{"plain", func(c *Config) {}, TrainOptions{}},
		{"robust+noise", func(c *Config) { c.Normalize = NormalizeRobust; c.Noise = "saltpepper:0.1" }, TrainOptions{}},
		{"lbfgs", func(c *Config) { c.Optimizer = LBFGS; c.Epochs = 5; c.Normalize = NormalizeStandard }, TrainOptions{}},
		{"stacked+labels", func(c *Config) {
			c.Layers, c.Hidden, c.Stacked, c.SupervisedEpochs, c.Activation, c.Sparsity = []int{8, 4}, 0, true, 2, ReLU, SparsityL1
		}, TrainOptions{Labels: labels}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Hidden, cfg.Epochs, cfg.Batch = 8, 3, 64
			tc.edit(&cfg)
			want, err := Train(context.Background(), x, cfg, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			src := &rowReader{m: x}
			got, err := Train(context.Background(), src, cfg, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.net.Params, want.net.Params) {
				t.Fatal("the model trained from a source differs from the one trained from the matrix")
			}
			if got.Threshold != want.Threshold || got.History.FinalLoss != want.History.FinalLoss {
				t.Fatalf("threshold %g / %g, final loss %g / %g", got.Threshold, want.Threshold, got.History.FinalLoss, want.History.FinalLoss)
			}
			if g, w := *got.History.Val, *want.History.Val; g.MSE != w.MSE || g.FVU != w.FVU || g.L0 != w.L0 || !slices.Equal(g.FiringRate, w.FiringRate) {
				t.Fatalf("validation metrics differ: %+v / %+v", *got.History.Val, *want.History.Val)
			}
			// Never more than a chunk of rows at a time.
			if lim := max(cfg.Batch, 64, want.chunkRows()); src.maxRows > lim {
				t.Fatalf("read %d rows at once, more than a chunk (%d)", src.maxRows, lim)
			}
		})
	}
}

// A read error mid-training stops training with that error.
func TestTrainSourceReadError(t *testing.T) {
	x := sparseData(500, 10, 6, 2, 6)
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs = 6, 4
	_, err := Train(context.Background(), &rowReader{m: x, failAt: 3 * x.Rows}, cfg, TrainOptions{})
	if !errors.Is(err, errRead) {
		t.Fatalf("got %v, want the read error", err)
	}
}

// hugeSource claims more rows than the trainer can index and fails any read.
type hugeSource struct{ rows int }

func (h hugeSource) Dims() (int, int) { return h.rows, 4 }

func (hugeSource) ReadRows([]float32, []int) error { return errRead }

// A source with more rows than uint32 positions can hold is refused before
// the trainer allocates anything per row.
func TestTrainSourceTooManyRows(t *testing.T) {
	if math.MaxInt == math.MaxInt32 {
		t.Skip("int cannot count 2^32 rows here")
	}
	var n uint64 = math.MaxUint32 + 1
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs = 2, 1
	_, err := Train(context.Background(), hugeSource{rows: int(n)}, cfg, TrainOptions{})
	if err == nil || !strings.Contains(err.Error(), "4294967296 rows") {
		t.Fatalf("got %v, want the row-count error", err)
	}
}

// Eval and Score on a source equal Eval and Score on the matrix.
func TestEvalScoreSource(t *testing.T) {
	x := sparseData(2500, 10, 6, 2, 8)
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Normalize = 6, 2, NormalizeStandard
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Eval(x)
	got, err := m.Eval(&rowReader{m: x})
	if err != nil || got.MSE != want.MSE || got.FVU != want.FVU || got.L0 != want.L0 || got.DeadFraction != want.DeadFraction {
		t.Fatalf("EvalSource %+v (%v), Eval %+v", got, err, want)
	}
	ws, _ := m.Score(x)
	gs, err := m.Score(&rowReader{m: x})
	if err != nil || !slices.Equal(gs, ws) {
		t.Fatal("ScoreSource differs from Score")
	}
	if _, err := m.Score(&rowReader{m: x, failAt: 100}); !errors.Is(err, errRead) {
		t.Fatalf("ScoreSource read error: got %v", err)
	}
}

// Robust scaling of data too large to hold reads a sample of rows; its
// medians and spreads stay close to the exact ones.
func TestRobustScalingSample(t *testing.T) {
	defer func(s, r int) { robustSample, robustRows = s, r }(robustSample, robustRows)
	rng := rand.New(rand.NewPCG(9, 9))
	x := NewMatrix(20000, 4)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64()*float64(1+i%4) + float64(i%4))
	}
	exact := fitNormalizerOf(NormalizeRobust, x)
	robustSample, robustRows = 8000, 1000 // 2000 of the 20000 rows
	src := &rowReader{m: x}
	approx, err := fitNormalizer(NormalizeRobust, allRows(src), 256)
	if err != nil {
		t.Fatal(err)
	}
	if src.read > 2000+20000 { // the sample, plus the auto check's one pass at most
		t.Fatalf("read %d rows", src.read)
	}
	for j := 0; j < 4; j++ {
		sd := float64(1 + j)
		if math.Abs(float64(approx.Shift[j]-exact.Shift[j])) > 0.1*sd || math.Abs(float64(approx.Scale[j]/exact.Scale[j])-1) > 0.1 {
			t.Fatalf("column %d: sample gives shift %g scale %g, all rows %g %g", j, approx.Shift[j], approx.Scale[j], exact.Shift[j], exact.Scale[j])
		}
	}
	if slices.Equal(approx.Scale, exact.Scale) {
		t.Fatal("the sample gave exactly the full data's scales: was it sampled at all?")
	}
}
