package sae

import "fmt"

// Matrix is a dense row-major float32 matrix: row i is
// Data[i*Cols : (i+1)*Cols].
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix returns a zeroed rows x cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Row returns row i (sharing storage).
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

func (m Matrix) check(name string, cols int) error {
	if m.Rows*m.Cols != len(m.Data) {
		return fmt.Errorf("%s: %d x %d matrix has %d values", name, m.Rows, m.Cols, len(m.Data))
	}
	if cols > 0 && m.Cols != cols {
		return fmt.Errorf("%s: has %d columns, the model expects %d", name, m.Cols, cols)
	}
	return nil
}

// Slice returns rows [lo, hi) of m, sharing storage.
func (m Matrix) Slice(lo, hi int) Matrix {
	return Matrix{Rows: hi - lo, Cols: m.Cols, Data: m.Data[lo*m.Cols : hi*m.Cols]}
}
