package data

import (
	"fmt"
	"io"
)

// NPYWriter writes a 2-D little-endian float32 C-order .npy (format 1.0)
// of a number of rows known in advance to a stream, the rows as they come:
// memory holds none of them. It writes WriteNPY's bytes. The stream is the
// caller's (a file to rename into place, an object store's writer); Close
// checks that every row was written and does not close it.
type NPYWriter struct {
	w                   io.Writer
	rows, cols, written int
	err                 error
}

// NewNPYWriter writes the header of a rows x cols array to w.
func NewNPYWriter(w io.Writer, rows, cols int) (*NPYWriter, error) {
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("npy writer: %d x %d array", rows, cols)
	}
	if _, err := w.Write(npyHeaderBytes(rows, cols)); err != nil {
		return nil, err
	}
	return &NPYWriter{w: w, rows: rows, cols: cols}, nil
}

// Write appends whole rows (len(v) a multiple of the columns); more rows
// than the header declares is an error.
func (n *NPYWriter) Write(v []float32) error {
	if n.err != nil {
		return n.err
	}
	switch {
	case n.cols == 0 && len(v) > 0, n.cols > 0 && len(v)%n.cols != 0:
		n.err = fmt.Errorf("npy writer: %d values are not whole rows of %d", len(v), n.cols)
	case n.cols > 0 && n.written+len(v)/n.cols > n.rows:
		n.err = fmt.Errorf("npy writer: more than the %d rows declared", n.rows)
	default:
		if n.cols > 0 {
			n.written += len(v) / n.cols
		}
		n.err = writeFloat32s(n.w, v)
	}
	return n.err
}

// Close reports a failed write, or fewer rows written than declared.
func (n *NPYWriter) Close() error {
	if n.err == nil && n.cols > 0 && n.written != n.rows {
		n.err = fmt.Errorf("npy writer: %d of the %d rows declared were written", n.written, n.rows)
	}
	return n.err
}
