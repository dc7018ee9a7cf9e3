package sae

// Explain: a row's anomaly score taken apart by column.

import (
	"errors"
	"sort"
)

// Explanation is one row's anomaly score taken apart by column.
type Explanation struct {
	Score    float64        `json:"score"`    // the row's anomaly score, as Score gives it
	Features []Contribution `json:"features"` // the columns with the largest shares, largest first
}

// Contribution is one column's part in a row's anomaly score.
type Contribution struct {
	// Column counts from 0, as x's columns (and NumPy and pandas) do.
	Column int `json:"column"`
	// Share is the column's fraction of the row's squared reconstruction
	// error, each scorer's in its scaled units averaged over the scorers
	// (Scorers); a row's shares sum to 1 over all its columns (0 each for
	// a row reconstructed exactly).
	Share float64 `json:"share"`
	// Value is the row's value; Expected the scorers' mean reconstruction
	// of it (input units).
	Value    float32 `json:"value"`
	Expected float32 `json:"expected"`
}

// Explain explains the anomaly score of each row of x: the top columns
// (at least 1, at most x's columns) by their share of the row's squared
// reconstruction error, the i-th Explanation the i-th row's (the part of
// Score that is the row's distance to the training rows, neighbours.go, is
// not taken apart). Ties keep the lower column first. A transcoder, which has no anomaly score, is an
// error.
func (m *Model) Explain(x Matrix, top int) ([]Explanation, error) {
	if err := checkSource(x, "explain input", m.Inputs); err != nil {
		return nil, err
	}
	scorers := m.Scorers()
	if len(scorers) == 0 {
		return nil, errors.New("explain: " + errTranscoder.Error())
	}
	d, n := m.Inputs, x.Rows
	sq := make([]float64, n*d) // mean squared error per value
	rec := NewMatrix(n, d)     // mean reconstruction
	for _, sc := range scorers {
		r, err := sc.Reconstruct(x)
		if err != nil {
			return nil, err
		}
		for i, v := range r.Data {
			e := float64(v - x.Data[i])
			if sc.Norm != nil {
				e /= float64(sc.Norm.Scale[i%d])
			}
			sq[i] += e * e / float64(len(scorers))
			rec.Data[i] += v / float32(len(scorers))
		}
	}
	scores, err := m.Score(x)
	if err != nil {
		return nil, err
	}
	top = min(max(top, 1), d)
	out := make([]Explanation, n)
	order := make([]int, d)
	for i := range n {
		errs := sq[i*d : (i+1)*d]
		var total float64
		for j := range d {
			total += errs[j]
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return errs[order[a]] > errs[order[b]] })
		ex := Explanation{Score: scores[i], Features: make([]Contribution, 0, top)}
		for _, j := range order[:top] {
			share := 0.0
			if total > 0 {
				share = errs[j] / total
			}
			ex.Features = append(ex.Features, Contribution{Column: j, Share: share, Value: x.Data[i*d+j], Expected: rec.Data[i*d+j]})
		}
		out[i] = ex
	}
	return out, nil
}
