package sae

import "math"

// Normalizer is the per-feature input scaling fitted on the training rows:
// x' = (x - Shift) / Scale. Constant columns get Scale 1, so they pass
// through centred instead of dividing by zero.
type Normalizer struct {
	Kind  Normalize
	Shift []float32
	Scale []float32
}

// FitNormalizer fits kind on the rows of x.
func FitNormalizer(kind Normalize, x Matrix) *Normalizer {
	if kind == NormalizeNone || kind == "" {
		return nil
	}
	d := x.Cols
	nz := &Normalizer{Kind: kind, Shift: make([]float32, d), Scale: make([]float32, d)}
	switch kind {
	case NormalizeStandard:
		mean := make([]float64, d)
		m2 := make([]float64, d)
		for i := 0; i < x.Rows; i++ {
			for j, v := range x.Row(i) {
				mean[j] += float64(v)
			}
		}
		for j := range mean {
			mean[j] /= float64(x.Rows)
		}
		for i := 0; i < x.Rows; i++ {
			for j, v := range x.Row(i) {
				e := float64(v) - mean[j]
				m2[j] += e * e
			}
		}
		for j := range mean {
			sd := math.Sqrt(m2[j] / float64(x.Rows))
			nz.Shift[j] = float32(mean[j])
			nz.Scale[j] = scaleOrOne(sd, mean[j])
		}
	case NormalizeMinMax:
		for j := 0; j < d; j++ {
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := 0; i < x.Rows; i++ {
				v := float64(x.Data[i*d+j])
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			nz.Shift[j] = float32(lo)
			nz.Scale[j] = scaleOrOne(hi-lo, lo)
		}
	}
	return nz
}

// scaleOrOne treats a spread negligible next to the column's magnitude as a
// constant column.
func scaleOrOne(spread, center float64) float32 {
	if spread <= 1e-7*math.Max(1, math.Abs(center)) || float32(spread) == 0 {
		return 1
	}
	return float32(spread)
}

// apply writes the scaled rows of src into dst (same shape; may alias).
func (nz *Normalizer) apply(dst, src []float32, cols int) {
	if nz == nil {
		copy(dst, src)
		return
	}
	for i := 0; i+cols <= len(src); i += cols {
		for j := 0; j < cols; j++ {
			dst[i+j] = (src[i+j] - nz.Shift[j]) / nz.Scale[j]
		}
	}
}

// invert maps scaled rows back to input units in place.
func (nz *Normalizer) invert(x []float32, cols int) {
	if nz == nil {
		return
	}
	for i := 0; i+cols <= len(x); i += cols {
		for j := 0; j < cols; j++ {
			x[i+j] = x[i+j]*nz.Scale[j] + nz.Shift[j]
		}
	}
}
