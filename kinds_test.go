package sae

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// A batchtopk model's inference code of a row does not depend on the rows
// encoded with it (batchtopk's training rule would: there, rows share a
// budget).
func TestBatchTopKInferenceIsPerRow(t *testing.T) {
	x := sparseData(1500, 24, 30, 3, 9)
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Hidden, cfg.K, cfg.Epochs = SparsityBatchTopK, 64, 4, 5
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if thr := m.Weights()["threshold"][0]; !(thr > 0) {
		t.Fatalf("threshold %g: not learned", thr)
	}
	all, _ := m.Encode(x)
	for _, i := range []int{0, 17, 1499} {
		one, _ := m.Encode(Matrix{Rows: 1, Cols: x.Cols, Data: x.Row(i)})
		// The same latents, and the same values up to the rounding of the
		// product (a row alone goes through the GEMV, whose order of
		// summation differs from the GEMM's).
		for j, v := range one.Data {
			w := all.Row(i)[j]
			if (v == 0) != (w == 0) || math.Abs(float64(v-w)) > 1e-6*(1+math.Abs(float64(w))) {
				t.Fatalf("row %d latent %d: %g alone, %g in the batch", i, j, v, w)
			}
		}
	}
	mt, _ := m.Eval(x)
	if mt.L0 < 2 || mt.L0 > 8 {
		t.Errorf("inference l0 %g, trained for k = 4 on average", mt.L0)
	}
}

// A topk model trained end to end: the decoder rows stay at unit norm, the
// code has k active latents per row, it learns the data's sparse
// structure, the trainer records its dead latents, and a saved model
// loads with the same codes.
func TestTopKTrainSaveLoad(t *testing.T) {
	x := sparseData(2000, 24, 16, 2, 12)
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Hidden, cfg.K, cfg.Epochs = SparsityTopK, 48, 4, 40
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.Activation != ReLU || c.WeightDecay != 0 || c.Trim != 0 || c.DecoderNorm != DecoderUnit || c.Normalize != NormalizeStandard || c.AuxK != 12 {
		t.Errorf("topk defaults not applied: %+v", c)
	}
	feats, h := m.Features()
	norms := make([]float32, h)
	kernels.RowNorms(norms, feats, x.Cols)
	for j, v := range norms {
		if math.Abs(float64(v)-1) > 1e-5 {
			t.Fatalf("decoder row %d has norm %g", j, v)
		}
	}
	mt, _ := m.Eval(x)
	if mt.L0 > 4 || mt.L0 < 3 {
		t.Errorf("l0 %g, want at most k = 4 (and most rows using all)", mt.L0)
	}
	if mt.FVU > 0.2 {
		t.Errorf("fvu %g: the model did not learn the data", mt.FVU)
	}
	if m.History.DeadFraction < 0 || m.History.DeadFraction > 1 {
		t.Errorf("dead fraction %g", m.History.DeadFraction)
	}
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Encode(x)
	b, _ := m2.Encode(x)
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("code %d: %g before saving, %g after loading", i, a.Data[i], b.Data[i])
		}
	}
	if m2.String() != m.String() || m2.Config.K != 4 {
		t.Errorf("loaded %s (k %d), saved %s", m2, m2.Config.K, m)
	}
}

// A jumprelu model trains (its thresholds rise from their start and the
// code is sparse), saves and loads to the same codes, and its codes are
// pre-activations above the stored thresholds.
func TestJumpReLUTrainSaveLoad(t *testing.T) {
	x := sparseData(600, 16, 24, 3, 21)
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Hidden, cfg.Epochs, cfg.Batch = SparsityJumpReLU, 32, 20, 64
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Activation != ReLU || m.Config.Bandwidth != 0.001 || m.Config.L0Coef != 1e-3*16 {
		t.Fatalf("defaults not resolved: %+v", m.Config)
	}
	thr := m.Weights()["threshold"]
	if slices.Max(thr) <= 0.001 {
		t.Fatalf("thresholds never rose: max %g", slices.Max(thr))
	}
	if slices.Min(thr) < 0 {
		t.Fatalf("a negative threshold %g", slices.Min(thr))
	}
	mt, err := m.Eval(x)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("l0 %.2f fvu %.4f dead %.3f", mt.L0, mt.FVU, mt.DeadFraction)
	if !(mt.L0 > 0 && mt.L0 < 16) || !(mt.FVU < 0.5) {
		t.Fatalf("l0 %g fvu %g: not a sparse code that reconstructs", mt.L0, mt.FVU)
	}
	codes, _ := m.Encode(x)
	// The pre-activations (x - b_dec)·W_enc + b_enc.
	w := m.Weights()
	pre := make([]float32, x.Rows*32)
	for i := 0; i < x.Rows; i++ {
		for j := 0; j < 32; j++ {
			s := w["b_enc"][j]
			for p := 0; p < 16; p++ {
				s += (x.Data[i*16+p] - w["b_dec"][p]) * w["W_enc"][p*32+j]
			}
			pre[i*32+j] = s
		}
	}
	for i, v := range codes.Data {
		j := i % 32
		want := float32(0)
		if pre[i] > thr[j] && pre[i] > 0 {
			want = pre[i]
		}
		// (The reference rounds differently from the GEMM's sums.)
		if (v != 0) != (want != 0) || math.Abs(float64(v-want)) > 1e-5*(1+math.Abs(float64(want))) {
			t.Fatalf("code %d is %g; pre-activation %g, threshold %g", i, v, pre[i], thr[j])
		}
	}
	dir := filepath.Join(t.TempDir(), "m")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := back.Encode(x)
	if !slices.Equal(again.Data, codes.Data) || back.Config.L0Coef != m.Config.L0Coef {
		t.Fatal("the loaded model encodes differently")
	}
}

func TestResolveDeadWindow(t *testing.T) {
	if (Config{}).deadWindow(500) != 500 || (Config{}).deadWindow(1<<30) != 10_000_000 || (Config{DeadWindow: 7}).deadWindow(500) != 7 {
		t.Fatal("dead window defaults")
	}
	// At least 16 batches; an epoch of 20,000 rows in batches of 512 is
	// the window (64 batches left bench/modern's latents dead).
	if w := (Config{Batch: 512}).deadWindow(20000); w != 20000 {
		t.Fatalf("20000 rows, batch 512: window %d", w)
	}
	if w := (Config{Batch: 256}).deadWindow(490); w != 16*256 {
		t.Fatalf("490 rows, batch 256: window %d", w)
	}
}
