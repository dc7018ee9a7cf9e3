package data

import "fmt"

// Matrix is a dense row-major float32 matrix: row i is
// Data[i*Cols : (i+1)*Cols]. It is package sae's Matrix (and a sae.Source:
// Dims and ReadRows).
type Matrix struct {
	Rows, Cols int
	Data       []float32 // len Rows*Cols
}

// Row returns row i (0-based) as a slice of m.Data; writes through it change
// m, and appending to it never does. It panics if i is out of range.
func (m Matrix) Row(i int) []float32 {
	if i < 0 || i >= m.Rows {
		panic("data: Matrix.Row index out of range")
	}
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}

// Slice returns rows [lo, hi) of m, sharing storage.
func (m Matrix) Slice(lo, hi int) Matrix {
	return Matrix{Rows: hi - lo, Cols: m.Cols, Data: m.Data[lo*m.Cols : hi*m.Cols]}
}

// Dims returns m's rows and columns.
func (m Matrix) Dims() (rows, cols int) { return m.Rows, m.Cols }

// ReadRows copies rows idx of m, in that order, into dst.
func (m Matrix) ReadRows(dst []float32, idx []int) error {
	d := m.Cols
	if len(dst) < len(idx)*d {
		return fmt.Errorf("ReadRows: room for %d values, %d rows of %d asked", len(dst), len(idx), d)
	}
	for i, r := range idx {
		if r < 0 || r >= m.Rows {
			return fmt.Errorf("ReadRows: row %d of a %d-row matrix", r, m.Rows)
		}
		copy(dst[i*d:(i+1)*d], m.Data[r*d:(r+1)*d])
	}
	return nil
}
