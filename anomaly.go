package sae

import (
	"fmt"
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
	return sortedQuantile(v, q)
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

// Contribution is one feature's share of a row's anomaly score.
type Contribution struct {
	// Feature is the 0-based column.
	Feature int `json:"feature"`
	// Share is the feature's squared error over the row's summed squared
	// error (the shares of all features add up to 1).
	Share float64 `json:"share"`
	// Value is the row's value and Expected the reconstruction, both in
	// input units.
	Value    float32 `json:"value"`
	Expected float32 `json:"expected"`
}

// Explanation lists the features that contribute most to a row's score.
type Explanation struct {
	Row      int            `json:"row"`
	Score    float64        `json:"score"`
	Features []Contribution `json:"features"`
}

// Explain returns, for each of the given rows of x, the top features by
// contribution to its score (squared reconstruction error in the model's
// scaled units, as Score measures it), largest first.
func (m *Model) Explain(x Matrix, rows []int, top int) ([]Explanation, error) {
	if err := x.check("explain input", m.Inputs); err != nil {
		return nil, err
	}
	d := m.Inputs
	sub := NewMatrix(len(rows), d)
	for i, r := range rows {
		if r < 0 || r >= x.Rows {
			return nil, fmt.Errorf("explain: row %d out of range [0, %d)", r, x.Rows)
		}
		copy(sub.Row(i), x.Row(r))
	}
	rec, err := m.Reconstruct(sub)
	if err != nil {
		return nil, err
	}
	top = min(max(top, 1), d)
	out := make([]Explanation, len(rows))
	errs := make([]float64, d)
	order := make([]int, d)
	for i, r := range rows {
		var total float64
		for j := 0; j < d; j++ {
			e := float64(rec.Data[i*d+j] - sub.Data[i*d+j])
			if m.Norm != nil {
				e /= float64(m.Norm.Scale[j])
			}
			errs[j] = e * e
			total += errs[j]
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return errs[order[a]] > errs[order[b]] })
		ex := Explanation{Row: r, Score: total / float64(d)}
		for _, j := range order[:top] {
			share := 0.0
			if total > 0 {
				share = errs[j] / total
			}
			ex.Features = append(ex.Features, Contribution{Feature: j, Share: share, Value: sub.Data[i*d+j], Expected: rec.Data[i*d+j]})
		}
		out[i] = ex
	}
	return out, nil
}
