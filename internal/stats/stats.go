// Package stats holds the statistics the commands report beside a model:
// quantiles, the ROC curve and the areas under it and under the
// precision-recall curve, and the PSNR of reconstructions.
package stats

import (
	"math"
	"slices"
	"sort"
)

// Quantile returns the q-quantile (0 <= q <= 1) of values by linear
// interpolation between order statistics; NaN for no values.
func Quantile(values []float64, q float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	v := slices.Clone(values)
	slices.Sort(v)
	return SortedQuantile(v, q)
}

// AUROC is the area under the ROC curve of scores against binary labels
// (true = anomaly), with ties counted half; NaN when a class is missing.
func AUROC(scores []float64, labels []bool) float64 {
	idx := rankOrder(scores)
	// Mann-Whitney U with average ranks for ties.
	var nPos, nNeg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += avg
				nPos++
			} else {
				nNeg++
			}
		}
		i = j
	}
	if nPos == 0 || nNeg == 0 {
		return math.NaN()
	}
	return (rankSum - nPos*(nPos+1)/2) / (nPos * nNeg)
}

// AUPRC is the area under the precision-recall curve (average precision:
// the mean of the precision at each true positive, taking tied scores as
// one threshold); NaN without positives.
func AUPRC(scores []float64, labels []bool) float64 {
	nPos, _ := countClasses(labels)
	if nPos == 0 {
		return math.NaN()
	}
	var ap, prevRecall float64
	sweepThresholds(scores, labels, func(tp, fp float64) {
		recall := tp / nPos
		ap += (recall - prevRecall) * tp / (tp + fp)
		prevRecall = recall
	})
	return ap
}

// ROC returns the points (false-positive rate, true-positive rate) of the
// ROC curve, one per distinct score threshold, from (0,0) to (1,1).
func ROC(scores []float64, labels []bool) (fpr, tpr []float64) {
	nPos, nNeg := countClasses(labels)
	fpr, tpr = []float64{0}, []float64{0}
	sweepThresholds(scores, labels, func(tp, fp float64) {
		fpr = append(fpr, fp/math.Max(nNeg, 1))
		tpr = append(tpr, tp/math.Max(nPos, 1))
	})
	return fpr, tpr
}

// sweepThresholds lowers the threshold through the distinct scores, from
// the highest, and calls fn with the true and false positives above it;
// tied scores form one threshold.
func sweepThresholds(scores []float64, labels []bool, fn func(tp, fp float64)) {
	idx := rankOrder(scores)
	slices.Reverse(idx)
	var tp, fp float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			if labels[idx[j]] {
				tp++
			} else {
				fp++
			}
			j++
		}
		fn(tp, fp)
		i = j
	}
}

func countClasses(labels []bool) (pos, neg float64) {
	for _, l := range labels {
		if l {
			pos++
		} else {
			neg++
		}
	}
	return pos, neg
}

func rankOrder(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	return idx
}

// PSNR is the peak signal-to-noise ratio of y against the clean data c, in
// dB: 10*log10(range^2 / mse), range = max(c) - min(c) (1 for images in
// [0, 1]). +Inf when y equals c.
func PSNR(c, y []float32) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	var se float64
	for i, v := range c {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
		e := float64(y[i] - v)
		se += e * e
	}
	mse := se / float64(len(c))
	r := hi - lo
	if r == 0 {
		r = 1
	}
	return 10 * math.Log10(r*r/mse)
}

// SortedQuantile is the q-quantile of sorted values by linear interpolation.
func SortedQuantile(v []float64, q float64) float64 {
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(v)-1)
	f := pos - float64(lo)
	return v[lo]*(1-f) + v[hi]*f
}
