package sae

import (
	"errors"
	"math"
	"slices"

	"github.com/sae-go/sae/internal/stats"
)

// Normalizer is the per-feature input scaling x' = (x - Shift) / Scale:
// mean and sd (standard), min and range (minmax), median and max(IQR/1.349,
// sd/10) (robust), mean and the root mean square of all the columns' sds
// (global); a constant column's Scale is 1 (global: unless others vary).
type Normalizer struct {
	Kind  Normalize
	Shift []float32
	Scale []float32
}

// resolveNormalizeOf turns auto into the scaling it stands for on x under
// the given loss. For bce, whose targets must lie in [0, 1]: none when they
// do, minmax otherwise. For mse: global when x has at least 64 columns
// (pixels, embeddings, activations, spectra: columns in one unit, where
// scaling each column would blow up the many near-constant ones), robust
// otherwise (a table of measurements, each in its own unit). Other kinds
// are returned as they are.
func resolveNormalizeOf(kind Normalize, x Matrix, loss Loss) Normalize {
	k, _ := resolveNormalize(kind, allRows(x), loss, inferChunk)
	return k
}

var errOutOfUnit = errors.New("a value outside [0, 1]")

// resolveNormalize is resolveNormalizeOf over the rows of rs, read in chunks
// (stopping at the first value outside [0, 1]).
func resolveNormalize(kind Normalize, rs *rowSet, loss Loss, chunk int) (Normalize, error) {
	if kind != NormalizeAuto {
		return kind, nil
	}
	if loss != BCE {
		if rs.cols >= 64 {
			return NormalizeGlobal, nil
		}
		return NormalizeRobust, nil
	}
	err := rs.scan(nil, chunk, func(x []float32, _, _ int) error {
		for _, v := range x {
			if v < 0 || v > 1 {
				return errOutOfUnit
			}
		}
		return nil
	})
	inUnit := err == nil
	if err != nil && err != errOutOfUnit {
		return kind, err
	}
	if inUnit {
		return NormalizeNone, nil
	}
	return NormalizeMinMax, nil
}

// fitNormalizerOf fits kind on the rows of x (auto resolves as for mse).
func fitNormalizerOf(kind Normalize, x Matrix) *Normalizer {
	nz, _ := fitNormalizer(kind, allRows(x), inferChunk)
	return nz
}

// robustSample bounds the values the robust scaling's quantiles are taken
// from: larger data are sampled by rows (at least robustRows of them).
var (
	robustSample = 4 << 20
	robustRows   = 2000
)

// fitNormalizer is fitNormalizerOf over the rows of rs, in passes of chunk
// rows; robust scaling reads an evenly spaced sample of the rows when they
// exceed robustSample values (rs's order is random in training).
func fitNormalizer(kind Normalize, rs *rowSet, chunk int) (*Normalizer, error) {
	kind, err := resolveNormalize(kind, rs, MSE, chunk)
	if err != nil || kind == NormalizeNone || kind == "" {
		return nil, err
	}
	n, d := rs.len(), rs.cols
	nz := &Normalizer{Kind: kind, Shift: make([]float32, d), Scale: make([]float32, d)}
	var buf []float32
	switch kind {
	case NormalizeStandard, NormalizeGlobal:
		mom := newColMoments(d)
		err := rs.scan(buf, chunk, func(x []float32, _, rows int) error {
			mom.add(x, rows)
			return nil
		})
		if err != nil {
			return nil, err
		}
		var meanVar, meanSq float64
		for j, mu := range mom.mean {
			sd := math.Sqrt(mom.m2[j] / float64(n))
			nz.Shift[j] = float32(mu)
			nz.Scale[j] = scaleOrOne(sd, mu)
			meanVar += mom.m2[j] / float64(n) / float64(d)
			meanSq += mu * mu / float64(d)
		}
		if kind == NormalizeGlobal {
			s := scaleOrOne(math.Sqrt(meanVar), math.Sqrt(meanSq))
			for j := range nz.Scale {
				nz.Scale[j] = s
			}
		}
	case NormalizeRobust:
		rows := n
		if n*d > robustSample {
			rows = min(n, max(robustRows, robustSample/d))
		}
		pos := make([]int, rows)
		for i := range pos {
			pos[i] = int(int64(i) * int64(n) / int64(rows))
		}
		x := make([]float32, rows*d)
		if err := rs.ReadRows(x, pos); err != nil {
			return nil, err
		}
		col := make([]float64, rows)
		for j := 0; j < d; j++ {
			var mean float64
			for i := range col {
				col[i] = float64(x[i*d+j])
				mean += col[i]
			}
			mean /= float64(len(col))
			var m2 float64
			for _, v := range col {
				m2 += (v - mean) * (v - mean)
			}
			sd := math.Sqrt(m2 / float64(len(col)))
			slices.Sort(col)
			med := stats.SortedQuantile(col, 0.5)
			iqr := stats.SortedQuantile(col, 0.75) - stats.SortedQuantile(col, 0.25)
			// Never below a tenth of the standard deviation: a column
			// that is nearly constant but for rare excursions (IQR 0)
			// would otherwise blow those excursions up without bound.
			spread := math.Max(iqr/1.349, sd/10)
			nz.Shift[j] = float32(med)
			nz.Scale[j] = scaleOrOne(spread, med)
		}
	case NormalizeMinMax:
		lo, hi := make([]float64, d), make([]float64, d)
		for j := range lo {
			lo[j], hi[j] = math.Inf(1), math.Inf(-1)
		}
		err := rs.scan(buf, chunk, func(x []float32, _, _ int) error {
			for i, v := range x {
				lo[i%d], hi[i%d] = math.Min(lo[i%d], float64(v)), math.Max(hi[i%d], float64(v))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for j := 0; j < d; j++ {
			nz.Shift[j] = float32(lo[j])
			nz.Scale[j] = scaleOrOne(hi[j]-lo[j], lo[j])
		}
	}
	return nz, nil
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
