package sae

// The data files the sae command reads and writes, for programs: the same
// readers (every format, the same checks and error messages) and writers.

import (
	"io"

	"github.com/sae-go/sae/internal/data"
)

// DataOptions select what LoadData and OpenRows read: Key names an .npz or
// .safetensors array or a table's column(s) (the command line's --column),
// IDColumn a table's id column (Rows.IDs reads it).
type DataOptions = data.Options

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
