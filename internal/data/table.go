package data

// The random-access reader behind Arrow IPC files and safetensors shard
// directories: the rows of a matrix spread over files in pieces, each piece
// a run of rows whose values lie at fixed strides in one file, so that row r
// is found by arithmetic and read with one ReadAt per segment, as .npy rows
// are. Nothing of the data is held in memory.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// segment is where a piece keeps output columns [col, col+width): row r of
// the piece (0-based) has them at off + r*stride, width elements of type dt.
type segment struct {
	col, width int
	off        int64
	stride     int64
	dt         dtype
}

// piece is a run of rows in one file.
type piece struct {
	file  int   // index in tableRows.files
	first int64 // the matrix row of the piece's row 0
	rows  int64
	segs  []segment
}

// tableRows reads rows of pieces on demand.
type tableRows struct {
	path   string   // what the user named (a file or a directory), for errors
	files  []string // the files pieces refer to
	open   fileCache
	pieces []piece
	rows   int64
	cols   int
	buf    []byte
}

// maxTableRows bounds the rows of a table read row by row: the trainer
// indexes rows with uint32.
const maxTableRows = min(math.MaxUint32, math.MaxInt)

// maxOpenFiles bounds the files a tableRows keeps open at once.
const maxOpenFiles = 32

// fileCache keeps up to maxOpenFiles files open, closing the least recently
// used one when another is needed.
type fileCache struct {
	fh   map[int]*os.File
	used map[int]uint64
	tick uint64
}

func (c *fileCache) get(i int, name string) (*os.File, error) {
	if c.fh == nil {
		c.fh, c.used = map[int]*os.File{}, map[int]uint64{}
	}
	c.tick++
	if f, ok := c.fh[i]; ok {
		c.used[i] = c.tick
		return f, nil
	}
	if len(c.fh) >= maxOpenFiles {
		oldest, at := -1, uint64(math.MaxUint64)
		for j, u := range c.used {
			if u < at {
				oldest, at = j, u
			}
		}
		c.fh[oldest].Close()
		delete(c.fh, oldest)
		delete(c.used, oldest)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, openErr(err)
	}
	c.fh[i], c.used[i] = f, c.tick
	return f, nil
}

func (c *fileCache) close() error {
	var first error
	for i, f := range c.fh {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.fh, i)
	}
	return first
}

// openErr is the cause of a failed open, without the path (the *Error
// carries it).
func openErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot %s: %w", pe.Op, pe.Err)
	}
	return err
}

func (t *tableRows) dims() (int, int) { return int(t.rows), t.cols }

// checkShape rejects an empty table and one too long to read row by row.
func (t *tableRows) checkShape() error {
	if t.rows == 0 || t.cols == 0 {
		return fmt.Errorf("empty matrix (%d rows of %d values)", t.rows, t.cols)
	}
	if t.rows > maxTableRows {
		return fmt.Errorf("%d rows: more than %d", t.rows, int64(maxTableRows))
	}
	return nil
}

// pieceOf returns the index of the piece holding matrix row r.
func (t *tableRows) pieceOf(r int64) int {
	return sort.Search(len(t.pieces), func(i int) bool { return t.pieces[i].first+t.pieces[i].rows > r })
}

// readRows reads rows idx (0-based) into dst, as Rows.ReadRows does.
func (t *tableRows) readRows(dst []float32, idx []int) error {
	d := t.cols
	if len(dst) < len(idx)*d {
		return failf(t.path, "ReadRows: room for %d values, %d rows of %d asked", len(dst), len(idx), d)
	}
	for i := 0; i < len(idx); {
		first := int64(idx[i])
		if first < 0 || first >= t.rows {
			return failf(t.path, "row %d asked of %d rows", first+1, t.rows)
		}
		p := &t.pieces[t.pieceOf(first)]
		run := 1
		for i+run < len(idx) && int64(idx[i+run]) == first+int64(run) && first+int64(run) < p.first+p.rows && run < 256 {
			run++
		}
		if err := t.readRun(dst[i*d:(i+run)*d], p, first, run); err != nil {
			return err
		}
		i += run
	}
	return nil
}

// readRun reads run consecutive rows from first, all in piece p, into out.
func (t *tableRows) readRun(out []float32, p *piece, first int64, run int) error {
	f, err := t.open.get(p.file, t.files[p.file])
	if err != nil {
		return failf(t.path, "%s: %v", filepath.Base(t.files[p.file]), err)
	}
	local := first - p.first
	for _, s := range p.segs {
		nb := int(s.stride) * (run - 1)
		nb += s.width * s.dt.size
		if cap(t.buf) < nb {
			t.buf = make([]byte, nb)
		}
		b := t.buf[:nb]
		if _, err := f.ReadAt(b, s.off+local*s.stride); err != nil {
			return failf(t.path, "%s: reading rows %d to %d: %v", filepath.Base(t.files[p.file]), first+1, first+int64(run), err)
		}
		for k := 0; k < run; k++ {
			row := out[k*t.cols+s.col : k*t.cols+s.col+s.width]
			decodeFloat32(row, b[k*int(s.stride):], s.dt)
			if !s.dt.isFloat() {
				continue
			}
			for j, v := range row {
				if v-v != 0 {
					return failf(t.path, "row %d column %d: %s", first+int64(k)+1, s.col+j+1, t.nonFiniteText(v, b[k*int(s.stride)+j*s.dt.size:], s.dt))
				}
			}
		}
	}
	return nil
}

// nonFiniteText says what a value that is not a finite float32 is: NaN, ±Inf,
// or a float64 outside the float32 range.
func (t *tableRows) nonFiniteText(v float32, b []byte, dt dtype) string {
	if dt.kind == 'f' && dt.size == 8 {
		if x := math.Float64frombits(rawBits(b, 8, dt.big)); !math.IsNaN(x) && !math.IsInf(x, 0) {
			return fmt.Sprintf("%g is outside the float32 range", x)
		}
	}
	return nonFinite(v)
}

func (t *tableRows) close() error { return t.open.close() }

// loadTable reads every row of t into a matrix, bounded as Load bounds any
// array.
func loadTable(t *tableRows) (*Matrix, error) {
	defer t.close()
	if _, err := numel([]int{int(min(t.rows, math.MaxInt32+1)), t.cols}); err != nil {
		return nil, err
	}
	n, d := int(t.rows), t.cols
	m := &Matrix{Rows: n, Cols: d, Data: make([]float32, n*d)}
	const chunk = 1024
	idx := make([]int, 0, chunk)
	for lo := 0; lo < n; lo += chunk {
		idx = idx[:0]
		for r := lo; r < min(n, lo+chunk); r++ {
			idx = append(idx, r)
		}
		if err := t.readRows(m.Data[lo*d:], idx); err != nil {
			return nil, err
		}
	}
	return m, nil
}
