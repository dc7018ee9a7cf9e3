// Package data reads and writes the numeric files sae works with: .npy, .npz,
// .csv, .tsv, JSON lines (text.go), MNIST-style IDX (raw or gzipped) and
// .safetensors; and the tables
// and directories activation caches come in: Parquet (parquet.go), Arrow
// IPC files and streams and Hugging Face datasets cache directories
// (arrow.go), and directories of safetensors shards (shards.go).
//
// # Shapes
//
// Load returns a 2-D matrix. A file holding a rank-3 or higher array, such as
// an image stack [n, 28, 28], is flattened to [n, 28*28]: row i is element i
// of the first axis with its trailing axes laid out in C (row-major) order,
// whatever the order in the file. Rank 0 and 1 arrays are rejected, as are
// empty matrices (0 rows or 0 columns). No array may hold more than 1<<31
// elements, and every shape read from a header is checked against the bytes
// the file actually holds before anything is allocated.
//
// Options.Columns and Options.Drop choose a file's columns, by name (a
// CSV or TSV header, JSON lines' keys, a Parquet or Arrow table's numeric
// columns) or 0-based number, in every format (select.go); LoadTable
// returns the names with the matrix.
//
// A table's rows are a list column of numbers (every list of one length:
// the row width) or numeric columns, one per matrix column (Options.Key
// chooses). A directory's files are concatenated: a datasets cache's in the
// order of its state.json, shards in the order of the number in their
// names. OpenRows reads these row by row (up to 2^32-1 rows): Arrow and
// shards in place, Parquet from a float32 copy in an unnamed temporary file.
//
// # Values
//
// Every numeric type a format can hold (floats of 16, 32 and 64 bits,
// bfloat16, signed and unsigned integers of 8 to 64 bits, bool) is converted
// to float32. IDX images of unsigned bytes are scaled to [0, 1] (divided by
// 255); nothing else is rescaled. NaN and ±Inf are rejected by every reader,
// as is a float64 value outside the float32 range. The writers do not check
// values.
//
// # Errors
//
// Every error is an *Error: one line that starts with the file path and says
// what is wrong, for example
//
//	x.npy: truncated: header declares 100x784 float32 (313600 bytes of data) but 1000 bytes follow
//	x.npy: row 3 column 2: NaN
//	x.csv: line 12 column 3: "abc" is not a number
//	x.csv: line 7 has 5 fields, expected 4
//	x.csv: line 5 column 2: empty field
//	x.csv: no column "age" (columns: "id", "income", "score")
//	x.jsonl: line 3 key "b": "abc" is not a number
//	acts.parquet: row 2: 767 values in column "emb", earlier rows have 768 (every row must have the same number)
//	cache: data-00001-of-00002.arrow: rows 1001 to 2000: column "emb": 3 null rows
//	shards: chunk-7.safetensors: rows of 512 values, chunk-0.safetensors has 768
//
// Positions are 1-based. In a CSV file the row is the line number in the
// file (the header, when there is one, is line 1) and the column is the field
// number. In every other format the row and column are those of the matrix
// Load returns (after flattening), and labels are counted from 1.
package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Options select what Load reads.
type Options struct {
	// Key is the array name for .npz (default "X", else its only array), .safetensors and
	// shard directories (default: the only tensor), and the column of a
	// Parquet or Arrow table: a list column, or numeric columns separated
	// by commas (default: the only list column, or else every numeric
	// column but IDColumn). Other formats ignore it.
	Key string
	// IDColumn names a column of a table (Parquet, Arrow, CSV, TSV, JSON
	// lines; a CSV column by its header's name or 0-based number) that
	// identifies rows (text or numbers): it is not part of the matrix;
	// Rows.IDs reads a Parquet or Arrow table's, Table.IDs holds a text
	// table's. Other formats refuse it.
	IDColumn string
	// Columns, when not empty, are the matrix's columns, in this order:
	// names (a CSV or TSV header, JSON lines' keys, a Parquet or Arrow
	// table's numeric columns) or 0-based column numbers (any format).
	Columns []string
	// Drop are columns left out (names or numbers, as Columns).
	Drop []string
	// Missing reads a missing value as NaN instead of refusing it: in a
	// CSV, TSV or JSON lines table an empty field, NA, N/A, NaN, null or
	// ?; in .npy, .npz and .safetensors arrays a NaN. ±Inf is refused
	// either way, as are NaN and null in Parquet and Arrow tables.
	Missing bool
}

// Error is the error every function of this package returns: the file and
// what is wrong with it. Err may wrap an underlying error such as an
// *os.PathError's cause.
type Error struct {
	Path string
	Err  error
}

// Error returns "path: what is wrong", always on one line: control
// characters in the path or the message are escaped.
func (e *Error) Error() string {
	return oneLine(e.Path + ": " + e.Err.Error())
}

func (e *Error) Unwrap() error { return e.Err }

// oneLine escapes control characters so that s prints on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := fmt.Sprintf("%q", string(r))
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// fail wraps err as an *Error for path (err may already be one for path).
func fail(path string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Path == path {
		return err
	}
	return &Error{Path: path, Err: err}
}

// failf builds an *Error for path from a format.
func failf(path, format string, args ...any) error {
	return &Error{Path: path, Err: fmt.Errorf(format, args...)}
}

// readFile reads the whole of path, rejecting an empty file.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &Error{Path: path, Err: fmt.Errorf("cannot %s: %w", pe.Op, pe.Err)}
		}
		return nil, fail(path, err)
	}
	if len(b) == 0 {
		return nil, failf(path, "empty file")
	}
	return b, nil
}

// File formats, as chosen from a file name.
const (
	formatUnknown = iota
	formatNPY
	formatNPZ
	formatCSV
	formatIDX
	formatSafetensors
	formatParquet
	formatArrow
	formatTSV
	formatJSONL
)

// isIDXName reports whether a (lower-case) file name ends as IDX files are
// named: ".idx", or "idx" and digits after "-", "." or "_", optionally
// followed by "-ubyte" (train-images-idx3-ubyte, labels.idx1).
func isIDXName(name string) bool {
	if strings.HasSuffix(name, ".idx") {
		return true
	}
	name = strings.TrimSuffix(name, "-ubyte")
	digits := len(name) - len(strings.TrimRight(name, "0123456789"))
	if digits == 0 {
		return false
	}
	name = name[:len(name)-digits]
	if !strings.HasSuffix(name, "idx") || len(name) < 4 {
		return false
	}
	return strings.ContainsRune("-._", rune(name[len(name)-4]))
}

// formatOf chooses a format from the file name, case-insensitively. Only IDX
// files may carry a further .gz; gzip is also detected by content.
func formatOf(path string) int {
	name := strings.ToLower(filepath.Base(path))
	if base, ok := strings.CutSuffix(name, ".gz"); ok {
		if isIDXName(base) {
			return formatIDX
		}
		return formatUnknown
	}
	switch filepath.Ext(name) {
	case ".npy":
		return formatNPY
	case ".npz":
		return formatNPZ
	case ".csv":
		return formatCSV
	case ".tsv", ".tab":
		return formatTSV
	case ".jsonl", ".ndjson":
		return formatJSONL
	case ".safetensors":
		return formatSafetensors
	case ".parquet", ".pq":
		return formatParquet
	case ".arrow", ".arrows", ".feather", ".ipc":
		return formatArrow
	}
	if isIDXName(name) {
		return formatIDX
	}
	return formatUnknown
}

// Load reads a 2-D numeric matrix, choosing the format by file name:
//
//   - .npy: any numeric dtype (float16/32/64, int/uint 8 to 64 bits, bool),
//     either byte order, C or Fortran order; object and structured dtypes are
//     rejected.
//   - .npz: a zip (stored or deflated) of .npy files; the array opt.Key
//     names, else "X", else the archive's only array.
//   - .csv: numbers separated by commas, or by semicolons or tabs when the
//     first line clearly uses them; the first row is a header when one of its
//     fields is not a number; blank lines are skipped; fields may be quoted.
//   - .tsv: as .csv, separated by tabs.
//   - .jsonl, .ndjson: one JSON object of name -> number (the first line's
//     keys name the columns; null and absent keys are missing values) or
//     one array of numbers per line.
//   - IDX, MNIST style (.idx, *-idx3-ubyte, *.idx3-ubyte, each optionally
//     .gz; gzip is also recognised by its magic bytes): unsigned bytes are
//     scaled to [0, 1], other types converted as they are.
//   - .safetensors: the only tensor, or the one opt.Key names.
//
// Arrays of rank 3 or more are flattened to [n, rest]; see the package
// documentation for this and for the error conventions.
func Load(path string, opt Options) (*Matrix, error) {
	t, err := LoadTable(path, opt)
	if err != nil {
		return nil, err
	}
	return t.Matrix, nil
}

// loadArray is Load for every format but the text tables, without
// choosing columns.
func loadArray(path string, opt Options) (*Matrix, error) {
	f := formatOf(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() || f == formatArrow || f == formatParquet {
		return loadTableFile(path, opt)
	}
	if opt.IDColumn != "" {
		return nil, failf(path, "an id column is read from tables only (CSV, TSV, JSON lines, Parquet, Arrow)")
	}
	if f == formatUnknown {
		return nil, failf(path, "unknown format (want .npy, .npz, .csv, .tsv, .jsonl, .idx[.gz], .safetensors, .parquet, .arrow, or a directory of .arrow or .safetensors files)")
	}
	if err := keyless(path, f, opt.Key); err != nil {
		return nil, err
	}
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	var m *Matrix
	a, err := decodeArray(f, b, opt.Key)
	if err == nil {
		m, err = a.matrix(opt.Missing)
	}
	if err != nil {
		return nil, fail(path, err)
	}
	return m, nil
}

// keyless refuses a key for a format of one unnamed array, where it would
// be ignored.
func keyless(path string, f int, key string) error {
	if key != "" && (f == formatNPY || isText(f) || f == formatIDX) {
		return failf(path, "key %q: this file holds one unnamed array (a key names an array of a .npz or .safetensors file, or columns of a table)", key)
	}
	return nil
}

// loadTableFile loads a Parquet or Arrow file or a directory into memory.
func loadTableFile(path string, opt Options) (*Matrix, error) {
	if formatOf(path) == formatParquet {
		fh, err := os.Open(path)
		if err != nil {
			return nil, fail(path, openErr(err))
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err != nil {
			return nil, fail(path, err)
		}
		if !st.Mode().IsRegular() || st.Size() == 0 {
			return nil, failf(path, "empty file or not a regular file")
		}
		m, err := loadParquet(fh, st.Size(), opt.Key, opt.IDColumn)
		if err != nil {
			return nil, fail(path, err)
		}
		return m, nil
	}
	r, err := OpenRows(path, Options{Key: opt.Key, IDColumn: opt.IDColumn})
	if err != nil {
		return nil, err
	}
	m, err := loadTable(r.tab)
	if err != nil {
		return nil, fail(path, err)
	}
	return m, nil
}

// decodeArray decodes the bytes of a file of an array format (npy, npz,
// IDX, safetensors); key names the npz or safetensors array (npz: X, or
// the only array, by default).
func decodeArray(f int, b []byte, key string) (*array, error) {
	switch f {
	case formatNPY:
		return decodeNPY(b)
	case formatNPZ:
		return decodeNPZ(b, key, "X")
	case formatIDX:
		return decodeIDX(b, true)
	case formatSafetensors:
		return safetensorsArray(b, key)
	}
	return nil, fmt.Errorf("not an array format")
}

// Shape returns the shape of the array Load reads from path before arrays
// of rank 3 or more are flattened: an IDX file of 28x28 images is
// [n, 28, 28], a .npy array of images [n, h, w]. Formats without a shape
// of their own (CSV, Parquet, Arrow, directories) give nil. It reads the
// whole file, as Load does; errors are *Error as Load's.
func Shape(path string, opt Options) ([]int, error) {
	f := formatOf(path)
	if f != formatNPY && f != formatNPZ && f != formatIDX && f != formatSafetensors {
		return nil, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, nil
	}
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	a, err := decodeArray(f, b, opt.Key)
	if err != nil {
		return nil, fail(path, err)
	}
	return append([]int(nil), a.shape...), nil
}
