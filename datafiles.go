package sae

// The data files the sae command reads and writes, for programs: the same
// readers (every format, the same checks and error messages) and writers.

import (
	"fmt"
	"io"

	"github.com/sae-go/sae/internal/data"
)

// DataOptions select what LoadData, LoadTable and OpenRows read: Key
// names an .npz or .safetensors array or a table's list or numeric
// column(s) (the command line's --column); IDColumn a table's id column;
// Columns and Drop the columns read, by name or 0-based number (--columns,
// --drop); Missing reads missing values as NaN instead of refusing them
// (--nan drop and median).
type DataOptions = data.Options

// Table is a matrix read from a file with its column names (a CSV header,
// JSON lines' keys, a Parquet or Arrow table's columns; nil when the file
// names none) and the id column's values of a text table.
type Table = data.Table

// LoadTable reads a data file as LoadData does, with its column names and
// ids. CSV, TSV (.tsv) and JSON lines (.jsonl, .ndjson: an object of name
// -> number, or an array of numbers, per line) choose their columns before
// parsing, so that a text column dropped or named as the id is not read.
func LoadTable(path string, opt DataOptions) (*Table, error) { return data.LoadTable(path, opt) }

// ReadTable reads a CSV, TSV or JSON lines table from r (a standard
// input), named name in errors; the format is name's by its extension, or
// else the content's (JSON lines when it starts with { or [).
func ReadTable(r io.Reader, name string, opt DataOptions) (*Table, error) {
	return data.ReadAllTable(r, name, opt)
}

// FromRows returns the matrix of rows, copied: every row must have the
// same number of values, and there must be at least one of each.
func FromRows(rows [][]float32) (Matrix, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return Matrix{}, fmt.Errorf("FromRows: no rows or no columns")
	}
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		if len(r) != m.Cols {
			return Matrix{}, fmt.Errorf("FromRows: row %d has %d values, row 0 has %d", i, len(r), m.Cols)
		}
		copy(m.Row(i), r)
	}
	return m, nil
}

// Rows is a data file opened to read rows on demand (a Source: Dims,
// ReadRows, and IDs for a table's id column); memory holds none of the
// file. It is not safe for concurrent use; Close releases it.
type Rows = data.Rows

// ErrNotStreamable is wrapped by OpenRows's error for a file that cannot
// be read row by row (CSV, .npz, .safetensors, Fortran-order .npy):
// LoadData reads those.
var ErrNotStreamable = data.ErrNotStreamable

// LoadData reads a whole data file as sae's commands do: .npy, .npz, .csv,
// IDX (gzipped or not), .safetensors, Parquet, Arrow IPC, a datasets cache
// or a directory of safetensors shards. Errors name the file (and the row
// and column of a bad value).
func LoadData(path string, opt DataOptions) (Matrix, error) {
	m, err := data.Load(path, opt)
	if err != nil {
		return Matrix{}, err
	}
	return *m, nil
}

// OpenRows opens a data file to read its rows on demand, as sae train
// --stream does: .npy (C order), IDX, Parquet and Arrow files, datasets
// caches and shard directories (gzipped IDX and Parquet are first decoded
// to an unnamed temporary file). Other formats give an error wrapping
// ErrNotStreamable.
func OpenRows(path string, opt DataOptions) (*Rows, error) { return data.OpenRows(path, opt) }

// LoadLabels reads one integer label per row (.npy, .csv, an .npz's y, IDX).
func LoadLabels(path string) ([]int, error) { return data.LoadLabels(path) }

// WriteData writes m as .npy (float32) or .csv, by the extension of path,
// atomically: a crash leaves the previous file or none, never a part.
func WriteData(path string, m Matrix) error { return data.Write(path, &m) }

// NPYWriter streams a float32 .npy of a known number of rows to any
// writer (WriteData's bytes for the same rows): NewNPYWriter writes the
// header, Write appends whole rows, Close checks that every row came.
type NPYWriter = data.NPYWriter

// NewNPYWriter writes the header of a rows x cols float32 .npy to w.
func NewNPYWriter(w io.Writer, rows, cols int) (*NPYWriter, error) {
	return data.NewNPYWriter(w, rows, cols)
}
