package sae

// The dictionary: a one-layer model's decoder rows (unit norm when
// Config.DecoderNorm is unit) and how it and the decoder bias start.

import (
	"math"
	"math/rand/v2"

	"github.com/sae-go/sae/internal/kernels"
)

// projectRowGrads removes from the gradient g [h,d] of the unit-norm rows
// W [h,d] each row's component along its row: g_j -= (g_j·w_j) w_j, the
// gradient's projection onto the sphere's tangent plane.
func projectRowGrads[T kernels.Float](W, g []T, h, d int) {
	parallelRange(h, 256, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			wj, gj := W[j*d:(j+1)*d], g[j*d:(j+1)*d]
			kernels.Axpy(-kernels.Dot(gj, wj), wj, gj)
		}
	})
}

// normalizeRows scales every row of W [h,d] to unit norm (a zero row is
// left as it is).
func normalizeRows[T kernels.Float](W []T, h, d int) {
	parallelRange(h, 256, func(lo, hi int) {
		var nrm [1]T
		for j := lo; j < hi; j++ {
			wj := W[j*d : (j+1)*d]
			kernels.RowNorms(nrm[:], wj, d)
			if nrm[0] > 0 {
				kernels.Scale(1/nrm[0], wj)
			}
		}
	})
}

// initDictionary finishes the network's initialisation for the trainer's
// config, from a sample of up to 4096 (scaled) training rows.
func (t *trainer) initDictionary() error {
	n, d := t.net, t.train.cols
	if n.depth() != 1 || n.tied || n.vae {
		return nil
	}
	var sample Matrix // read only when the median needs it
	if wantsMedian(n, t.cfg) {
		sample = NewMatrix(min(t.train.len(), 4096), d)
		if err := t.train.readRange(sample.Data, 0, sample.Rows); err != nil {
			return err
		}
	}
	initDictionary(n, t.cfg, sample, t.rng)
	return nil
}

// initDictionary finishes the initialisation of a one-layer model for
// cfg: with a unit-norm decoder, rows in uniformly random directions (and,
// for a selection code, the encoder their transpose: each latent starts
// reading the direction it writes); the decoder bias at the geometric
// median of up to 4096 of the rows x when asked (mse).
func initDictionary(n *net[float32], cfg Config, x Matrix, rng *rand.Rand) {
	if n.depth() != 1 || n.tied || n.vae {
		return
	}
	d, h := n.d, n.h
	if cfg.DecoderNorm == DecoderUnit {
		for i := range n.wDec {
			n.wDec[i] = float32(rng.NormFloat64())
		}
		normalizeRows(n.wDec, h, d)
		if n.code != "" {
			for j := 0; j < h; j++ {
				for p := 0; p < d; p++ {
					n.wEnc[p*h+j] = n.wDec[j*d+p]
				}
			}
		}
	}
	if wantsMedian(n, cfg) {
		rows := min(x.Rows, 4096)
		copy(n.bDec, geometricMedian(x.Data[:rows*d], rows, d))
	}
}

// wantsMedian reports whether initDictionary sets the decoder bias to the
// geometric median of the rows.
func wantsMedian(n *net[float32], cfg Config) bool {
	return n.loss == MSE && cfg.DecoderBiasInit == BiasMedian
}

// geometricMedian returns the point minimising the summed Euclidean
// distance to the rows of x [rows,d] (Weiszfeld's iteration from the mean,
// at most 200 steps, until a step moves less than 1e-7 of the rows' spread).
func geometricMedian(x []float32, rows, d int) []float32 {
	y := make([]float64, d)
	for i := 0; i < rows; i++ {
		for p, v := range x[i*d : (i+1)*d] {
			y[p] += float64(v)
		}
	}
	for p := range y {
		y[p] /= float64(rows)
	}
	var spread float64
	for i := 0; i < rows; i++ {
		spread += math.Sqrt(dist2(x[i*d:(i+1)*d], y))
	}
	spread /= float64(rows)
	next := make([]float64, d)
	for it := 0; it < 200 && spread > 0; it++ {
		clear(next)
		var wsum float64
		for i := 0; i < rows; i++ {
			xi := x[i*d : (i+1)*d]
			w := 1 / math.Max(math.Sqrt(dist2(xi, y)), 1e-12*spread)
			wsum += w
			for p, v := range xi {
				next[p] += w * float64(v)
			}
		}
		var move float64
		for p := range next {
			next[p] /= wsum
			move += (next[p] - y[p]) * (next[p] - y[p])
		}
		y, next = next, y
		if math.Sqrt(move) < 1e-7*spread {
			break
		}
	}
	out := make([]float32, d)
	for p, v := range y {
		out[p] = float32(v)
	}
	return out
}

func dist2(x []float32, y []float64) float64 {
	var s float64
	for p, v := range x {
		e := float64(v) - y[p]
		s += e * e
	}
	return s
}

// constrainGrad projects the decoder's gradient onto the unit-norm
// constraint (before the optimiser's step).
func (t *trainer) constrainGrad() {
	n := t.net
	if t.cfg.DecoderNorm != DecoderUnit || n.wDec == nil {
		return
	}
	D := &n.dec[0]
	projectRowGrads(n.wDec, t.w.grad[D.gw:D.gw+n.h*n.d], n.h, n.d)
}

// constrainParams renormalises the decoder rows (after the step).
func (t *trainer) constrainParams() {
	if t.cfg.DecoderNorm == DecoderUnit && t.net.wDec != nil {
		normalizeRows(t.net.wDec, t.net.h, t.net.d)
	}
}
