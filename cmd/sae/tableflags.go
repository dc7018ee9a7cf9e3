package main

// The flags of every command that reads a data table (--data), defined in
// one place: which columns (--columns, --drop, --id-column), what a
// missing value does (--nan), and "-" for the standard input. newFlagSet
// binds them to any command with a --data flag; the commands read --data
// through env.loadData and env.openData.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/safefile"
)

// tableFlagNames are the flags bindTableFlags defines, as help groups
// list them.
var tableFlagNames = []string{"columns", "drop", "id-column", "nan"}

// tableFlags are the table flags' values and what reading --data found.
type tableFlags struct {
	fs                      *flag.FlagSet
	columns, drop, idColumn string
	nan                     string
	stdin                   io.Reader
	stdinBytes              []byte
	stdinRead               bool
	medians                 []float32 // --nan median: the medians filled in (training's)
}

// bindTableFlags defines the table flags on fs.
func bindTableFlags(fs *flag.FlagSet, t *tableFlags) {
	t.fs = fs
	fs.StringVar(&t.columns, "columns", "", "read only these `columns` of --data, in this order: names (a CSV/TSV header, JSON lines' keys, a Parquet/Arrow table's columns) or 0-based numbers, comma-separated (default: a model's training columns by name, when it has names and the data too; else all)")
	fs.StringVar(&t.drop, "drop", "", "leave these `columns` of --data out (names or 0-based numbers, comma-separated)")
	fs.StringVar(&t.idColumn, "id-column", "", "the `column` of a table (CSV, TSV, JSON lines by name or number; Parquet, Arrow by name) identifying rows (text or numbers): not read as data; its values head the rows of score's, encode's and reconstruct's CSV output, and inspect and report show them beside the top rows")
	fs.StringVar(&t.nan, "nan", "error", "missing values (an empty field, NA, N/A, NaN, null, ?; NaN in .npy/.npz/.safetensors): `policy` error (refused, naming file, line and column), drop (the row is left out, and stderr says how many) or median (filled with the training data's column median, which sae train stores in the model and later commands use)")
}

// stdinKey carries a reader standing for the standard input in ctx (tests).
type stdinKey struct{}

// withStdin returns ctx whose commands read r for "-".
func withStdin(ctx context.Context, r io.Reader) context.Context {
	return context.WithValue(ctx, stdinKey{}, r)
}

// pairedFlags are the flags of files whose rows pair with --data's: --nan
// drop would leave them unpaired.
var pairedFlags = []string{"labels", "target", "clean", "val-labels", "val-target", "test-labels"}

// check refuses a bad --nan and --nan drop beside a file paired with
// --data's rows.
func (t *tableFlags) check() error {
	switch t.nan {
	case "error", "median":
	case "drop":
		for _, f := range pairedFlags {
			if fl := t.fs.Lookup(f); fl != nil && fl.Value.String() != "" {
				return usagef("--nan drop leaves rows of --data out, and --%s would no longer pair with its rows: use --nan median, or remove the rows from both files", f)
			}
		}
	default:
		return usagef("--nan %q: want error, drop or median", t.nan)
	}
	return nil
}

// options are the data.Options of --data (key: --key's value).
func (t *tableFlags) options(key string) data.Options {
	return data.Options{Key: key, IDColumn: t.idColumn, Columns: splitList(t.columns), Drop: splitList(t.drop), Missing: t.nan != "error"}
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// names returns the column names of path (nil when it names none).
func (t *tableFlags) names(path string, opt data.Options) ([]string, error) {
	if path == "-" {
		b, err := t.stdinData()
		if err != nil {
			return nil, err
		}
		return data.TextColumnNames(b, "stdin", opt)
	}
	return data.ColumnNames(path, opt)
}

// stdinData reads the standard input once.
func (t *tableFlags) stdinData() ([]byte, error) {
	if !t.stdinRead {
		r := t.stdin
		if r == nil {
			r = os.Stdin
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("stdin: %v", err)
		}
		t.stdinBytes, t.stdinRead = b, true
	}
	return t.stdinBytes, nil
}

// modelColumns sets opt.Columns to the columns m was trained on when
// neither --columns nor --drop is given and both m and path name their
// columns; a column of m's missing from path is an error naming it.
func (t *tableFlags) modelColumns(path string, opt *data.Options, m *sae.Model) error {
	if m == nil || m.Columns == nil || len(opt.Columns) > 0 || len(opt.Drop) > 0 {
		return nil
	}
	names, err := t.names(path, *opt)
	if err != nil || names == nil {
		return err
	}
	for _, c := range m.Columns {
		if !slices.Contains(names, c) {
			return fmt.Errorf("%s: no column %q, which the model was trained on (its columns: %s; --columns chooses others)", displayPath(path), c, strings.Join(m.Columns, ", "))
		}
	}
	opt.Columns = m.Columns
	return nil
}

func displayPath(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// loadData reads the data file path (- the standard input) with the
// table flags, for the model m (nil: sae train's data): m's columns by
// name, missing values as --nan says (m's medians for median).
func (e *env) loadData(path, key string, m *sae.Model) (*data.Table, error) {
	t := e.table
	if path == "" {
		return nil, usagef("--data is required")
	}
	if err := notModelDir(path); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	opt := t.options(key)
	if err := t.modelColumns(path, &opt, m); err != nil {
		return nil, err
	}
	var tab *data.Table
	var err error
	if path == "-" {
		var b []byte
		if b, err = t.stdinData(); err == nil {
			tab, err = data.ReadTable(b, "stdin", opt)
		}
	} else {
		tab, err = data.LoadTable(path, opt)
	}
	if errors.Is(err, data.ErrMissing) {
		return nil, fmt.Errorf("%w (--nan drop or --nan median reads missing values)", err)
	}
	if err != nil {
		return nil, err
	}
	return tab, e.missing(path, tab, m)
}

// missing applies --nan drop or median to tab, read from path.
func (e *env) missing(path string, tab *data.Table, m *sae.Model) error {
	t := e.table
	switch t.nan {
	case "drop":
		n := tab.Rows
		kept := data.DropMissing(tab)
		if len(kept) == 0 {
			return fmt.Errorf("%s: every one of the %d rows has a missing value (--nan drop)", displayPath(path), n)
		}
		if len(kept) < n {
			fmt.Fprintf(e.stderr, "sae: note: %s: dropped %d of %d rows with missing values (--nan drop); the output has one row per row kept\n", displayPath(path), n-len(kept), n)
		}
	case "median":
		fill, from := t.medians, "the training data's medians"
		if fill == nil && m != nil && m.Fill != nil {
			fill, from = m.Fill, "the medians the model was trained with"
		}
		if fill == nil {
			var err error
			if fill, err = data.Medians(tab.Matrix, tab.Names); err != nil {
				return fmt.Errorf("%s: %v", displayPath(path), err)
			}
			if m != nil {
				from = "this data's own medians (the model stores none: it was trained without --nan median)"
			} else {
				t.medians = fill
			}
		}
		if len(fill) != tab.Cols {
			return fmt.Errorf("%s: %d columns, the model's medians are of %d", displayPath(path), tab.Cols, len(fill))
		}
		if n := data.FillMissing(tab.Matrix, fill); n > 0 {
			fmt.Fprintf(e.stderr, "sae: note: %s: filled %d missing values with %s (--nan median)\n", displayPath(path), n, from)
		}
	}
	return nil
}

// openData opens --data as sae train and the streaming commands read it:
// from disk a batch at a time when mode and the format allow (openSource),
// else loaded with loadData. names are the columns' (nil: unnamed).
func (e *env) openData(path, key, mode string, m *sae.Model) (src sae.Source, names []string, close func(), err error) {
	t := e.table
	if path == "-" || t.nan != "error" {
		if mode == "on" {
			return nil, nil, nil, usagef("--stream on reads a file from disk: not the standard input, nor with --nan %s", t.nan)
		}
		mode = "off"
	}
	if err := t.check(); err != nil {
		return nil, nil, nil, err
	}
	opt := t.options(key)
	if path != "-" {
		if err := t.modelColumns(path, &opt, m); err != nil {
			return nil, nil, nil, err
		}
		src, names, close, err = openSource(path, opt, mode)
		if err != nil || src != nil {
			return src, names, close, err
		}
	}
	tab, err := e.loadData(path, key, m)
	if err != nil {
		return nil, nil, nil, err
	}
	return *tab.Matrix, tab.Names, func() {}, nil
}

// writeMatrix writes m to out as Write does, a CSV with header (nil:
// none), or as CSV to the standard output for "-".
//
// ids (one per row, from --id-column; nil: none) become the CSV's first
// column, headed by the id column's name; a .npy has no room for them.
func (e *env) writeMatrix(out string, m *data.Matrix, header, ids []string) error {
	if ids != nil && header == nil {
		header = make([]string, m.Cols)
		for i := range header {
			header[i] = strconv.Itoa(i)
		}
	}
	encode := func(w io.Writer) error { return data.EncodeCSVIDs(w, m, header, e.table.idColumn, ids) }
	switch {
	case out == "-":
		var b bytes.Buffer
		if err := encode(&b); err != nil {
			return err
		}
		_, err := e.stdout.Write(b.Bytes())
		return err
	case hasSuffixFold(out, ".csv"):
		if err := safefile.Write(out, encode); err != nil {
			return fmt.Errorf("%s: %v", out, err)
		}
		return nil
	}
	return data.Write(out, m)
}
