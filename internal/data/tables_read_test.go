package data

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"

	"github.com/sae-go/sae/internal/tabletest"
)

// Every table layout reads back as the matrix written, by Load and row by
// row, with the ids carried through.
func TestTablesReadBack(t *testing.T) {
	dir := t.TempDir()
	tm, ids := tabletest.Table(23, 5, 1)
	m := (*Matrix)(tm)
	write := func(name string, b []byte) string { return fuzzFile(t, dir, name, b) }
	rep := make([]tabletest.RepeatedRow, m.Rows)
	for i := range rep {
		for _, v := range m.Row(i) {
			rep[i].Emb = append(rep[i].Emb, float64(v))
		}
	}
	ds, shards := filepath.Join(dir, "ds"), filepath.Join(dir, "shards")
	tabletest.WriteDataset(t, ds, tm, ids, 2, 5)
	tabletest.WriteShards(t, shards, tm, 6)
	cases := []struct {
		path string
		ids  bool
	}{
		{write("emb.parquet", tabletest.ParquetList(t, tm, ids, 9)), true},
		{write("snappy.parquet", tabletest.ParquetList(t, tm, ids, 9, parquet.Compression(&parquet.Snappy))), true},
		{write("rep.parquet", tabletest.ParquetBytes(t, rep, 4)), false},
		{write("list.arrows", tabletest.ArrowBytes(t, tm, ids, tabletest.ArrowSpec{List: "list"})), true},
		{write("large.arrow", tabletest.ArrowBytes(t, tm, ids, tabletest.ArrowSpec{List: "large_list", File: true, Batch: 23})), true},
		{write("fixed.arrow", tabletest.ArrowBytes(t, tm, nil, tabletest.ArrowSpec{List: "fixed", File: true})), false},
		{write("f64.arrow", tabletest.ArrowBytes(t, tm, nil, tabletest.ArrowSpec{List: "list", Elem: arrow.PrimitiveTypes.Float64, Batch: 4})), false},
		{write("cols.arrow", tabletest.ArrowBytes(t, tm, ids, tabletest.ArrowSpec{})), true},
		{ds, true},
		{shards, false},
	}
	want := []int{22, 0, 7, 8, 9, 10}
	for _, c := range cases {
		opt := Options{}
		if c.ids {
			opt.IDColumn = "text"
		}
		got, err := Load(c.path, opt)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if got.Rows != m.Rows || got.Cols != m.Cols || !slices.Equal(got.Data, m.Data) {
			t.Fatalf("%s: read %dx%d, not the matrix written", c.path, got.Rows, got.Cols)
		}
		checkRowsLikeLoadOpt(t, c.path, opt)
		if !c.ids {
			continue
		}
		r, err := OpenRows(c.path, opt)
		if err != nil {
			t.Fatal(err)
		}
		got2, err := r.IDs(want)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		for k, row := range want {
			if got2[k] != ids[row] {
				t.Fatalf("%s: id of row %d is %q, want %q", c.path, row, got2[k], ids[row])
			}
		}
	}
}

// Numeric columns: every one but the id column by default, or those the
// key names, in its order.
func TestTableColumns(t *testing.T) {
	dir := t.TempDir()
	rows := []tabletest.ColumnsRow{{ID: 7, A: 1.5, B: -2, C: 3}, {ID: 8, A: 4, B: 5, C: -6.25}}
	p := fuzzFile(t, dir, "cols.parquet", tabletest.ParquetBytes(t, rows, 1))
	for _, c := range []struct {
		opt  Options
		cols int
		want []float32
	}{
		{Options{}, 4, []float32{7, 1.5, -2, 3, 8, 4, 5, -6.25}},
		{Options{IDColumn: "id"}, 3, []float32{1.5, -2, 3, 4, 5, -6.25}},
		{Options{Key: "c,a"}, 2, []float32{3, 1.5, -6.25, 4}},
	} {
		m, err := Load(p, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if m.Cols != c.cols || !slices.Equal(m.Data, c.want) {
			t.Fatalf("%+v: got %dx%d %v, want %v", c.opt, m.Rows, m.Cols, m.Data, c.want)
		}
		checkRowsLikeLoadOpt(t, p, c.opt)
	}
	r, err := OpenRows(p, Options{IDColumn: "id"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ids, err := r.IDs([]int{1, 0}); err != nil || !slices.Equal(ids, []string{"8", "7"}) {
		t.Fatalf("ids %q, %v", ids, err)
	}
}

// Malformed and unreadable tables are refused with an error naming the
// file and what is wrong.
func TestTableErrors(t *testing.T) {
	dir := t.TempDir()
	tm, ids := tabletest.Table(9, 4, 3)
	m := (*Matrix)(tm)
	write := func(name string, b []byte) string { return fuzzFile(t, dir, name, b) }
	ragged := []tabletest.ListRow{{Emb: []float32{1, 2}}, {Emb: []float32{3}}}
	nan := m.Row(4)[2]
	m.Row(4)[2] = float32(math.NaN())
	nanArrow := write("nan.arrow", tabletest.ArrowBytes(t, tm, nil, tabletest.ArrowSpec{List: "list"}))
	nanParquet := write("nan.parquet", tabletest.ParquetList(t, tm, ids, 9))
	m.Row(4)[2] = nan
	good := tabletest.ArrowBytes(t, tm, ids, tabletest.ArrowSpec{List: "list"})
	badShards := filepath.Join(dir, "badshards")
	tabletest.WriteShards(t, badShards, tm, 5)
	WriteSafetensors(filepath.Join(badShards, "chunk-2.safetensors"), map[string]Tensor{"x": {Shape: []int{1, 3}, Data: []float32{1, 2, 3}}}, nil)
	escape := filepath.Join(dir, "escape")
	tabletest.WriteDataset(t, escape, tm, nil, 1, 5)
	os.WriteFile(filepath.Join(escape, "state.json"), []byte(`{"_data_files":[{"filename":"../nan.arrow"}]}`), 0o644)
	for _, c := range []struct {
		path string
		opt  Options
		want string
	}{
		{write("ragged.parquet", tabletest.ParquetBytes(t, ragged, 5)), Options{}, "row 2: 1 values in column \"emb\", earlier rows have 2"},
		{nanParquet, Options{}, "row 5 column 3: NaN"},
		{nanArrow, Options{}, "row 5 column 3: NaN"},
		{write("good.arrow", good), Options{Key: "vec"}, `no column "vec" (columns: emb, text)`},
		{write("good2.arrow", good), Options{IDColumn: "nope"}, `no column "nope"`},
		{write("good3.arrow", good), Options{Key: "text"}, `column "text" holds neither numbers nor lists of numbers`},
		{write("zstd.arrow", tabletest.ArrowBytes(t, tm, nil, tabletest.ArrowSpec{List: "list", Compress: true})), Options{}, "compressed record batches are not supported"},
		{write("cut.arrow", good[:len(good)/2]), Options{}, "body of"},
		{write("notarrow.arrow", []byte("hello, this is text")), Options{}, "metadata of"},
		{write("notparquet.parquet", []byte("PAR1 not really")), Options{}, "not a Parquet file"},
		{badShards, Options{}, "chunk-2.safetensors: rows of 3 values, chunk-0.safetensors has 4"},
		{escape, Options{}, `data file "../nan.arrow" is not a name inside the directory`},
		{t.TempDir(), Options{}, "neither a datasets cache"},
		{write("x.npy", npyRaw(npyDict("<f4", "False", "(1, 2)"), f32le(1, 2))), Options{IDColumn: "id"}, "an id column is read from tables only (CSV, TSV, JSON lines, Parquet, Arrow)"},
	} {
		_, lerr := Load(c.path, c.opt)
		r, oerr := OpenRows(c.path, c.opt)
		if oerr == nil {
			n, d := r.Dims()
			oerr = r.ReadRows(make([]float32, n*d), seq(n))
			r.Close()
		}
		for _, err := range []error{lerr, oerr} {
			if err == nil {
				t.Fatalf("%s: no error, want %q", c.path, c.want)
			}
			checkFuzzErr(t, err, c.path)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %q, want %q", c.path, err, c.want)
			}
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// fuzzTable loads b saved as name both ways, with the id column "text"
// when the table may have one, and reads every id.
func fuzzTable(t *testing.T, dir, name string, b []byte) {
	fuzzLoad(t, dir, name, b, Options{})
	path := filepath.Join(dir, name)
	checkRowsLikeLoadOpt(t, path, Options{})
	r, err := OpenRows(path, Options{IDColumn: "text"})
	if err != nil {
		checkFuzzErr(t, err, path)
		return
	}
	defer r.Close()
	n, _ := r.Dims()
	if _, err := r.IDs(seq(min(n, 1000))); err != nil {
		checkFuzzErr(t, err, path)
	}
}

func FuzzLoadParquet(f *testing.F) {
	tm, ids := tabletest.Table(6, 3, 5)
	f.Add(tabletest.ParquetList(f, tm, ids, 9))
	f.Add(tabletest.ParquetList(f, tm, ids, 9, parquet.Compression(&parquet.Snappy)))
	f.Add(tabletest.ParquetBytes(f, []tabletest.ColumnsRow{{ID: 1, A: 2, B: 3, C: 4}}, 1))
	f.Add(tabletest.ParquetBytes(f, []tabletest.RepeatedRow{{Emb: []float64{1, 2}}, {Emb: []float64{3}}}, 1))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) { fuzzTable(t, dir, "x.parquet", b) })
}

func FuzzLoadArrow(f *testing.F) {
	tm, ids := tabletest.Table(6, 3, 5)
	for _, s := range []tabletest.ArrowSpec{
		{List: "list", Batch: 4}, {List: "large_list", File: true}, {List: "fixed", Batch: 2},
		{File: true}, {List: "list", Compress: true},
	} {
		f.Add(tabletest.ArrowBytes(f, tm, ids, s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) { fuzzTable(t, dir, "x.arrow", b) })
}

// FuzzLoadShards reads a directory of a good shard and a fuzzed one.
func FuzzLoadShards(f *testing.F) {
	tm, _ := tabletest.Table(6, 3, 5)
	seeds := f.TempDir()
	tabletest.WriteShards(f, seeds, tm, 4)
	for _, name := range []string{"chunk-1.safetensors", "chunk-0.safetensors"} {
		b, err := os.ReadFile(filepath.Join(seeds, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(stFile(`{"activations":{"dtype":"F64","shape":[1,3],"data_offsets":[0,24]}}`, f64le(1, 2, 3)))
	dir := filepath.Join(f.TempDir(), "shards")
	os.Mkdir(dir, 0o755)
	first, _ := os.ReadFile(filepath.Join(seeds, "chunk-0.safetensors"))
	os.WriteFile(filepath.Join(dir, "chunk-0.safetensors"), first, 0o644)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzFile(t, dir, "chunk-1.safetensors", b)
		m, err := Load(dir, Options{})
		if err != nil {
			checkFuzzErr(t, err, dir)
		} else if m.Rows < 4 || m.Cols != 3 {
			t.Fatalf("%dx%d", m.Rows, m.Cols)
		}
		checkRowsLikeLoadOpt(t, dir, Options{})
	})
}
