package saebench

// The model's dictionary in input units, and cosine similarities between
// its latents' directions.

import (
	"errors"
	"math"
	"sort"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/kernels"
)

// FoldedWeights returns a one-layer model's encoder [d x h] and decoder
// [h x d] (row-major) acting on raw input: the input normalisation
// x' = (x - shift) / scale folded in, as SAELens export folds it, so that
// latent j reads x through column j of enc and writes row j of dec.
func FoldedWeights(m *sae.Model) (enc, dec []float32, err error) {
	if m.Transcoder() {
		return nil, nil, errors.New("the weight metrics compare each latent's encoder and decoder directions in the input's space, and a transcoder's decoder writes its target's: not supported")
	}
	w := m.Weights()
	enc, dec = w["W_enc"], w["W_dec"]
	d, h := m.Inputs, m.Hidden()
	if len(enc) != d*h || len(dec) != h*d {
		return nil, nil, errors.New("the weight metrics need a one-layer model (W_enc, W_dec)")
	}
	if nz := m.Norm; nz != nil && len(nz.Scale) == d {
		for i, s := range nz.Scale {
			for j := range h {
				enc[i*h+j] /= s
				dec[j*d+i] *= s
			}
		}
	}
	return enc, dec, nil
}

// unitRows returns the latents' directions as unit rows [h x d]: the
// columns of w (d x h) when columns is true, else its rows (h x d). A zero
// direction stays zero.
func unitRows(w []float32, h, d int, columns bool) []float32 {
	u := make([]float32, h*d)
	for j := range h {
		row := u[j*d : (j+1)*d]
		for i := range d {
			if columns {
				row[i] = w[i*h+j]
			} else {
				row[i] = w[j*d+i]
			}
		}
		var s float64
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		if s > 0 {
			inv := float32(1 / math.Sqrt(s))
			for i := range row {
				row[i] *= inv
			}
		}
	}
	return u
}

// gramBlocks calls fn with blocks of cosine similarities between unit rows
// u [h x d]: rows [lo, lo+len(c)/h) against all h, row-major.
func gramBlocks(u []float32, h, d int, fn func(c []float32, lo int)) {
	const block = 256
	c := make([]float32, min(block, h)*h)
	for lo := 0; lo < h; lo += block {
		rows := min(block, h-lo)
		kernels.Gemm(false, true, rows, h, d, 1, u[lo*d:], d, u, d, 0, c, h)
		fn(c[:rows*h], lo)
	}
}

// maxCosine returns, for each latent, the largest cosine similarity between
// its direction and any other latent's (-1 with a single latent).
func maxCosine(w []float32, h, d int, columns bool) []float64 {
	u := unitRows(w, h, d, columns)
	out := make([]float64, h)
	gramBlocks(u, h, d, func(c []float32, lo int) {
		for r := 0; r < len(c)/h; r++ {
			best := float32(-1)
			for j, v := range c[r*h : (r+1)*h] {
				if j != lo+r && v > best {
					best = v
				}
			}
			out[lo+r] = float64(best)
		}
	})
	return out
}

// Neighbour is another latent and the cosine similarity of its decoder
// direction with a latent's.
type Neighbour struct {
	Latent int     `json:"latent"`
	Cosine float64 `json:"cosine"`
}

// DecoderNeighbours returns, for each latent, the top latents whose decoder
// directions (in input units) are closest to its own by cosine similarity,
// most similar first.
func DecoderNeighbours(m *sae.Model, top int) ([][]Neighbour, error) {
	_, dec, err := FoldedWeights(m)
	if err != nil {
		return nil, err
	}
	h, d := m.Hidden(), m.Inputs
	top = min(top, h-1)
	out := make([][]Neighbour, h)
	if top < 1 {
		return out, nil
	}
	u := unitRows(dec, h, d, false)
	gramBlocks(u, h, d, func(c []float32, lo int) {
		for r := 0; r < len(c)/h; r++ {
			row := c[r*h : (r+1)*h]
			var best []Neighbour
			for j, v := range row {
				if j == lo+r || (len(best) == top && float64(v) <= best[top-1].Cosine) {
					continue
				}
				k := sort.Search(len(best), func(k int) bool { return best[k].Cosine < float64(v) })
				best = append(best, Neighbour{})
				copy(best[k+1:], best[k:])
				best[k] = Neighbour{Latent: j, Cosine: float64(v)}
				if len(best) > top {
					best = best[:top]
				}
			}
			out[lo+r] = best
		}
	})
	return out, nil
}
