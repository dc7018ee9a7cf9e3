package nn

// The dictionary: a one-layer untied model's decoder rows (unit norm with
// Spec.UnitDecoder), how it and the decoder bias start, and the restarting
// of dead latents.

import (
	"math"
	"math/rand/v2"

	"github.com/sae-go/sae/internal/kernels"
)

// Dictionary reports whether the network is a one-layer untied
// non-variational model, whose decoder rows are a dictionary.
func (n *Net[T]) Dictionary() bool { return n.Depth() == 1 && !n.tied && !n.vae }

// InitDictionary finishes the initialisation of a dictionary (others are
// left as they are): with a unit-norm decoder, rows in uniformly random
// directions (and, for a kind with its own code, the encoder their
// transpose: each latent starts reading the direction it writes; not a
// transcoder's, whose encoder reads another space); the decoder bias at
// bias when it is not nil (GeometricMedian of the targets).
func (n *Net[T]) InitDictionary(rng *rand.Rand, bias []float32) {
	if !n.Dictionary() {
		return
	}
	d, h := n.O, n.H
	if n.unit {
		for i := range n.wDec {
			n.wDec[i] = T(rng.NormFloat64())
		}
		normalizeRows(n.nt, n.wDec, h, d)
		if n.kind.Traits().Code && !n.trans {
			for j := 0; j < h; j++ {
				for p := 0; p < d; p++ {
					n.wEnc[p*h+j] = n.wDec[j*d+p]
				}
			}
		}
	}
	for i, v := range bias {
		n.bDec[i] = T(v)
	}
}

// ConstrainGrad projects the decoder's gradient in g onto the unit-norm
// constraint (before an optimiser step): each row's component along its
// row is removed, g_j -= (g_j·w_j) w_j, the gradient's projection onto the
// sphere's tangent plane.
func (n *Net[T]) ConstrainGrad(g []T) {
	if !n.unit || n.wDec == nil {
		return
	}
	D := &n.dec[0]
	projectRowGrads(n.nt, n.wDec, g[D.gw:D.gw+n.H*n.O], n.H, n.O)
}

// Constrain renormalises the decoder rows (after an optimiser step).
func (n *Net[T]) Constrain() {
	if n.unit && n.wDec != nil {
		normalizeRows(n.nt, n.wDec, n.H, n.O)
	}
}

// projectRowGrads removes from the gradient g [h,d] of the unit-norm rows
// W [h,d] each row's component along its row.
func projectRowGrads[T Float](threads int, W, g []T, h, d int) {
	parallelRange(threads, h, 256, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			wj, gj := W[j*d:(j+1)*d], g[j*d:(j+1)*d]
			kernels.Axpy(-kernels.Dot(gj, wj), wj, gj)
		}
	})
}

// normalizeRows scales every row of W [h,d] to unit norm (a zero row is
// left as it is).
func normalizeRows[T Float](threads int, W []T, h, d int) {
	parallelRange(threads, h, 256, func(lo, hi int) {
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

// GeometricMedian returns the point minimising the summed Euclidean
// distance to the rows of x [rows,d] (Weiszfeld's iteration from the mean,
// at most 200 steps, until a step moves less than 1e-7 of the rows' spread).
func GeometricMedian(x []float32, rows, d int) []float32 {
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

// EncoderNorm is the norm of latent j's encoder column of a dictionary.
func (n *Net[T]) EncoderNorm(j int) float64 {
	var s float64
	for p := 0; p < n.D; p++ {
		v := float64(n.wEnc[p*n.H+j])
		s += v * v
	}
	return math.Sqrt(s)
}

// DecoderNorm is the norm of latent j's decoder row of a dictionary.
func (n *Net[T]) DecoderNorm(j int) float64 {
	row := n.wDec[j*n.O : (j+1)*n.O]
	return math.Sqrt(float64(dot(row, row)))
}

// Restart points latent j of a dictionary at the directions encDir [d]
// and decDir [O] (the same for an autoencoder): W_dec[j,:] =
// dec·decDir/||decDir||, W_enc[:,j] = enc·encDir/||encDir||, b_enc[j] = 0,
// and the kind's per-latent tensors (Tensor.Latent) at their start; forget
// is called with the index of every parameter changed (an optimiser's
// state of them is stale).
func (n *Net[T]) Restart(j int, encDir, decDir []T, enc, dec T, forget func(i int)) {
	d, o, h := n.D, n.O, n.H
	oE, oB, oD := n.enc[0].gw, n.enc[0].gb, n.dec[0].gw
	inv := 1 / T(math.Sqrt(float64(dot(decDir, decDir))))
	for p := 0; p < o; p++ {
		n.wDec[j*o+p] = decDir[p] * inv * dec
		forget(oD + j*o + p)
	}
	inv = 1 / T(math.Sqrt(float64(dot(encDir, encDir))))
	for p := 0; p < d; p++ {
		n.wEnc[p*h+j] = encDir[p] * inv * enc
		forget(oE + p*h + j)
	}
	n.bEnc[j] = 0
	forget(oB + j)
	for i, t := range n.kind.Tensors(h) {
		if t.Latent {
			n.kt[i][j] = T(t.Init)
			forget(n.ktOff[i] + j)
		}
	}
}
