package saebench

import (
	"context"
	"errors"
	"time"

	"github.com/sae-go/sae"
)

// Meta is SAEBench's meta_structure metrics.
type Meta struct {
	DecoderFractionVarianceExplained float64 `json:"decoder_fraction_variance_explained"`
	TrainTimeSeconds                 float64 `json:"train_time_seconds"`
	FinalReconstructionMSE           float64 `json:"final_reconstruction_mse"`
}

// MetaOptions configure MetaSAE; zero fields take SAEBench's defaults.
type MetaOptions struct {
	WidthRatio float64 // meta latents per base latent; default 0.25
	K          int     // active meta latents per row on average; default 4
	Steps      int     // training steps; default 1500
	Batch      int     // rows per step (at most the base latents); default 1024
	LR         float64 // constant learning rate; default 5e-4
	Seed       uint64  // default 42
	Threads    int     // cores; 0: all
}

// MetaSAE trains a BatchTopK SAE on m's decoder rows (in input units) and
// measures how much of their variance it explains.
func MetaSAE(ctx context.Context, m *sae.Model, opt MetaOptions) (Meta, error) {
	_, dec, err := FoldedWeights(m)
	if err != nil {
		return Meta{}, err
	}
	h, d := m.Hidden(), m.Inputs
	if opt.WidthRatio == 0 {
		opt.WidthRatio = 0.25
	}
	if opt.K == 0 {
		opt.K = 4
	}
	if opt.Steps == 0 {
		opt.Steps = 1500
	}
	if opt.Batch == 0 {
		opt.Batch = 1024
	}
	if opt.LR == 0 {
		opt.LR = 5e-4
	}
	if opt.Seed == 0 {
		opt.Seed = 42
	}
	width := int(float64(h)*opt.WidthRatio + 0.999999)
	if width <= opt.K {
		return Meta{}, errors.New("the meta-SAE needs more latents than its k: the model has too few")
	}
	x := sae.Matrix{Rows: h, Cols: d, Data: dec}
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Sparsity, cfg.K = width, sae.SparsityBatchTopK, opt.K
	cfg.Batch = min(opt.Batch, h)
	cfg.Epochs = max(1, (opt.Steps*cfg.Batch+h-1)/h)
	cfg.LR, cfg.Warmup, cfg.Decay = opt.LR, 0, "none"
	cfg.ValSplit, cfg.Patience, cfg.Normalize = 0, 0, sae.NormalizeNone
	cfg.Seed, cfg.Threads = opt.Seed, opt.Threads
	start := time.Now()
	meta, err := sae.Train(ctx, x, cfg, sae.TrainOptions{})
	if err != nil {
		return Meta{}, err
	}
	secs := time.Since(start).Seconds()
	rec, err := meta.Reconstruct(x)
	if err != nil {
		return Meta{}, err
	}
	colMean := make([]float64, d)
	for i := range h {
		for j := range d {
			colMean[j] += float64(dec[i*d+j]) / float64(h)
		}
	}
	var resid, total float64
	for i, v := range dec {
		e := float64(v) - float64(rec.Data[i])
		resid += e * e
		c := float64(v) - colMean[i%d]
		total += c * c
	}
	out := Meta{TrainTimeSeconds: secs, FinalReconstructionMSE: resid / float64(len(dec))}
	if total > 0 {
		out.DecoderFractionVarianceExplained = 1 - resid/total
	}
	return out, nil
}
