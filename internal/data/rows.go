package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// ErrNotStreamable is wrapped by OpenRows for files it cannot read row by
// row (CSV, .npz, Fortran-order .npy, .safetensors): Load reads those.
var ErrNotStreamable = errors.New("not readable row by row")

// Rows is a matrix file opened for reading rows on demand, so that memory
// holds none of it: rows are read from the file (the operating system's
// file cache keeps them warm), converted to float32 and checked as they are
// read. Gzipped IDX files are first decompressed to an unnamed temporary
// file (in $TMPDIR), which disappears when Rows is closed or the process
// ends. Rows is not safe for concurrent use.
type Rows struct {
	path       string
	f          *os.File
	rows, cols int
	off        int64 // file offset of row 0
	dt         dtype
	divisor    float32       // unsigned bytes (IDX images) are divided by it
	scaled     *[256]float32 // byte data with a divisor: the value of each byte, divided
	buf        []byte
	tab        *tableRows                         // Arrow files and shard directories: rows read in place
	ids        func(rows []int) ([]string, error) // the id column, when one was asked for
	extra      func() error                       // releases what ids reads
	names      []string                           // the columns' names, when the file names them
	pick       []int                              // the columns read (Options.Columns, Drop); nil: all
	wide       []float32                          // whole rows, before pick
}

// OpenRows opens path for reading rows on demand. It reads .npy files in C
// order and IDX files (raw or gzipped), with the conversions of Load; other
// formats give an error wrapping ErrNotStreamable. Errors, including those
// of ReadRows, are *Error values naming the file.
func OpenRows(path string, opt Options) (*Rows, error) {
	r, err := openAnyRows(path, opt)
	if err != nil || !opt.selected() {
		return r, err
	}
	_, cols := r.Dims()
	if r.pick, err = PickColumns(r.names, cols, opt.Columns, opt.Drop); err != nil {
		r.Close()
		return nil, fail(path, err)
	}
	return r, nil
}

// Names returns the names of the columns read (nil when the file names
// none: arrays, a list column).
func (r *Rows) Names() []string {
	if r.names == nil || r.pick == nil {
		return r.names
	}
	out := make([]string, len(r.pick))
	for k, c := range r.pick {
		out[k] = r.names[c]
	}
	return out
}

// openAnyRows is OpenRows before columns are chosen.
func openAnyRows(path string, opt Options) (*Rows, error) {
	if f := formatOf(path); isText(f) {
		if err := keyless(path, f, opt.Key); err != nil {
			return nil, err
		}
		return nil, &Error{Path: path, Err: ErrNotStreamable}
	}
	if opt.Missing {
		return nil, &Error{Path: path, Err: fmt.Errorf("missing values: %w", ErrNotStreamable)}
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		r, err := openDirRows(path, opt)
		if err != nil {
			return nil, fail(path, err)
		}
		return r, nil
	}
	f := formatOf(path)
	if f == formatArrow {
		a, err := openArrowTable(path, []string{path}, opt.Key, opt.IDColumn)
		if err != nil {
			return nil, fail(path, err)
		}
		return a.rows(), nil
	}
	if opt.IDColumn != "" && f != formatParquet {
		return nil, failf(path, "an id column is read from tables only (CSV, TSV, JSON lines, Parquet, Arrow)")
	}
	if err := keyless(path, f, opt.Key); err != nil {
		return nil, err
	}
	if f != formatNPY && f != formatIDX && f != formatParquet {
		return nil, &Error{Path: path, Err: ErrNotStreamable}
	}
	fh, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, &Error{Path: path, Err: fmt.Errorf("cannot %s: %w", pe.Op, pe.Err)}
		}
		return nil, fail(path, err)
	}
	var r *Rows
	if f == formatParquet {
		r, err = openParquetRows(path, fh, opt)
	} else {
		r, err = openRows(path, fh, f)
	}
	if err != nil {
		fh.Close()
		var de *Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fail(path, err)
	}
	return r, nil
}

func openRows(path string, fh *os.File, format int) (*Rows, error) {
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, errors.New("empty file")
	}
	head := make([]byte, min(size, 1<<16))
	if _, err := io.ReadFull(fh, head); err != nil {
		return nil, err
	}
	r := &Rows{path: path, f: fh}
	var shape []int
	switch {
	case format == formatIDX && len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return spillIDXGzip(path, fh, size)
	case format == formatIDX:
		var hlen int
		r.dt, shape, hlen, err = parseIDXHeader(head)
		if err != nil {
			return nil, err
		}
		if shape == nil {
			return nil, fmt.Errorf("truncated: %d bytes, too short for an IDX header (%d bytes)", len(head), hlen)
		}
		r.off = int64(hlen)
		if r.dt.kind == 'u' && r.dt.size == 1 {
			r.divisor = 255
		}
	default:
		if len(head) >= 12 && head[6] >= 2 && head[6] <= 3 {
			// A version 2/3 header may be longer than the first read.
			if end := 12 + int64(binary.LittleEndian.Uint32(head[8:])); end > int64(len(head)) && end <= size {
				head = make([]byte, end)
				if _, err := fh.ReadAt(head, 0); err != nil {
					return nil, err
				}
			}
		}
		h, hlen, err := npyHeaderOf(head)
		if err != nil {
			return nil, err
		}
		if h.fortran && len(h.shape) > 1 {
			return nil, fmt.Errorf("Fortran order: %w", ErrNotStreamable)
		}
		r.dt, shape, r.off = h.dtype, h.shape, int64(hlen)
	}
	n, err := numel(shape)
	if err != nil {
		return nil, err
	}
	if err := checkSize(shape, r.dt, n, int(min(size-r.off, math.MaxInt32*8))); err != nil {
		return nil, err
	}
	if r.rows, r.cols, err = matrixShape(shape); err != nil {
		return nil, err
	}
	return r, nil
}

// spillIDXGzip decompresses a gzipped IDX file into an unnamed temporary
// file and opens its rows there.
func spillIDXGzip(path string, fh *os.File, size int64) (*Rows, error) {
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	zr, dt, shape, n, err := openIDXGzip(bufio.NewReaderSize(fh, 1<<16), size)
	if err != nil {
		return nil, err
	}
	want := int64(n) * int64(dt.size)
	rows, cols, err := matrixShape(shape)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "sae-rows-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the decompressed data: %v", err)
	}
	os.Remove(tmp.Name()) // unnamed from now on: gone when closed
	got, err := io.Copy(tmp, io.LimitReader(zr, want))
	if err != nil {
		tmp.Close()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("temporary file for the decompressed data: %v", pe.Err)
		}
		return nil, gzErr(err)
	}
	if got < want {
		tmp.Close()
		return nil, checkSize(shape, dt, n, int(got))
	}
	// Read to the end, which verifies the gzip checksum, as Load does.
	extra, err := io.Copy(io.Discard, io.LimitReader(zr, 1<<20))
	if err != nil {
		tmp.Close()
		return nil, gzErr(err)
	}
	if extra > 0 {
		tmp.Close()
		return nil, fmt.Errorf("extra bytes after the %s %s data", shapeString(shape), dt)
	}
	fh.Close()
	r := &Rows{path: path, f: tmp, rows: rows, cols: cols, dt: dt}
	if dt.kind == 'u' && dt.size == 1 {
		r.divisor = 255
	}
	return r, nil
}

// Dims returns the rows and columns (after flattening, of the columns
// chosen).
func (r *Rows) Dims() (rows, cols int) {
	if r.pick != nil {
		rows, _ = r.wideDims()
		return rows, len(r.pick)
	}
	return r.wideDims()
}

func (r *Rows) wideDims() (rows, cols int) {
	if r.tab != nil {
		return r.tab.dims()
	}
	return r.rows, r.cols
}

// Close releases the files (and removes the temporary copies, if any).
func (r *Rows) Close() error {
	var err error
	if r.tab != nil {
		err = r.tab.close()
	} else {
		err = r.f.Close()
	}
	if r.extra != nil {
		r.extra()
	}
	return err
}

// IDs returns the values of the id column (Options.IDColumn) of rows
// (0-based): text as it is, numbers formatted, null as "".
func (r *Rows) IDs(rows []int) ([]string, error) {
	if r.ids == nil {
		return nil, failf(r.path, "no id column was opened")
	}
	ids, err := r.ids(rows)
	if err != nil {
		return nil, fail(r.path, err)
	}
	return ids, nil
}

// ReadRows reads rows idx (0-based), in that order, into dst, converting
// them to float32; consecutive rows are read at once. A row with NaN or
// ±Inf is an error naming its row and column.
func (r *Rows) ReadRows(dst []float32, idx []int) error {
	if r.pick == nil {
		return r.readWide(dst, idx)
	}
	if len(dst) < len(idx)*len(r.pick) {
		return failf(r.path, "ReadRows: room for %d values, %d rows of %d asked", len(dst), len(idx), len(r.pick))
	}
	_, w := r.wideDims()
	for lo := 0; lo < len(idx); lo += 256 {
		hi := min(len(idx), lo+256)
		if cap(r.wide) < (hi-lo)*w {
			r.wide = make([]float32, 256*w)
		}
		wide := r.wide[:(hi-lo)*w]
		if err := r.readWide(wide, idx[lo:hi]); err != nil {
			return err
		}
		for i := range hi - lo {
			out := dst[(lo+i)*len(r.pick) : (lo+i+1)*len(r.pick)]
			for k, c := range r.pick {
				out[k] = wide[i*w+c]
			}
		}
	}
	return nil
}

// readWide reads rows idx with every column.
func (r *Rows) readWide(dst []float32, idx []int) error {
	if r.tab != nil {
		return r.tab.readRows(dst, idx)
	}
	d, sz := r.cols, r.dt.size
	if len(dst) < len(idx)*d {
		return failf(r.path, "ReadRows: room for %d values, %d rows of %d asked", len(dst), len(idx), d)
	}
	for i := 0; i < len(idx); {
		first := idx[i]
		if first < 0 || first >= r.rows {
			return failf(r.path, "row %d asked of %d rows", first+1, r.rows)
		}
		run := 1
		for i+run < len(idx) && idx[i+run] == first+run && run < 256 {
			run++
		}
		nb := run * d * sz
		if cap(r.buf) < nb {
			r.buf = make([]byte, nb)
		}
		b := r.buf[:nb]
		if _, err := r.f.ReadAt(b, r.off+int64(first)*int64(d*sz)); err != nil {
			return failf(r.path, "reading rows %d to %d: %v", first+1, first+run, err)
		}
		out := dst[i*d : (i+run)*d]
		if r.divisor != 0 {
			// Bytes (only they have a divisor): one table look-up each,
			// the values decoding and then dividing give.
			if r.scaled == nil {
				r.scaled = new([256]float32)
				for c := range r.scaled {
					r.scaled[c] = float32(c) / r.divisor
				}
			}
			for j, c := range b[:len(out)] {
				out[j] = r.scaled[c]
			}
		} else {
			decodeFloat32(out, b, r.dt)
		}
		if r.dt.isFloat() {
			for j, v := range out {
				if v-v == 0 {
					continue
				}
				what := nonFinite(v)
				if r.dt.kind == 'f' && r.dt.size == 8 {
					if x := math.Float64frombits(rawBits(b[j*8:j*8+8], 8, r.dt.big)); !math.IsNaN(x) && !math.IsInf(x, 0) {
						what = fmt.Sprintf("%g is outside the float32 range", x)
					}
				}
				return failf(r.path, "row %d column %d: %s", first+j/d+1, j%d+1, what)
			}
		}
		i += run
	}
	return nil
}

// openParquetRows decodes a Parquet file into temporary files.
func openParquetRows(path string, fh *os.File, opt Options) (*Rows, error) {
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 {
		return nil, errors.New("empty file")
	}
	return spillParquet(path, fh, st.Size(), opt.Key, opt.IDColumn)
}

// rows returns the table as Rows.
func (a *arrowTable) rows() *Rows {
	r := &Rows{path: a.t.path, tab: a.t}
	if len(a.data) == a.t.cols {
		r.names = a.data
	}
	if a.idColumn != "" {
		r.ids = a.readIDs
	}
	return r
}

// openDirRows opens a directory: a datasets cache (state.json or .arrow
// files) or safetensors shards.
func openDirRows(dir string, opt Options) (*Rows, error) {
	kind, err := dirKind(dir)
	if err != nil {
		return nil, err
	}
	if kind == formatSafetensors {
		if opt.IDColumn != "" {
			return nil, errors.New("an id column is read from tables only (CSV, TSV, JSON lines, Parquet, Arrow)")
		}
		t, err := openShards(dir, opt.Key)
		if err != nil {
			return nil, err
		}
		return &Rows{path: dir, tab: t}, nil
	}
	files, err := datasetFiles(dir)
	if err != nil {
		return nil, err
	}
	a, err := openArrowTable(dir, files, opt.Key, opt.IDColumn)
	if err != nil {
		return nil, err
	}
	return a.rows(), nil
}

// dirKind tells a datasets cache (formatArrow) from a shard directory
// (formatSafetensors).
func dirKind(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, openErr(err)
	}
	shards := false
	for _, e := range ents {
		name := strings.ToLower(e.Name())
		switch {
		case name == "state.json" || strings.HasSuffix(name, ".arrow"):
			return formatArrow, nil
		case strings.HasSuffix(name, ".safetensors"):
			shards = true
		}
	}
	if shards {
		return formatSafetensors, nil
	}
	return 0, errors.New("a directory, and neither a datasets cache (state.json, .arrow files) nor safetensors shards")
}
