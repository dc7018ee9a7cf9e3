package data

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/tabletest"
)

// Columns, Drop and IDColumn choose a text table's columns before any field
// is parsed (a text column dropped or named as the id is never read as a
// number), by header name or 0-based number, and the names follow.
func TestLoadTableColumns(t *testing.T) {
	csv := writeTemp(t, "x.csv", []byte("id,a,species,b\nr1,1,setosa,2\nr2,3,virginica,4\n"))
	cases := []struct {
		name  string
		opt   Options
		names []string
		want  []float32
		ids   []string
	}{
		{"names", Options{Columns: []string{"b", "a"}}, []string{"b", "a"}, []float32{2, 1, 4, 3}, nil},
		{"numbers", Options{Columns: []string{"3", "1"}}, []string{"b", "a"}, []float32{2, 1, 4, 3}, nil},
		{"drop and id", Options{Drop: []string{"species"}, IDColumn: "id"}, []string{"a", "b"}, []float32{1, 2, 3, 4}, []string{"r1", "r2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := LoadTable(csv, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkMatrixEq(t, tab.Matrix, 2, 2, c.want)
			if !slices.Equal(tab.Names, c.names) || !slices.Equal(tab.IDs, c.ids) {
				t.Errorf("names %q ids %q, want %q %q", tab.Names, tab.IDs, c.names, c.ids)
			}
		})
	}
	for _, c := range []struct {
		opt    Options
		phrase string
	}{
		{Options{}, `line 2 column 1: "r1" is not a number`},
		{Options{Columns: []string{"a", "nope"}}, `no column "nope" (columns: "id", "a", "species", "b")`},
		{Options{Columns: []string{"7"}}, "column 7: the file has 4 columns, 0 to 3"},
		{Options{Columns: []string{"a", "1"}}, `column "a" chosen twice`},
		{Options{Columns: []string{"a"}, Drop: []string{"a"}}, "no columns left"},
		{Options{Drop: []string{"id"}, IDColumn: "x"}, `id column: no column "x"`},
		{Options{Columns: []string{"a", "id"}, IDColumn: "id"}, `column "id" is the id column and a data column`},
	} {
		_, err := LoadTable(csv, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.phrase) || !strings.HasPrefix(err.Error(), csv+": ") {
			t.Errorf("%+v: error %v, want %q", c.opt, err, c.phrase)
		}
	}
	headless := writeTemp(t, "h.csv", []byte("1,2,3\n4,5,6\n"))
	if _, err := Load(headless, Options{Columns: []string{"a"}}); err == nil || !strings.Contains(err.Error(), "no header") {
		t.Errorf("a name in a headerless CSV: %v", err)
	}
	m, err := Load(headless, Options{Drop: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 2, []float32{1, 3, 4, 6})
}

// The columns of every other format are chosen by number, a Parquet
// table's by name too, and row by row as in memory.
func TestColumnsOfArraysAndTables(t *testing.T) {
	npy := writeTemp(t, "x.npy", npyRaw(npyDict("<f4", "False", "(2, 3)"), f32le(1, 2, 3, 4, 5, 6)))
	m, err := Load(npy, Options{Columns: []string{"2", "0"}})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 2, []float32{3, 1, 6, 4})
	r, err := OpenRows(npy, Options{Drop: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, c := r.Dims(); c != 2 {
		t.Fatalf("Dims: %d columns, want 2", c)
	}
	dst := make([]float32, 4)
	if err := r.ReadRows(dst, []int{1, 0}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst, []float32{4, 6, 1, 3}) {
		t.Errorf("ReadRows with a column dropped: %v", dst)
	}
	pq := writeTemp(t, "c.parquet", tabletest.ParquetBytes(t, []tabletest.ColumnsRow{{ID: 1, A: 2, B: 3, C: 4}, {ID: 2, A: 5, B: 6, C: 7}}, 1))
	tab, err := LoadTable(pq, Options{IDColumn: "id", Drop: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, tab.Matrix, 2, 2, []float32{2, 4, 5, 7})
	if !slices.Equal(tab.Names, []string{"a", "c"}) || !slices.Equal(tab.IDs, []string{"1", "2"}) {
		t.Errorf("Parquet names %q ids %q", tab.Names, tab.IDs)
	}
	rr, err := OpenRows(pq, Options{IDColumn: "id", Columns: []string{"c", "a"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	if !slices.Equal(rr.Names(), []string{"c", "a"}) {
		t.Errorf("Rows.Names %q", rr.Names())
	}
}

// TSV by its extension, JSON lines of objects (any key order, absent keys
// and null missing) and of arrays, each with errors naming line and key.
func TestTSVAndJSONLines(t *testing.T) {
	tsv := writeTemp(t, "x.tsv", []byte("a b\tc\n1\t2\n3\t4\n"))
	tab, err := LoadTable(tsv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, tab.Matrix, 2, 2, []float32{1, 2, 3, 4})
	if !slices.Equal(tab.Names, []string{"a b", "c"}) {
		t.Errorf("TSV names %q", tab.Names)
	}
	jl := writeTemp(t, "x.jsonl", []byte(`{"b": 1, "a": 2}`+"\n\n"+`{"a": 4, "b": 3}`+"\n"+`{"a": null}`+"\n"))
	tab, err = LoadTable(jl, Options{Missing: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Names, []string{"b", "a"}) || tab.Rows != 3 || tab.Data[3] != 4 || !math.IsNaN(float64(tab.Data[4])) {
		t.Errorf("JSON lines: names %q, %v", tab.Names, tab.Data)
	}
	_, err = LoadTable(jl, Options{})
	if err == nil || !strings.Contains(err.Error(), `line 4 key "b": empty field`) || !errors.Is(err, ErrMissing) {
		t.Errorf("a missing key without Missing: %v", err)
	}
	arr := writeTemp(t, "x.ndjson", []byte("[1, 2]\n[3, 4.5]\n"))
	m, err := Load(arr, Options{Columns: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 1, []float32{2, 4.5})
	runMalformed(t, []malformed{
		{"x.jsonl", []byte(`{"a": 1}` + "\n" + `{"z": 2}`), `line 2: key "z" is not among the first line's keys ("a")`},
		{"x.jsonl", []byte(`{"a": 1}` + "\n" + `{"a": "x"}`), `line 2 key "a": "x" is not a number`},
		{"x.jsonl", []byte(`{"a": true}`), `key "a": a boolean is not a number`},
		{"x.jsonl", []byte("[1, 2]\n[3]\n"), "line 2 has 1 fields, expected 2"},
		{"x.jsonl", []byte("[1, 2] [3, 4]\n"), "line 1: more than one JSON value"},
		{"x.jsonl", []byte("{\"a\": 1\n"), "line 1: not JSON"},
		{"x.jsonl", []byte("7\n"), "line 1: want a JSON object"},
	})
	b := []byte("a,b\n1,2\n")
	if tab, err := ReadTable(b, "stdin", Options{}); err != nil || tab.Names[1] != "b" {
		t.Errorf("ReadTable of CSV from stdin: %v", err)
	}
	if tab, err := ReadTable([]byte(" [1,2]\n"), "stdin", Options{}); err != nil || tab.Cols != 2 {
		t.Errorf("ReadTable of JSON lines from stdin: %v", err)
	}
}

// Missing values: refused with their line and column (ErrMissing), or
// read as NaN; ±Inf is refused either way.
func TestMissingValues(t *testing.T) {
	csv := writeTemp(t, "x.csv", []byte("a,b,c\n1,,3\nNA,5,?\n7,null,N/A\n"))
	_, err := Load(csv, Options{})
	if err == nil || !strings.Contains(err.Error(), "x.csv: line 2 column 2: empty field") || !errors.Is(err, ErrMissing) {
		t.Fatalf("without Missing: %v", err)
	}
	m, err := Load(csv, Options{Missing: true})
	if err != nil {
		t.Fatal(err)
	}
	nans := 0
	for _, v := range m.Data {
		if v != v {
			nans++
		}
	}
	if nans != 5 || m.Data[0] != 1 || m.Data[6] != 7 {
		t.Errorf("%d NaN in %v, want 5", nans, m.Data)
	}
	inf := writeTemp(t, "i.csv", []byte("1,inf\n"))
	if _, err := Load(inf, Options{Missing: true}); err == nil || errors.Is(err, ErrMissing) {
		t.Errorf("Inf with Missing: %v", err)
	}
	npy := writeTemp(t, "x.npy", npyRaw(npyDict("<f4", "False", "(1, 2)"), f32le(1, float32(math.NaN()))))
	if _, err := Load(npy, Options{}); err == nil || !strings.Contains(err.Error(), "row 1 column 2: NaN") {
		t.Errorf(".npy NaN without Missing: %v", err)
	}
	if m, err := Load(npy, Options{Missing: true}); err != nil || m.Data[1] == m.Data[1] {
		t.Errorf(".npy NaN with Missing: %v", err)
	}
}

// Ids lead each CSV row, quoted where CSV needs it, and read back as the
// id column.
func TestEncodeCSVIDs(t *testing.T) {
	m := &Matrix{Rows: 3, Cols: 2, Data: []float32{1, 2, 3, 4, 5, 6}}
	ids := []string{`a,b`, `say "hi"`, ` lead`}
	var b strings.Builder
	if err := EncodeCSVIDs(&b, m, []string{"x", "y"}, "name", ids); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadTable([]byte(b.String()), "out.csv", Options{IDColumn: "name"})
	if err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	checkMatrixEq(t, tab.Matrix, 3, 2, m.Data)
	if !slices.Equal(tab.IDs, []string{"a,b", `say "hi"`, "lead"}) || !slices.Equal(tab.Names, []string{"x", "y"}) {
		t.Errorf("read back ids %q names %q from:\n%s", tab.IDs, tab.Names, b.String())
	}
}
