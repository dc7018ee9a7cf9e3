package data

// Arrow IPC files as a table of rows read in place: each record batch of
// each file is a piece (see table.go) whose segments point at the data
// columns' value buffers.

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// arrowColumns classifies the schema's top-level fields.
func arrowColumns(fields []*arrowField) []tableColumn {
	cols := make([]tableColumn, len(fields))
	for i, f := range fields {
		cols[i] = tableColumn{name: f.name, kind: colOther}
		switch {
		case f.numericList() != nil:
			cols[i].kind = colList
		case f.number():
			cols[i].kind = colNumber
		}
	}
	return cols
}

// arrowTable is what opening Arrow files gathers beside the rows: the
// chosen columns and, per piece, where the id column's values are.
type arrowTable struct {
	t        *tableRows
	data     []string // names of the data columns
	idColumn string
	ids      []arrowIDs // per piece
}

// openArrowTable opens Arrow IPC files as one table: files' rows one after
// the other, each file with the columns of the first.
func openArrowTable(path string, files []string, key, idColumn string) (*arrowTable, error) {
	a := &arrowTable{t: &tableRows{path: path, files: files}, idColumn: idColumn}
	for i, name := range files {
		if err := a.addFile(i, name, key); err != nil {
			if len(files) > 1 || name != path {
				return nil, fmt.Errorf("%s: %v", filepath.Base(name), err)
			}
			return nil, err
		}
	}
	if err := a.t.checkShape(); err != nil {
		return nil, err
	}
	return a, nil
}

// addFile reads the metadata of file i and adds its record batches.
func (a *arrowTable) addFile(i int, name, key string) error {
	f, err := os.Open(name)
	if err != nil {
		return openErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	if st.Size() == 0 {
		return fmt.Errorf("empty file")
	}
	s, err := openArrowStream(f, st.Size())
	if err != nil {
		return err
	}
	cols := arrowColumns(s.fields)
	chosen, err := chooseColumns(cols, key, a.idColumn)
	if err != nil {
		return err
	}
	fields := make([]*arrowField, len(chosen))
	for k, c := range chosen {
		fields[k] = s.fields[c]
		if i == 0 {
			a.data = append(a.data, s.fields[c].name)
		} else if s.fields[c].name != a.data[k] {
			return fmt.Errorf("columns %v, the first file's are %v", fields, a.data)
		}
	}
	var idField *arrowField
	for _, fl := range s.fields {
		if a.idColumn != "" && fl.name == a.idColumn {
			idField = fl
		}
	}
	for {
		b, err := s.batch()
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
		if b.rows == 0 {
			continue
		}
		p := piece{file: i, first: a.t.rows, rows: b.rows}
		if err := a.addSegments(&p, f, b, fields); err != nil {
			return fmt.Errorf("rows %d to %d: %v", p.first+1, p.first+p.rows, err)
		}
		if idField != nil {
			ids, err := arrowIDsOf(idField, b)
			if err != nil {
				return fmt.Errorf("rows %d to %d: %v", p.first+1, p.first+p.rows, err)
			}
			a.ids = append(a.ids, ids)
		}
		a.t.pieces = append(a.t.pieces, p)
		a.t.rows += b.rows
		if a.t.rows > maxTableRows {
			return fmt.Errorf("more than %d rows", int64(maxTableRows))
		}
	}
}

// addSegments adds to p the segments of the data columns in batch b.
func (a *arrowTable) addSegments(p *piece, f *os.File, b *arrowBatch, fields []*arrowField) error {
	col := 0
	for _, fl := range fields {
		if _, nulls, err := b.node(fl, b.rows); err != nil {
			return err
		} else if nulls > 0 {
			return fmt.Errorf("column %q: %d null rows", fl.name, nulls)
		}
		el := fl.numericList()
		if el == nil {
			off, err := b.buffer(fl, 1, b.rows*int64(fl.dt.size))
			if err != nil {
				return err
			}
			p.segs = append(p.segs, segment{col: col, width: 1, off: off, stride: int64(fl.dt.size), dt: fl.dt})
			col++
			continue
		}
		first, width, err := listLayout(f, b, fl)
		if err != nil {
			return err
		}
		n, nulls, err := b.node(el, -1)
		if err != nil {
			return err
		}
		if nulls > 0 {
			return fmt.Errorf("column %q: %d null values in its lists", fl.name, nulls)
		}
		if first+b.rows*width > n {
			return fmt.Errorf("column %q: lists reach value %d of %d", fl.name, first+b.rows*width, n)
		}
		sz := int64(el.dt.size)
		off, err := b.buffer(el, 1, (first+b.rows*width)*sz)
		if err != nil {
			return err
		}
		p.segs = append(p.segs, segment{col: col, width: int(width), off: off + first*sz, stride: width * sz, dt: el.dt})
		col += int(width)
	}
	if a.t.cols == 0 {
		a.t.cols = col
	} else if col != a.t.cols {
		return fmt.Errorf("rows of %d values, earlier rows have %d", col, a.t.cols)
	}
	return nil
}

// listLayout returns where a list column's rows start in its values and
// their common length, reading a list's offsets to check that every row
// has the same length.
func listLayout(f *os.File, b *arrowBatch, fl *arrowField) (first, width int64, err error) {
	if fl.typ == arrowFixedSizeList {
		return 0, int64(fl.listSize), nil
	}
	sz := int64(4)
	if fl.typ == arrowLargeList {
		sz = 8
	}
	off, err := b.buffer(fl, 1, (b.rows+1)*sz)
	if err != nil {
		return 0, 0, err
	}
	const chunk = 8192
	buf := make([]byte, chunk*sz)
	var prev int64
	for lo := int64(0); lo <= b.rows; lo += chunk {
		n := min(chunk, b.rows+1-lo)
		if _, err := f.ReadAt(buf[:n*sz], off+lo*sz); err != nil {
			return 0, 0, err
		}
		for k := int64(0); k < n; k++ {
			var o int64
			if sz == 4 {
				o = int64(int32(binary.LittleEndian.Uint32(buf[k*4:])))
			} else {
				o = int64(binary.LittleEndian.Uint64(buf[k*8:]))
			}
			switch r := lo + k; {
			case r == 0:
				first = o
				if o < 0 {
					return 0, 0, fmt.Errorf("column %q: negative list offset", fl.name)
				}
			case r == 1:
				width = o - prev
				if width < 0 {
					return 0, 0, fmt.Errorf("column %q: decreasing list offsets", fl.name)
				}
			case o-prev != width:
				return 0, 0, fmt.Errorf("column %q: a row of %d values after rows of %d (every row must have the same length)", fl.name, o-prev, width)
			}
			prev = o
		}
	}
	return first, width, nil
}

// arrowIDs is where one record batch keeps the id column's values.
type arrowIDs struct {
	text    bool  // utf8 or binary; else numbers of type dt
	dt      dtype // numbers
	valid   int64 // file offset of the validity bitmap; -1: no nulls
	offs    int64 // file offset of the offsets (text)
	osz     int64 // bytes per offset: 4 or 8
	data    int64 // file offset of the values
	dataLen int64 // bytes of values (text)
}

// arrowIDsOf locates the id column f in batch b.
func arrowIDsOf(f *arrowField, b *arrowBatch) (arrowIDs, error) {
	_, nulls, err := b.node(f, b.rows)
	if err != nil {
		return arrowIDs{}, err
	}
	ids := arrowIDs{valid: -1, dt: f.dt}
	if nulls > 0 {
		if ids.valid, err = b.buffer(f, 0, (b.rows+7)/8); err != nil {
			return arrowIDs{}, err
		}
	}
	switch {
	case f.number():
		ids.data, err = b.buffer(f, 1, b.rows*int64(f.dt.size))
	case !f.dict && (f.typ == arrowUtf8 || f.typ == arrowBinary || f.typ == arrowLargeUtf8 || f.typ == arrowLargeBinary):
		ids.text, ids.osz = true, 4
		if f.typ == arrowLargeUtf8 || f.typ == arrowLargeBinary {
			ids.osz = 8
		}
		if ids.offs, err = b.buffer(f, 1, (b.rows+1)*ids.osz); err != nil {
			return arrowIDs{}, err
		}
		if ids.data, err = b.buffer(f, 2, 0); err == nil {
			ids.dataLen = b.bufs[f.buf+2][1]
		}
	default:
		return arrowIDs{}, fmt.Errorf("id column %q holds neither text nor numbers", f.name)
	}
	return ids, err
}

// maxIDBytes bounds the text of one id read back.
const maxIDBytes = 4096

// readIDs returns the id column's values of rows (0-based): text as it is
// (cut at maxIDBytes), numbers formatted, null as "".
func (a *arrowTable) readIDs(rows []int) ([]string, error) {
	out := make([]string, len(rows))
	t := a.t
	for k, r := range rows {
		if r < 0 || int64(r) >= t.rows {
			return nil, fmt.Errorf("row %d asked of %d rows", r+1, t.rows)
		}
		pi := t.pieceOf(int64(r))
		p, ids := &t.pieces[pi], &a.ids[pi]
		f, err := t.open.get(p.file, t.files[p.file])
		if err != nil {
			return nil, err
		}
		local := int64(r) - p.first
		if s, err := ids.read(f, local); err != nil {
			return nil, fmt.Errorf("row %d: id column %q: %v", r+1, a.idColumn, err)
		} else {
			out[k] = s
		}
	}
	return out, nil
}

// read returns the id of row local of the batch.
func (ids *arrowIDs) read(f *os.File, local int64) (string, error) {
	var w [16]byte
	if ids.valid >= 0 {
		if _, err := f.ReadAt(w[:1], ids.valid+local/8); err != nil {
			return "", err
		}
		if w[0]>>(local%8)&1 == 0 {
			return "", nil
		}
	}
	if !ids.text {
		sz := ids.dt.size
		if _, err := f.ReadAt(w[:sz], ids.data+local*int64(sz)); err != nil {
			return "", err
		}
		return formatNumber(w[:sz], ids.dt), nil
	}
	if _, err := f.ReadAt(w[:2*ids.osz], ids.offs+local*ids.osz); err != nil {
		return "", err
	}
	var lo, hi int64
	if ids.osz == 4 {
		lo, hi = int64(int32(binary.LittleEndian.Uint32(w[:]))), int64(int32(binary.LittleEndian.Uint32(w[4:])))
	} else {
		lo, hi = int64(binary.LittleEndian.Uint64(w[:])), int64(binary.LittleEndian.Uint64(w[8:]))
	}
	if lo < 0 || hi < lo || hi > ids.dataLen {
		return "", fmt.Errorf("offsets [%d, %d) outside its %d bytes", lo, hi, ids.dataLen)
	}
	b := make([]byte, min(hi-lo, maxIDBytes))
	if _, err := f.ReadAt(b, ids.data+lo); err != nil {
		return "", err
	}
	return string(b), nil
}

// formatNumber formats one element of type dt: integers exactly, floats in
// the shortest form that reads back.
func formatNumber(b []byte, dt dtype) string {
	u := rawBits(b, dt.size, dt.big)
	switch dt.kind {
	case 'i':
		return strconv.FormatInt(int64(u<<(64-8*dt.size))>>(64-8*dt.size), 10)
	case 'u', 'b':
		return strconv.FormatUint(u, 10)
	}
	return strconv.FormatFloat(bitsToFloat64(u, dt), 'g', -1, 64)
}
