package data

// Matrix is a dense row-major float32 matrix.
type Matrix struct {
	Rows, Cols int
	Data       []float32 // len Rows*Cols
}

// Row returns row i (0-based) as a slice of m.Data; writes through it change
// m, and appending to it never does. It panics if i is out of range.
func (m *Matrix) Row(i int) []float32 {
	if i < 0 || i >= m.Rows {
		panic("data: Matrix.Row index out of range")
	}
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}
