package sae

import (
	"math"
	"slices"
)

// Normalizer is the per-feature input scaling fitted on the training rows:
// x' = (x - Shift) / Scale. Constant columns get Scale 1, so they pass
// through centred instead of dividing by zero.
//
//	standard: Shift = mean, Scale = standard deviation
//	minmax:   Shift = min,  Scale = max - min
//	robust:   Shift = median, Scale = max(IQR/1.349, sd/10) (IQR/1.349 is
//	          the standard deviation for normal data): outliers and heavy
//	          tails do not set the scale, so they stand out instead of
//	          squashing the rest of the column, and the floor keeps
//	          near-constant columns (quartiles equal) from exploding.
type Normalizer struct {
	Kind  Normalize
	Shift []float32
	Scale []float32
}

// ResolveNormalize turns auto into the scaling it stands for on x under
// the given loss. For bce, whose targets must lie in [0, 1]: none when they
// do, minmax otherwise. For mse: none when every value lies in [0, 1] and x
// has at least 64 columns (pixels, signals already scaled), robust
// otherwise. Other kinds are returned as they are.
func ResolveNormalize(kind Normalize, x Matrix, loss Loss) Normalize {
	if kind != NormalizeAuto {
		return kind
	}
	inUnit := true
	for _, v := range x.Data {
		if v < 0 || v > 1 {
			inUnit = false
			break
		}
	}
	switch {
	case loss == BCE && inUnit:
		return NormalizeNone
	case loss == BCE:
		return NormalizeMinMax
	case inUnit && x.Cols >= 64:
		return NormalizeNone
	}
	return NormalizeRobust
}

// FitNormalizer fits kind on the rows of x (auto resolves as for mse).
func FitNormalizer(kind Normalize, x Matrix) *Normalizer {
	kind = ResolveNormalize(kind, x, MSE)
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
	case NormalizeRobust:
		col := make([]float64, x.Rows)
		for j := 0; j < d; j++ {
			var mean float64
			for i := range col {
				col[i] = float64(x.Data[i*d+j])
				mean += col[i]
			}
			mean /= float64(len(col))
			var m2 float64
			for _, v := range col {
				m2 += (v - mean) * (v - mean)
			}
			sd := math.Sqrt(m2 / float64(len(col)))
			slices.Sort(col)
			med := sortedQuantile(col, 0.5)
			iqr := sortedQuantile(col, 0.75) - sortedQuantile(col, 0.25)
			// Never below a tenth of the standard deviation: a column
			// that is nearly constant but for rare excursions (IQR 0)
			// would otherwise blow those excursions up without bound.
			spread := math.Max(iqr/1.349, sd/10)
			nz.Shift[j] = float32(med)
			nz.Scale[j] = scaleOrOne(spread, med)
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

// sortedQuantile is the q-quantile of sorted values by linear interpolation.
func sortedQuantile(v []float64, q float64) float64 {
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(v)-1)
	f := pos - float64(lo)
	return v[lo]*(1-f) + v[hi]*f
}
