package data

// Tables with names: which columns of a file make the matrix
// (Options.Columns, Options.Drop), the names they keep, and a table's id
// column, the same way for every format.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Table is a matrix read from a file with what the file said about it.
type Table struct {
	*Matrix
	// Names are the matrix columns' names (a CSV or TSV header, JSON
	// lines' keys, a Parquet or Arrow table's numeric columns); nil when
	// the file names none (arrays, a headerless CSV, a list column).
	Names []string
	// IDs are the id column's values (Options.IDColumn), one per row;
	// nil without one.
	IDs []string
	// FileRows, after DropMissing left rows out, is the 0-based row of
	// the file each row was; nil when row i is the file's row i.
	FileRows []int
}

// PickColumns returns the columns of a table of width columns that
// columns and drop choose, in order: columns (default: all, in order)
// without drop. Each entry is a column name (names may be nil: the file
// has none) or a 0-based index. An unknown name, an index out of range, a
// column given twice and an empty choice are errors naming them.
func PickColumns(names []string, width int, columns, drop []string) ([]int, error) {
	var pick []int
	if len(columns) == 0 {
		for i := 0; i < width; i++ {
			pick = append(pick, i)
		}
	}
	for _, c := range columns {
		i, err := resolveColumn(names, width, c)
		if err != nil {
			return nil, err
		}
		if containsInt(pick, i) {
			return nil, fmt.Errorf("column %s chosen twice", columnLabel(names, i))
		}
		pick = append(pick, i)
	}
	for _, c := range drop {
		i, err := resolveColumn(names, width, c)
		if err != nil {
			return nil, fmt.Errorf("drop: %v", err)
		}
		pick = removeInt(pick, i)
	}
	if len(pick) == 0 {
		return nil, errors.New("no columns left to read")
	}
	return pick, nil
}

// resolveColumn finds the column c: a name, else a 0-based index.
func resolveColumn(names []string, width int, c string) (int, error) {
	c = strings.TrimSpace(c)
	for i, n := range names {
		if n == c {
			return i, nil
		}
	}
	i, err := strconv.Atoi(c)
	switch {
	case err != nil && names == nil:
		return -1, fmt.Errorf("no column %q: the file names no columns (no header); give 0-based column numbers", c)
	case err != nil:
		return -1, fmt.Errorf("no column %q (columns: %s)", c, orderedNames(names))
	case i < 0 || i >= width:
		return -1, fmt.Errorf("column %d: the file has %d columns, 0 to %d", i, width, width-1)
	}
	return i, nil
}

// columnLabel names column i: its name, or its number.
func columnLabel(names []string, i int) string {
	if names != nil {
		return strconv.Quote(names[i])
	}
	return strconv.Itoa(i)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func removeInt(s []int, v int) []int {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// selected reports whether opt chooses columns.
func (opt Options) selected() bool { return len(opt.Columns) > 0 || len(opt.Drop) > 0 }

// LoadTable reads a data file as Load does, with its column names and
// ids: CSV, TSV and JSON lines tables are read as text, choosing the
// columns (opt.Columns, opt.Drop; opt.IDColumn is left out and its values
// kept as IDs) before a field is parsed, so that a text column dropped or
// named as the id is never read as a number; the columns of other formats
// are chosen from the matrix Load reads.
func LoadTable(path string, opt Options) (*Table, error) {
	f := formatOf(path)
	if isText(f) {
		if err := keyless(path, f, opt.Key); err != nil {
			return nil, err
		}
		b, err := readFile(path)
		if err != nil {
			return nil, err
		}
		return ReadTable(b, path, opt)
	}
	m, err := loadArray(path, opt)
	if err != nil {
		return nil, err
	}
	t := &Table{Matrix: m}
	if f == formatParquet || f == formatArrow || isDir(path) {
		if t.Names, err = tableNames(path, opt); err != nil {
			return nil, err
		}
		if opt.IDColumn != "" {
			if t.IDs, err = tableIDs(path, opt, m.Rows); err != nil {
				return nil, err
			}
		}
	}
	if !opt.selected() {
		return t, nil
	}
	pick, err := PickColumns(t.Names, m.Cols, opt.Columns, opt.Drop)
	if err != nil {
		return nil, fail(path, err)
	}
	return t.pick(pick), nil
}

// ReadTable reads a CSV, TSV or JSON lines table from b, as LoadTable
// reads the file name (which chooses the format by its extension:
// .csv, .tsv, .jsonl or .ndjson; any other name, such as "stdin", by the
// content: JSON lines when the first character is { or [, else CSV with
// its delimiter detected). Errors name the file name.
func ReadTable(b []byte, name string, opt Options) (*Table, error) {
	f := formatOf(name)
	if !isText(f) {
		f = sniffText(b)
	}
	if len(b) == 0 {
		return nil, failf(name, "empty file")
	}
	t, err := textTable(b, f, opt)
	if err != nil {
		return nil, fail(name, err)
	}
	return t, nil
}

// ReadAllTable reads r to the end (a standard input) and reads the table
// it holds, as ReadTable.
func ReadAllTable(r io.Reader, name string, opt Options) (*Table, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<40))
	if err != nil {
		return nil, failf(name, "reading: %v", err)
	}
	return ReadTable(b, name, opt)
}

// sniffText tells JSON lines from CSV by the first character that is not
// white space.
func sniffText(b []byte) int {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return formatJSONL
		}
		break
	}
	return formatCSV
}

func isText(f int) bool { return f == formatCSV || f == formatTSV || f == formatJSONL }

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// pick returns the table of columns pick of t.
func (t *Table) pick(pick []int) *Table {
	m := t.Matrix
	out := &Table{Matrix: &Matrix{Rows: m.Rows, Cols: len(pick), Data: make([]float32, m.Rows*len(pick))}, IDs: t.IDs}
	for r := 0; r < m.Rows; r++ {
		row := m.Data[r*m.Cols : (r+1)*m.Cols]
		dst := out.Data[r*len(pick) : (r+1)*len(pick)]
		for k, c := range pick {
			dst[k] = row[c]
		}
	}
	if t.Names != nil {
		for _, c := range pick {
			out.Names = append(out.Names, t.Names[c])
		}
	}
	return out
}

// tableNames are the names of the matrix columns of a Parquet or Arrow
// table (nil for a list column or shards).
func tableNames(path string, opt Options) ([]string, error) {
	if formatOf(path) == formatParquet && !isDir(path) {
		fh, err := os.Open(path)
		if err != nil {
			return nil, fail(path, openErr(err))
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err != nil {
			return nil, fail(path, err)
		}
		names, err := parquetNames(fh, st.Size(), opt.Key, opt.IDColumn)
		if err != nil {
			return nil, fail(path, err)
		}
		return names, nil
	}
	r, err := OpenRows(path, Options{Key: opt.Key, IDColumn: opt.IDColumn})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.names, nil
}

// tableIDs reads the id column of every row of a Parquet or Arrow table.
func tableIDs(path string, opt Options, rows int) ([]string, error) {
	r, err := OpenRows(path, Options{Key: opt.Key, IDColumn: opt.IDColumn})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	all := make([]int, rows)
	for i := range all {
		all[i] = i
	}
	return r.IDs(all)
}

// ColumnNames returns the names of the columns of the file path that a
// load with opt would read before opt.Columns and opt.Drop choose among
// them (without opt.IDColumn): a CSV or TSV header, the first JSON line's
// keys, a Parquet or Arrow table's numeric columns; nil for a file that
// names none. It reads as little as the format allows.
func ColumnNames(path string, opt Options) ([]string, error) {
	f := formatOf(path)
	switch {
	case isText(f):
		b, err := readFile(path)
		if err != nil {
			return nil, err
		}
		return TextColumnNames(b, path, opt)
	case f == formatParquet || f == formatArrow || isDir(path):
		return tableNames(path, Options{Key: opt.Key, IDColumn: opt.IDColumn})
	}
	return nil, nil
}

// TextColumnNames is ColumnNames for a text table held in b, named name.
func TextColumnNames(b []byte, name string, opt Options) ([]string, error) {
	f := formatOf(name)
	if !isText(f) {
		f = sniffText(b)
	}
	var names []string
	if f == formatJSONL {
		j := &jsonRecords{rest: b}
		n, _, err := j.start()
		if err != nil {
			return nil, fail(name, err)
		}
		names = n
	} else {
		rec, err := csvRecord(csvReader(b, f == formatTSV))
		if err != nil {
			return nil, fail(name, err)
		}
		if rec == nil || !isHeader(rec) {
			return nil, nil
		}
		for _, s := range rec {
			names = append(names, strings.TrimSpace(s))
		}
	}
	if opt.IDColumn == "" || names == nil {
		return names, nil
	}
	out := names[:0:0]
	for _, n := range names {
		if n != opt.IDColumn {
			out = append(out, n)
		}
	}
	return out, nil
}

// orderedNames lists names as the file orders them, quoted, at most 20.
func orderedNames(names []string) string {
	q := quoteAll(names[:min(len(names), 20)])
	if len(names) > 20 {
		q = append(q, fmt.Sprintf("and %d more", len(names)-20))
	}
	return strings.Join(q, ", ")
}
