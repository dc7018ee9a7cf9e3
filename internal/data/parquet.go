package data

// Parquet (https://parquet.apache.org/docs/file-format/), decoded with
// github.com/parquet-go/parquet-go: row group by row group, page by page,
// so that memory holds a page of each column read, never a whole column.
// The matrix is a list column of numbers (a LIST group or a repeated leaf,
// one list per row, all of one length: fixed_size_list columns are stored
// so) or numeric columns (booleans, 32- and 64-bit integers, signed or not,
// floats and doubles). Nulls, empty lists and nested lists are refused.
//
// Parquet's encodings and compression leave no place to read a row from:
// Load decodes the file into memory, OpenRows into an unnamed temporary
// file of float32 rows (in $TMPDIR) that it then reads like a .npy file.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// pqColumn is a top-level column of a Parquet file.
type pqColumn struct {
	name     string
	leaf     *parquet.Column // its only leaf
	list     bool            // repeated once: a list per row
	unsigned bool
}

// parquetColumns classifies the top-level columns of f.
func parquetColumns(f *parquet.File) ([]tableColumn, []pqColumn) {
	var cols []tableColumn
	var pcs []pqColumn
	for _, c := range f.Root().Columns() {
		pc := pqColumn{name: c.Name()}
		tc := tableColumn{name: c.Name(), kind: colOther}
		leaf := c
		for !leaf.Leaf() && len(leaf.Columns()) == 1 {
			leaf = leaf.Columns()[0]
		}
		if leaf.Leaf() {
			pc.leaf = leaf
			pc.list = leaf.MaxRepetitionLevel() == 1
			t := leaf.Type()
			if lt := t.LogicalType(); lt != nil {
				if it, ok := lt.Value.(*format.IntType); ok && !it.IsSigned {
					pc.unsigned = true
				}
			}
			numeric := false
			switch t.Kind() {
			case parquet.Boolean, parquet.Int32, parquet.Int64, parquet.Float, parquet.Double:
				numeric = true
			}
			switch {
			case numeric && pc.list:
				tc.kind = colList
			case numeric && leaf.MaxRepetitionLevel() == 0:
				tc.kind = colNumber
			}
		}
		cols = append(cols, tc)
		pcs = append(pcs, pc)
	}
	return cols, pcs
}

// pqValue converts a non-null value to float32; ok is false for a float64
// outside the float32 range, NaN or ±Inf (what says which).
func pqValue(v parquet.Value, unsigned bool) (x float32, what string) {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return 1, ""
		}
		return 0, ""
	case parquet.Int32:
		if unsigned {
			return float32(v.Uint32()), ""
		}
		return float32(v.Int32()), ""
	case parquet.Int64:
		if unsigned {
			return float32(v.Uint64()), ""
		}
		return float32(v.Int64()), ""
	case parquet.Float:
		x = v.Float()
	case parquet.Double:
		d := v.Double()
		x = float32(d)
		if x-x != 0 && !math.IsNaN(d) && !math.IsInf(d, 0) {
			return 0, fmt.Sprintf("%g is outside the float32 range", d)
		}
	default:
		return 0, fmt.Sprintf("a %s value is not a number", v.Kind())
	}
	if x-x != 0 {
		return 0, nonFinite(x)
	}
	return x, ""
}

// pqID formats a value of the id column.
func pqID(v parquet.Value) string {
	switch {
	case v.IsNull():
		return ""
	case v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray:
		b := v.ByteArray()
		return string(b[:min(len(b), maxIDBytes)])
	}
	return v.String()
}

// pqCursor reads one column chunk's values a few at a time.
type pqCursor struct {
	r   parquet.ColumnChunkValueReader
	buf []parquet.Value
	pos int
}

func newPQCursor(cc parquet.ColumnChunk) *pqCursor {
	return &pqCursor{r: parquet.NewColumnChunkValueReader(cc), buf: make([]parquet.Value, 0, 1024)}
}

// next returns the next value; ok is false at the end of the chunk.
func (c *pqCursor) next() (v parquet.Value, ok bool, err error) {
	if c.pos == len(c.buf) {
		n, err := c.r.ReadValues(c.buf[:cap(c.buf)])
		c.buf, c.pos = c.buf[:n], 0
		if n == 0 {
			if err == io.EOF || err == nil {
				return v, false, nil
			}
			return v, false, err
		}
	}
	c.pos++
	return c.buf[c.pos-1], true, nil
}

// pqDecoder streams a Parquet file's rows to a sink.
type pqDecoder struct {
	cols   []pqColumn // the data columns
	id     *pqColumn  // the id column, or nil
	width  int
	rows   int64                 // rows emitted
	row    func([]float32) error // receives each row (reused)
	idSink func(string) error
}

// decodeParquet reads the Parquet data in r, calling row for each row in
// order (and id with its id when idColumn is given). It returns the matrix
// shape. A panic of the decoder on malformed data becomes an error.
func decodeParquet(r io.ReaderAt, size int64, key, idColumn string, row func([]float32) error, id func(string) error) (rows int64, cols int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed Parquet data: %v", p)
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return 0, 0, fmt.Errorf("not a Parquet file: %v", err)
	}
	if f.NumRows() > maxTableRows {
		return 0, 0, fmt.Errorf("%d rows: more than %d", f.NumRows(), int64(maxTableRows))
	}
	tcs, pcs := parquetColumns(f)
	chosen, err := chooseColumns(tcs, key, idColumn)
	if err != nil {
		return 0, 0, err
	}
	d := &pqDecoder{row: row, idSink: id}
	for _, c := range chosen {
		d.cols = append(d.cols, pcs[c])
	}
	if !d.cols[0].list {
		d.width = len(d.cols)
	}
	for i := range pcs {
		if idColumn != "" && pcs[i].name == idColumn {
			if pcs[i].leaf == nil || pcs[i].list {
				return 0, 0, fmt.Errorf("id column %q is not a column of one value per row", idColumn)
			}
			d.id = &pcs[i]
		}
	}
	for _, rg := range f.RowGroups() {
		if err := d.rowGroup(rg); err != nil {
			return 0, 0, err
		}
	}
	if d.rows == 0 || d.width == 0 {
		return 0, 0, fmt.Errorf("empty matrix (%d rows of %d values)", d.rows, d.width)
	}
	return d.rows, d.width, nil
}

// rowGroup emits the rows of one row group.
func (d *pqDecoder) rowGroup(rg parquet.RowGroup) error {
	ccs := rg.ColumnChunks()
	n := rg.NumRows()
	var idc *pqCursor
	if d.id != nil {
		idc = newPQCursor(ccs[d.id.leaf.Index()])
		defer idc.r.Close()
	}
	emit := func(x []float32) error {
		d.rows++
		if err := d.row(x); err != nil {
			return err
		}
		if idc == nil {
			return nil
		}
		v, ok, err := idc.next()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("id column %q: fewer values than rows", d.id.name)
		}
		return d.idSink(pqID(v))
	}
	if d.cols[0].list {
		return d.listRows(ccs[d.cols[0].leaf.Index()], n, emit)
	}
	return d.columnRows(ccs, n, emit)
}

// columnRows assembles n rows from numeric columns read side by side.
func (d *pqDecoder) columnRows(ccs []parquet.ColumnChunk, n int64, emit func([]float32) error) error {
	curs := make([]*pqCursor, len(d.cols))
	for k, c := range d.cols {
		curs[k] = newPQCursor(ccs[c.leaf.Index()])
		defer curs[k].r.Close()
	}
	x := make([]float32, len(d.cols))
	for r := int64(0); r < n; r++ {
		for k, c := range d.cols {
			v, ok, err := curs[k].next()
			if err != nil {
				return fmt.Errorf("column %q: %v", c.name, err)
			}
			if !ok {
				return fmt.Errorf("column %q: %d values for %d rows", c.name, r, n)
			}
			if v.IsNull() {
				return fmt.Errorf("row %d column %d (%q): null", d.rows+1, k+1, c.name)
			}
			var what string
			if x[k], what = pqValue(v, c.unsigned); what != "" {
				return fmt.Errorf("row %d column %d: %s", d.rows+1, k+1, what)
			}
		}
		if err := emit(x); err != nil {
			return err
		}
	}
	return nil
}

// listRows assembles n rows from a list column, one list per row.
func (d *pqDecoder) listRows(cc parquet.ColumnChunk, n int64, emit func([]float32) error) error {
	c := d.cols[0]
	cur := newPQCursor(cc)
	defer cur.r.Close()
	maxDef := c.leaf.MaxDefinitionLevel()
	var x []float32
	started := int64(0)
	flush := func() error {
		if d.width == 0 {
			d.width = len(x)
		}
		if len(x) != d.width || len(x) == 0 {
			return fmt.Errorf("row %d: %d values in column %q, earlier rows have %d (every row must have the same number)", d.rows+1, len(x), c.name, d.width)
		}
		return emit(x)
	}
	for {
		v, ok, err := cur.next()
		if err != nil {
			return fmt.Errorf("column %q: %v", c.name, err)
		}
		if !ok || v.RepetitionLevel() == 0 {
			if started > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			if !ok {
				break
			}
			x, started = x[:0], started+1
		}
		if v.DefinitionLevel() != maxDef {
			return fmt.Errorf("row %d: column %q has a null or empty list, or a null value", d.rows+1, c.name)
		}
		f, what := pqValue(v, c.unsigned)
		if what != "" {
			return fmt.Errorf("row %d column %d: %s", d.rows+1, len(x)+1, what)
		}
		x = append(x, f)
	}
	if started != n {
		return fmt.Errorf("column %q: %d lists in a row group of %d rows", c.name, started, n)
	}
	return nil
}

// parquetNames returns the names of the numeric columns a Parquet file's
// matrix is made of (nil for a list column), from its metadata.
func parquetNames(r io.ReaderAt, size int64, key, idColumn string) (names []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed Parquet data: %v", p)
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("not a Parquet file: %v", err)
	}
	tcs, _ := parquetColumns(f)
	chosen, err := chooseColumns(tcs, key, idColumn)
	if err != nil {
		return nil, err
	}
	for _, c := range chosen {
		if tcs[c].kind != colNumber {
			return nil, nil
		}
		names = append(names, tcs[c].name)
	}
	return names, nil
}

// loadParquet decodes a whole Parquet file into memory.
func loadParquet(r io.ReaderAt, size int64, key, idColumn string) (*Matrix, error) {
	var data []float32
	rows, cols, err := decodeParquet(r, size, key, idColumn, func(x []float32) error {
		if len(data)+len(x) > maxElements {
			return fmt.Errorf("more than %d values", maxElements)
		}
		data = append(data, x...)
		return nil
	}, func(string) error { return nil })
	if err != nil {
		return nil, err
	}
	return &Matrix{Rows: int(rows), Cols: cols, Data: data}, nil
}

// spillParquet decodes the Parquet file fh into unnamed temporary files:
// the rows as float32, and the ids when idColumn is given.
func spillParquet(path string, fh *os.File, size int64, key, idColumn string) (*Rows, error) {
	tmp, err := tempFile()
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	var buf []byte
	var ids *textSpill
	if idColumn != "" {
		if ids, err = newTextSpill(); err != nil {
			tmp.Close()
			return nil, err
		}
	}
	rows, cols, err := decodeParquet(fh, size, key, idColumn, func(x []float32) error {
		buf = buf[:0]
		for _, v := range x {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		_, err := w.Write(buf)
		return err
	}, func(s string) error { return ids.add(s) })
	if err == nil {
		err = w.Flush()
	}
	if err == nil && ids != nil {
		err = ids.finish()
	}
	if err != nil {
		tmp.Close()
		if ids != nil {
			ids.close()
		}
		return nil, err
	}
	r := &Rows{path: path, f: tmp, rows: int(rows), cols: cols, dt: dtype{kind: 'f', size: 4}}
	if r.names, err = parquetNames(fh, size, key, idColumn); err != nil {
		tmp.Close()
		return nil, err
	}
	if ids != nil {
		r.ids, r.extra = ids.read, ids.close
	}
	return r, nil
}

// tempFile creates an unnamed temporary file (gone when closed).
func tempFile() (*os.File, error) {
	tmp, err := os.CreateTemp("", "sae-rows-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the decoded data: %v", openErr(err))
	}
	os.Remove(tmp.Name())
	return tmp, nil
}

// textSpill keeps strings in temporary files: their bytes one after the
// other, and each one's end offset.
type textSpill struct {
	data, offs *os.File
	dw, ow     *bufio.Writer
	end        int64
}

func newTextSpill() (*textSpill, error) {
	d, err := tempFile()
	if err != nil {
		return nil, err
	}
	o, err := tempFile()
	if err != nil {
		d.Close()
		return nil, err
	}
	s := &textSpill{data: d, offs: o, dw: bufio.NewWriter(d), ow: bufio.NewWriter(o)}
	s.ow.Write(make([]byte, 8)) // the first string starts at 0
	return s, nil
}

func (s *textSpill) add(v string) error {
	if _, err := s.dw.WriteString(v); err != nil {
		return err
	}
	s.end += int64(len(v))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(s.end))
	_, err := s.ow.Write(b[:])
	return err
}

func (s *textSpill) finish() error {
	if err := s.dw.Flush(); err != nil {
		return err
	}
	return s.ow.Flush()
}

func (s *textSpill) close() error {
	s.data.Close()
	return s.offs.Close()
}

// read returns the strings of rows.
func (s *textSpill) read(rows []int) ([]string, error) {
	out := make([]string, len(rows))
	for k, r := range rows {
		var b [16]byte
		if _, err := s.offs.ReadAt(b[:], int64(r)*8); err != nil {
			return nil, fmt.Errorf("row %d: %v", r+1, err)
		}
		lo, hi := int64(binary.LittleEndian.Uint64(b[:])), int64(binary.LittleEndian.Uint64(b[8:]))
		p := make([]byte, hi-lo)
		if _, err := s.data.ReadAt(p, lo); err != nil && len(p) > 0 {
			return nil, err
		}
		out[k] = string(p)
	}
	return out, nil
}
