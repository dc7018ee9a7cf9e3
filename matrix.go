package sae

import (
	"fmt"

	"github.com/sae-go/sae/internal/data"
)

// Matrix is a dense row-major float32 matrix: Rows x Cols values in Data,
// row i at Data[i*Cols : (i+1)*Cols]. m.Row(i) and m.Slice(lo, hi) share
// its storage. A Matrix is a Source.
type Matrix = data.Matrix

// NewMatrix returns a zeroed rows x cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// checkSource checks src, named name in errors: a Matrix's values must
// fill it, and with cols > 0 it must have cols columns.
func checkSource(src Source, name string, cols int) error {
	if m, ok := src.(Matrix); ok && m.Rows*m.Cols != len(m.Data) {
		return fmt.Errorf("%s: %d x %d matrix has %d values", name, m.Rows, m.Cols, len(m.Data))
	}
	if _, c := src.Dims(); cols > 0 && c != cols {
		return fmt.Errorf("%s: has %d columns, the model expects %d", name, c, cols)
	}
	return nil
}
