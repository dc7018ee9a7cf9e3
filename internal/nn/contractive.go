package nn

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// The contractive penalty is coef * mean over rows of ||∂h/∂x||²_F, the
// squared Frobenius norm of an encoder layer's Jacobian. For a layer
// h = act(x·W + b) with W [in,out], the Jacobian's entries are
// act'_j · W_ij, so per row
//
//	||J||²_F = Σ_j g(h_j) · s_j,   s_j = Σ_i W_ij²,   g = act'²
//
// with act' written through the output: sigmoid h(1-h), tanh 1-h², relu
// [h > 0]. In a deep encoder every layer is penalised for its own Jacobian
// with respect to its input (layer-wise), not the end-to-end Jacobian.

// jacGain returns g(h) = act'(h)² and its derivative dg/dh.
func jacGain[T Float](act Act, h T) (T, T) {
	switch act {
	case kernels.Sigmoid:
		d := h * (1 - h)
		return d * d, 2 * d * (1 - 2*h)
	case kernels.Tanh:
		d := 1 - h*h
		return d * d, -4 * h * d
	default: // relu
		if h > 0 {
			return 1, 0
		}
		return 0, 0
	}
}

// contractiveForwardBackward adds the penalty of one encoder layer (weights
// w [in,out], outputs h [rows,out]) to the objective: its gradient with
// respect to h goes into dh (before the activation's backward) and with
// respect to W into gw. s and gsum are [out] scratch. It returns the
// penalty's value.
func contractiveForwardBackward[T Float](act Act, w []T, in, out int, h, dh, gw []T, rows int, coef T, s, gsum []T) float64 {
	s, gsum = s[:out], gsum[:out]
	clear(s)
	for i := 0; i < in; i++ {
		for j, v := range w[i*out : (i+1)*out] {
			s[j] += v * v
		}
	}
	clear(gsum)
	var loss float64
	for r := 0; r < rows; r++ {
		hr := h[r*out : (r+1)*out]
		dr := dh[r*out : (r+1)*out]
		for j, v := range hr {
			g, dg := jacGain(act, v)
			gsum[j] += g
			loss += float64(g * s[j])
			dr[j] += coef * dg * s[j]
		}
	}
	// d/dW_ij of Σ_rows Σ_j g_j s_j = 2 W_ij Σ_rows g_j.
	for i := 0; i < in; i++ {
		wr := w[i*out : (i+1)*out]
		gr := gw[i*out : (i+1)*out]
		for j, v := range wr {
			gr[j] += 2 * coef * v * gsum[j]
		}
	}
	return float64(coef) * loss
}

// columnSquares returns the squared norm of each column of w [in,out]:
// the Jacobian norm's weight factors, computed once per evaluation.
func columnSquares[T Float](w []T, in, out int) []float64 {
	s := make([]float64, out)
	for i := 0; i < in; i++ {
		for j, v := range w[i*out : (i+1)*out] {
			s[j] += float64(v) * float64(v)
		}
	}
	return s
}

// JacobianNorm returns the mean over rows of the encoder Jacobian's
// Frobenius norm for a one-layer model (codes h [rows,out]) whose weight
// matrix has the squared column norms colSq [out]
// (Net.EncoderColumnSquares).
func JacobianNorm(act Act, colSq []float64, out int, h []float32, rows int) float64 {
	var total float64
	for r := 0; r < rows; r++ {
		var f float64
		for j, v := range h[r*out : (r+1)*out] {
			g, _ := jacGain(act, float64(v))
			f += g * colSq[j]
		}
		total += math.Sqrt(f)
	}
	return total / float64(rows)
}
