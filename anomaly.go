package sae

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
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(v)-1)
	f := pos - float64(lo)
	return v[lo]*(1-f) + v[hi]*f
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
	idx := rankOrder(scores)
	slices.Reverse(idx)
	var nPos float64
	for _, l := range labels {
		if l {
			nPos++
		}
	}
	if nPos == 0 {
		return math.NaN()
	}
	var tp, fp, ap, prevRecall float64
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
		recall := tp / nPos
		ap += (recall - prevRecall) * tp / (tp + fp)
		prevRecall = recall
		i = j
	}
	return ap
}

// ROC returns the points (false-positive rate, true-positive rate) of the
// ROC curve, one per distinct score threshold, from (0,0) to (1,1).
func ROC(scores []float64, labels []bool) (fpr, tpr []float64) {
	idx := rankOrder(scores)
	slices.Reverse(idx)
	var nPos, nNeg float64
	for _, l := range labels {
		if l {
			nPos++
		} else {
			nNeg++
		}
	}
	fpr, tpr = []float64{0}, []float64{0}
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
		fpr = append(fpr, fp/math.Max(nNeg, 1))
		tpr = append(tpr, tp/math.Max(nPos, 1))
		i = j
	}
	return fpr, tpr
}

func rankOrder(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	return idx
}
