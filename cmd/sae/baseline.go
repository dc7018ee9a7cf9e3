package main

// Baselines printed beside a model's figures, so that a reader can tell a
// good figure from a trivial one: eval's PCA with as many components as
// the model's mean L0, score's distance to the rows' mean.

import (
	"math"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/stats"
)

// pcaBaseline is PCA's FVU on x with as many components as the model's
// mean L0 (rounded), the baseline eval prints beside the model's FVU;
// k < 0 when there is none (a transcoder's targets are not its inputs).
func pcaBaseline(m *sae.Model, x sae.Matrix, mt sae.Metrics, transcoder bool) (k int, fvu float64, err error) {
	if transcoder || m.Transcoder() || math.IsNaN(mt.L0) {
		return -1, 0, nil
	}
	k = int(math.Round(mt.L0))
	fvu, err = m.PCAFVU(x, k)
	return k, fvu, err
}

// baselineScorer names the trivial anomaly scorer in score's output.
const baselineScorer = "the squared distance to these rows' mean in the model's scaled units"

// meanDistanceScores is the trivial anomaly scorer score --labels reports
// beside the model: each row's mean squared distance, over the columns, to
// the rows' mean, each column divided by the model's scale for it (the
// model's reconstruction error with a reconstruction that is always the
// mean; PCA with no components).
func meanDistanceScores(m *sae.Model, x sae.Matrix) []float64 {
	d := x.Cols
	mean := make([]float64, d)
	for i := range x.Rows {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(max(x.Rows, 1))
	}
	scale := make([]float64, d)
	for j := range scale {
		scale[j] = 1
		if m.Norm != nil {
			scale[j] = float64(m.Norm.Scale[j])
		}
	}
	scores := make([]float64, x.Rows)
	for i := range x.Rows {
		var s float64
		for j, v := range x.Row(i) {
			e := (float64(v) - mean[j]) / scale[j]
			s += e * e
		}
		scores[i] = s / float64(d)
	}
	return scores
}

// addScoreBaseline puts the trivial scorer's auroc and auprc on x beside
// the model's in o.
func addScoreBaseline(o map[string]any, m *sae.Model, x sae.Matrix, isAnom []bool) {
	b := meanDistanceScores(m, x)
	o["anomaly_fraction"] = fraction(isAnom)
	o["baseline"] = baselineScorer
	o["baseline_auroc"] = stats.AUROC(b, isAnom)
	o["baseline_auprc"] = stats.AUPRC(b, isAnom)
}

// fraction is the share of true values.
func fraction(b []bool) float64 {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return float64(n) / float64(max(len(b), 1))
}
