package sae

import (
	"math"
)

// Source is a table of rows read a few at a time (a Matrix is one; sae
// train opens large files as one that reads from disk): ReadRows copies
// rows idx, in that order, into dst[:len(idx)*cols].
type Source interface {
	Dims() (rows, cols int)
	ReadRows(dst []float32, idx []int) error
}

// rowSet is a subset of a source's rows in a fixed order, read scaled by
// nz (nil: as they are). It is a Source itself. Row numbers are held as
// uint32 (4 bytes a row, not 8: the training set's order and the epoch's
// shuffle are the trainer's only per-row memory), and the set of all rows
// in order holds none.
type rowSet struct {
	src  Source
	idx  []uint32 // rows of src; nil: rows 0 .. n-1 in order
	n    int
	cols int
	nz   *Normalizer
	buf  []int
}

// maxRows is the most rows a trainer's row set can index.
const maxRows = math.MaxUint32

// identity returns the positions 0 .. n-1 in order.
func identity(n int) []uint32 {
	p := make([]uint32, n)
	for i := range p {
		p[i] = uint32(i)
	}
	return p
}

func allRows(src Source) *rowSet {
	n, d := src.Dims()
	return &rowSet{src: src, n: n, cols: d}
}

// subset is the rows idx of src, in that order.
func subset(src Source, idx []uint32, cols int) *rowSet {
	return &rowSet{src: src, idx: idx, n: len(idx), cols: cols}
}

func (r *rowSet) Dims() (int, int) { return r.n, r.cols }

func (r *rowSet) len() int { return r.n }

// row is the source row at position p.
func (r *rowSet) row(p int) int {
	if r.idx == nil {
		return p
	}
	return int(r.idx[p])
}

// ReadRows reads the set's rows at positions pos into dst, scaled.
func (r *rowSet) ReadRows(dst []float32, pos []int) error { return readPositions(r, dst, pos) }

// readAt is ReadRows for positions held as uint32 (the trainer's shuffle).
func (r *rowSet) readAt(dst []float32, pos []uint32) error { return readPositions(r, dst, pos) }

func readPositions[P int | uint32](r *rowSet, dst []float32, pos []P) error {
	r.buf = r.buf[:0]
	for _, p := range pos {
		r.buf = append(r.buf, r.row(int(p)))
	}
	return r.read(dst, r.buf)
}

// readRange reads the set's rows [lo, hi) into dst, scaled.
func (r *rowSet) readRange(dst []float32, lo, hi int) error {
	r.buf = r.buf[:0]
	for p := lo; p < hi; p++ {
		r.buf = append(r.buf, r.row(p))
	}
	return r.read(dst, r.buf)
}

func (r *rowSet) read(dst []float32, rows []int) error {
	dst = dst[:len(rows)*r.cols]
	if err := r.src.ReadRows(dst, rows); err != nil {
		return err
	}
	if r.nz != nil {
		r.nz.apply(dst, dst, r.cols)
	}
	return nil
}

// scan calls fn on the set's rows chunk by chunk (scaled), in order, with
// the position of the chunk's first row; buf is reused when large enough.
func (r *rowSet) scan(buf []float32, chunk int, fn func(x []float32, lo, rows int) error) error {
	n, d := r.len(), r.cols
	chunk = max(1, min(chunk, n))
	if cap(buf) < chunk*d {
		buf = make([]float32, chunk*d)
	}
	for lo := 0; lo < n; lo += chunk {
		rows := min(chunk, n-lo)
		x := buf[:rows*d]
		if err := r.readRange(x, lo, lo+rows); err != nil {
			return err
		}
		if err := fn(x, lo, rows); err != nil {
			return err
		}
	}
	return nil
}

// encodedSource is the codes of a model on the rows of src, computed as
// they are read (greedy pre-training of stacked models reads the codes of
// the layers below without storing them).
type encodedSource struct {
	m   *Model
	src Source
	buf []float32
}

func (e *encodedSource) Dims() (int, int) {
	n, _ := e.src.Dims()
	return n, e.m.Hidden()
}

func (e *encodedSource) ReadRows(dst []float32, idx []int) error {
	_, d := e.src.Dims()
	if cap(e.buf) < len(idx)*d {
		e.buf = make([]float32, len(idx)*d)
	}
	x := e.buf[:len(idx)*d]
	if err := e.src.ReadRows(x, idx); err != nil {
		return err
	}
	e.m.encodeRows(x, len(idx), dst)
	return nil
}
