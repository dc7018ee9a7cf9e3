package data

// Missing values read as NaN (Options.Missing): rows left out, or filled
// in with each column's median.

import (
	"fmt"
	"slices"
)

// DropMissing removes the rows of t holding a NaN (and their ids) in
// place and returns the 0-based numbers of the rows kept, which it also
// records in t.FileRows when it removed any.
func DropMissing(t *Table) (kept []int) {
	m := t.Matrix
	rows, n := m.Rows, 0
	for r := 0; r < rows; r++ {
		row := m.Data[r*m.Cols : (r+1)*m.Cols]
		if slices.ContainsFunc(row, func(v float32) bool { return v != v }) {
			continue
		}
		copy(m.Data[n*m.Cols:], row)
		if t.IDs != nil {
			t.IDs[n] = t.IDs[r]
		}
		kept = append(kept, r)
		n++
	}
	m.Rows, m.Data = n, m.Data[:n*m.Cols]
	if t.IDs != nil {
		t.IDs = t.IDs[:n]
	}
	if n < rows {
		fileRows := make([]int, n)
		for i, r := range kept {
			fileRows[i] = r
			if t.FileRows != nil {
				fileRows[i] = t.FileRows[r]
			}
		}
		t.FileRows = fileRows
	}
	return kept
}

// Medians returns the median of each column of m over its values that are
// not NaN (the mean of the middle two for an even count). A column of NaN
// only is an error naming it (names may be nil).
func Medians(m *Matrix, names []string) ([]float32, error) {
	med := make([]float32, m.Cols)
	col := make([]float32, 0, m.Rows)
	for c := 0; c < m.Cols; c++ {
		col = col[:0]
		for r := 0; r < m.Rows; r++ {
			if v := m.Data[r*m.Cols+c]; v == v {
				col = append(col, v)
			}
		}
		if len(col) == 0 {
			return nil, fmt.Errorf("column %s: every value is missing, no median", columnLabel(names, c))
		}
		slices.Sort(col)
		h := len(col) / 2
		if len(col)%2 == 1 {
			med[c] = col[h]
		} else {
			med[c] = float32((float64(col[h-1]) + float64(col[h])) / 2)
		}
	}
	return med, nil
}

// FillMissing replaces each NaN in column c of m with fill[c] and returns
// how many it replaced.
func FillMissing(m *Matrix, fill []float32) int {
	n := 0
	for i, v := range m.Data {
		if v != v {
			m.Data[i] = fill[i%m.Cols]
			n++
		}
	}
	return n
}
