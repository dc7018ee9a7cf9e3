// Package saebench computes the SAEBench metrics (Karvonen et al., "SAEBench:
// A Comprehensive Benchmark for Sparse Autoencoders", 2025) that need no
// language model once the activations (and, for probing, labels) are at
// hand, under SAEBench's JSON names, so that an sae model can be put beside
// SAEBench's published results. It uses only the root package's public API.
//
// # Core (eval type "core")
//
// Over the n rows x of the data, codes a = Encode(x), reconstructions
// x̂ = Decode(a), all in input units (the model's normalisation is undone),
// sums in float64:
//
//	reconstruction_quality.explained_variance = 1 - Σ||x - x̂||² / Σ||x - μ||²   (μ: the per-column mean)
//	reconstruction_quality.mse                = Σ||x - x̂||² / (n d)
//	reconstruction_quality.cossim             = mean_i cos(x_i, x̂_i)               (0 where a norm is 0)
//	shrinkage.l2_norm_in, l2_norm_out         = mean_i ||x_i||, mean_i ||x̂_i||
//	shrinkage.l2_ratio                        = mean_i ||x̂_i|| / ||x_i||           (||x_i|| < 1e-4 divides by 1)
//	shrinkage.relative_reconstruction_bias    = mean_i ||x̂_i||² / mean_i x_i·x̂_i
//	sparsity.l0, sparsity.l1                  = mean_i #{j: a_ij ≠ 0}, mean_i Σ_j |a_ij|
//
// Explained variance is the fraction of variance explained that SAEBench's
// documentation defines (predicting μ scores 0); SAEBench 0.6.0's code
// subtracts the squared mean of x² instead of ||μ||² from the total, which
// is not a variance, so its figures differ on data with a large mean. Its
// mse divides each row's squared error by the number of rows in the batch;
// ours is the mean over elements. l1 sums |a| where SAEBench sums a (the
// same for relu codes).
//
// misc_metrics: a latent's density is the fraction of rows where a > 0;
// frac_alive, freq_over_1_percent and freq_over_10_percent are the fractions
// of latents with density above 0, 0.01 and 0.1, normalized_freq_over_* the
// share of the total density those latents hold; average_max_encoder_cosine_sim
// (and _decoder_) is the mean over latents of the largest cosine similarity
// between its encoder column (decoder row) and any other latent's, with the
// normalisation folded into the weights as SAELens export does.
//
// # Sparse probing (eval type "sparse_probing")
//
// For each class c of the labels, a balanced binary task: the rows of class
// c and as many rows of the other classes, drawn evenly from each; on its
// training rows the k latents with the largest |mean(a | c) - mean(a | not
// c)| are chosen, a logistic regression on them is fitted (L2 penalty
// ½||w||², C = 1, as scikit-learn's default that SAEBench uses, solved by
// Newton's method in float64), and its accuracy measured on the test rows;
// sae_top_k_test_accuracy is the mean over classes. llm_top_k_test_accuracy
// is the same with the input columns in place of latents.
//
// # Meta-SAE (eval type "meta_structure")
//
// A BatchTopK SAE with a quarter of the latents and k = 4 is trained on the
// model's decoder rows (Bussmann et al., "Learning multi-level features with
// Matryoshka SAEs", 2025, App. D.1): decoder_fraction_variance_explained is
// 1 - Σ||r - r̂||² / Σ||r - mean r||² over the rows r, final_reconstruction_mse
// the squared error per element.
package saebench

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/sae-go/sae"
)

// Core is SAEBench's core metrics.
type Core struct {
	ReconstructionQuality struct {
		ExplainedVariance float64 `json:"explained_variance"`
		MSE               float64 `json:"mse"`
		Cossim            float64 `json:"cossim"`
	} `json:"reconstruction_quality"`
	Shrinkage struct {
		L2NormIn                   float64 `json:"l2_norm_in"`
		L2NormOut                  float64 `json:"l2_norm_out"`
		L2Ratio                    float64 `json:"l2_ratio"`
		RelativeReconstructionBias float64 `json:"relative_reconstruction_bias"`
	} `json:"shrinkage"`
	Sparsity struct {
		L0 float64 `json:"l0"`
		L1 float64 `json:"l1"`
	} `json:"sparsity"`
	Misc       Misc `json:"misc_metrics"`
	TokenStats struct {
		Reconstruction   int `json:"total_tokens_eval_reconstruction"`
		SparsityVariance int `json:"total_tokens_eval_sparsity_variance"`
	} `json:"token_stats"`
}

// Misc is SAEBench's misc_metrics.
type Misc struct {
	FreqOver1Percent            float64 `json:"freq_over_1_percent"`
	FreqOver10Percent           float64 `json:"freq_over_10_percent"`
	NormalizedFreqOver1Percent  float64 `json:"normalized_freq_over_1_percent"`
	NormalizedFreqOver10Percent float64 `json:"normalized_freq_over_10_percent"`
	AverageMaxEncoderCosineSim  float64 `json:"average_max_encoder_cosine_sim"`
	AverageMaxDecoderCosineSim  float64 `json:"average_max_decoder_cosine_sim"`
	FracAlive                   float64 `json:"frac_alive"`
}

// chunkRows is how many rows a pass reads at a time.
const chunkRows = 1024

// scan calls fn on src's rows, chunk by chunk, with the first row's index.
func scan(ctx context.Context, src sae.Source, fn func(x sae.Matrix, lo int) error) error {
	n, d := src.Dims()
	buf := make([]float32, min(n, chunkRows)*d)
	idx := make([]int, 0, chunkRows)
	for lo := 0; lo < n; lo += chunkRows {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := min(chunkRows, n-lo)
		idx = idx[:0]
		for r := lo; r < lo+rows; r++ {
			idx = append(idx, r)
		}
		x := sae.Matrix{Rows: rows, Cols: d, Data: buf[:rows*d]}
		if err := src.ReadRows(x.Data, idx); err != nil {
			return err
		}
		if err := fn(x, lo); err != nil {
			return err
		}
	}
	return nil
}

// coreSums accumulates the core metrics over rows.
type coreSums struct {
	n                              int
	resid, sqIn, normIn, normOut   float64
	ratio, cos, sqOut, dot, l0, l1 float64
	colMean, colM2                 []float64 // per column, merged chunk by chunk (Chan et al.)
	fired                          []int64   // rows where each latent is > 0
}

func (s *coreSums) add(x, rec, codes sae.Matrix) {
	d, h := x.Cols, codes.Cols
	if s.colMean == nil {
		s.colMean, s.colM2, s.fired = make([]float64, d), make([]float64, d), make([]int64, h)
	}
	for i := range x.Rows {
		xi, ri := x.Data[i*d:(i+1)*d], rec.Data[i*d:(i+1)*d]
		var e, nx, nr, dot float64
		for j, v := range xi {
			a, b := float64(v), float64(ri[j])
			e += (a - b) * (a - b)
			nx += a * a
			nr += b * b
			dot += a * b
		}
		s.resid += e
		s.sqIn += nx
		s.sqOut += nr
		s.dot += dot
		s.normIn += math.Sqrt(nx)
		s.normOut += math.Sqrt(nr)
		div := math.Sqrt(nx)
		if div < 1e-4 {
			div = 1
		}
		s.ratio += math.Sqrt(nr) / div
		if nx > 0 && nr > 0 {
			s.cos += dot / math.Sqrt(nx*nr)
		}
		for j, v := range codes.Data[i*h : (i+1)*h] {
			if v != 0 {
				s.l0++
				s.l1 += math.Abs(float64(v))
			}
			if v > 0 {
				s.fired[j]++
			}
		}
	}
	// Merge the chunk's per-column mean and M2 into the running ones.
	m := float64(x.Rows)
	for j := range d {
		var mean, m2 float64
		for i := range x.Rows {
			mean += float64(x.Data[i*d+j])
		}
		mean /= m
		for i := range x.Rows {
			dv := float64(x.Data[i*d+j]) - mean
			m2 += dv * dv
		}
		n := float64(s.n)
		delta := mean - s.colMean[j]
		s.colMean[j] += delta * m / (n + m)
		s.colM2[j] += m2 + delta*delta*n*m/(n+m)
	}
	s.n += x.Rows
}

// core turns the sums into the metrics (misc's weight-based figures aside).
func (s *coreSums) core() (Core, []float64) {
	var c Core
	n := float64(s.n)
	var total float64
	for _, v := range s.colM2 {
		total += v
	}
	rq := &c.ReconstructionQuality
	rq.ExplainedVariance = 1 - s.resid/total
	if total == 0 {
		rq.ExplainedVariance = 0
	}
	rq.MSE = s.resid / (n * float64(len(s.colMean)))
	rq.Cossim = s.cos / n
	sh := &c.Shrinkage
	sh.L2NormIn, sh.L2NormOut, sh.L2Ratio = s.normIn/n, s.normOut/n, s.ratio/n
	sh.RelativeReconstructionBias = (s.sqOut / n) / (s.dot / n)
	c.Sparsity.L0, c.Sparsity.L1 = s.l0/n, s.l1/n
	c.TokenStats.Reconstruction, c.TokenStats.SparsityVariance = s.n, s.n
	density := make([]float64, len(s.fired))
	for j, f := range s.fired {
		density[j] = float64(f) / n
	}
	c.Misc = densityMisc(density)
	return c, density
}

// densityMisc is misc_metrics' density figures.
func densityMisc(density []float64) Misc {
	var m Misc
	var total, over1, over10 float64
	for _, p := range density {
		total += p
		if p > 0 {
			m.FracAlive++
		}
		if p > 0.01 {
			m.FreqOver1Percent++
			over1 += p
		}
		if p > 0.1 {
			m.FreqOver10Percent++
			over10 += p
		}
	}
	h := float64(len(density))
	m.FracAlive /= h
	m.FreqOver1Percent /= h
	m.FreqOver10Percent /= h
	if total > 0 {
		m.NormalizedFreqOver1Percent, m.NormalizedFreqOver10Percent = over1/total, over10/total
	}
	return m
}

// CoreMetrics computes the core metrics of m on src in one pass, and each
// latent's density (the fraction of rows where it is > 0).
func CoreMetrics(ctx context.Context, m *sae.Model, src sae.Source) (Core, []float64, error) {
	n, d := src.Dims()
	if n == 0 {
		return Core{}, nil, errors.New("no rows")
	}
	if d != m.Inputs {
		return Core{}, nil, fmt.Errorf("rows have %d values, the model takes %d", d, m.Inputs)
	}
	enc, dec, err := FoldedWeights(m)
	if err != nil {
		return Core{}, nil, err
	}
	var s coreSums
	err = scan(ctx, src, func(x sae.Matrix, _ int) error {
		codes, err := m.Encode(x)
		if err != nil {
			return err
		}
		rec, err := m.Decode(codes)
		if err != nil {
			return err
		}
		s.add(x, rec, codes)
		return nil
	})
	if err != nil {
		return Core{}, nil, err
	}
	c, density := s.core()
	h := m.Hidden()
	c.Misc.AverageMaxEncoderCosineSim = mean(maxCosine(enc, h, d, true))
	c.Misc.AverageMaxDecoderCosineSim = mean(maxCosine(dec, h, d, false))
	return c, density, nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
