// Package tabletest writes the table files sae reads, for tests only (no
// command imports it): Parquet with parquet-go's writer, Arrow IPC with the
// Apache Arrow Go library's (github.com/apache/arrow-go: sae reads Arrow
// itself, so the files come from an independent implementation),
// Hugging Face datasets caches of Arrow stream files, and directories of
// safetensors shards.
package tabletest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	arrowarray "github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// Fataler stops a test (testing.TB) or a program on an error.
type Fataler interface{ Fatal(args ...any) }

// Matrix is a dense row-major float32 matrix.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// Row returns row i.
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Table is a random matrix with a text id per row.
func Table(rows, cols int, seed uint64) (*Matrix, []string) {
	rng := rand.New(rand.NewPCG(seed, 2))
	m := &Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	ids := make([]string, rows)
	for i := range ids {
		ids[i] = fmt.Sprintf("text %d: «%x»", i, rng.Uint32())
	}
	return m, ids
}

// ArrowSpec says how ArrowBytes lays a matrix out.
type ArrowSpec struct {
	List     string         // "list", "large_list", "fixed", or "" for one column per matrix column
	Elem     arrow.DataType // element type (default float32)
	Batch    int            // rows per record batch (default 7)
	File     bool           // the IPC file format rather than the stream format
	Compress bool           // zstd-compressed bodies
}

func (s ArrowSpec) elemType() arrow.DataType {
	if s.Elem == nil {
		return arrow.PrimitiveTypes.Float32
	}
	return s.Elem
}

// appendValue appends v to a builder of the spec's element type.
func appendValue(b arrowarray.Builder, v float32) {
	switch b := b.(type) {
	case *arrowarray.Float32Builder:
		b.Append(v)
	case *arrowarray.Float64Builder:
		b.Append(float64(v))
	case *arrowarray.Float16Builder:
		b.Append(float16.New(v))
	case *arrowarray.Int16Builder:
		b.Append(int16(v))
	case *arrowarray.Uint8Builder:
		b.Append(uint8(v))
	default:
		panic(fmt.Sprintf("appendValue: %T", b))
	}
}

// ArrowBytes writes the rows of m (and ids, when not nil, as a first
// "text" column) as Arrow IPC.
func ArrowBytes(t Fataler, m *Matrix, ids []string, spec ArrowSpec) []byte {
	mem := memory.NewGoAllocator()
	var fields []arrow.Field
	if ids != nil {
		fields = append(fields, arrow.Field{Name: "text", Type: arrow.BinaryTypes.String})
	}
	switch spec.List {
	case "list":
		fields = append(fields, arrow.Field{Name: "emb", Type: arrow.ListOf(spec.elemType())})
	case "large_list":
		fields = append(fields, arrow.Field{Name: "emb", Type: arrow.LargeListOf(spec.elemType())})
	case "fixed":
		fields = append(fields, arrow.Field{Name: "emb", Type: arrow.FixedSizeListOf(int32(m.Cols), spec.elemType())})
	default:
		for c := range m.Cols {
			fields = append(fields, arrow.Field{Name: fmt.Sprintf("f%d", c), Type: spec.elemType()})
		}
	}
	schema := arrow.NewSchema(fields, nil)
	var buf bytes.Buffer
	opts := []ipc.Option{ipc.WithSchema(schema), ipc.WithAllocator(mem)}
	if spec.Compress {
		opts = append(opts, ipc.WithZstd())
	}
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if spec.File {
		fw, err := ipc.NewFileWriter(&buf, opts...)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	} else {
		w = ipc.NewWriter(&buf, opts...)
	}
	batch := spec.Batch
	if batch == 0 {
		batch = 7
	}
	for lo := 0; lo < m.Rows; lo += batch {
		hi := min(m.Rows, lo+batch)
		b := arrowarray.NewRecordBuilder(mem, schema)
		for r := lo; r < hi; r++ {
			k := 0
			if ids != nil {
				b.Field(0).(*arrowarray.StringBuilder).Append(ids[r])
				k = 1
			}
			row := m.Row(r)
			switch lb := b.Field(k).(type) {
			case arrowarray.ListLikeBuilder:
				lb.Append(true)
				for _, v := range row {
					appendValue(lb.ValueBuilder(), v)
				}
			default:
				for c, v := range row {
					appendValue(b.Field(k+c), v)
				}
			}
		}
		rec := b.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WriteDataset writes m as a datasets cache: state.json and nfiles Arrow
// stream files of record batches of batch rows (the datasets library
// writes 1000).
func WriteDataset(t Fataler, dir string, m *Matrix, ids []string, nfiles, batch int) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	type file struct {
		Filename string `json:"filename"`
	}
	state := struct {
		DataFiles   []file `json:"_data_files"`
		Fingerprint string `json:"_fingerprint"`
	}{Fingerprint: "test"}
	per := (m.Rows + nfiles - 1) / nfiles
	for i := range nfiles {
		lo, hi := i*per, min(m.Rows, (i+1)*per)
		sub := &Matrix{Rows: hi - lo, Cols: m.Cols, Data: m.Data[lo*m.Cols : hi*m.Cols]}
		var sid []string
		if ids != nil {
			sid = ids[lo:hi]
		}
		name := fmt.Sprintf("data-%05d-of-%05d.arrow", i, nfiles)
		state.DataFiles = append(state.DataFiles, file{name})
		if err := os.WriteFile(filepath.Join(dir, name), ArrowBytes(t, sub, sid, ArrowSpec{List: "list", Batch: batch}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.MarshalIndent(state, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "state.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteShards writes m as chunk-N.safetensors files of per rows each, the
// tensor "activations" in F32.
func WriteShards(t Fataler, dir string, m *Matrix, per int) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, lo := 0, 0; lo < m.Rows; i, lo = i+1, lo+per {
		hi := min(m.Rows, lo+per)
		WriteSafetensors(t, filepath.Join(dir, fmt.Sprintf("chunk-%d.safetensors", i)), "activations", []int{hi - lo, m.Cols}, m.Data[lo*m.Cols:hi*m.Cols])
	}
}

// WriteSafetensors writes one F32 tensor as a safetensors file.
func WriteSafetensors(t Fataler, path, name string, shape []int, data []float32) {
	sh, _ := json.Marshal(shape)
	h := fmt.Sprintf(`{%q:{"dtype":"F32","shape":%s,"data_offsets":[0,%d]}}`, name, sh, 4*len(data))
	for len(h)%8 != 0 {
		h += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	b = append(b, h...)
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Parquet rows of the fixtures.
type ListRow struct {
	Text string    `parquet:"text"`
	Emb  []float32 `parquet:"emb,list"`
}

type RepeatedRow struct {
	Emb []float64 `parquet:"emb"` // a repeated leaf: the legacy list layout
}

type ColumnsRow struct {
	ID int64   `parquet:"id"`
	A  float32 `parquet:"a"`
	B  int32   `parquet:"b"`
	C  float64 `parquet:"c"`
}

// ParquetBytes writes rows with parquet-go, rowGroup rows per row group.
func ParquetBytes[T any](t Fataler, rows []T, rowGroup int64, opts ...parquet.WriterOption) []byte {
	var buf bytes.Buffer
	opts = append(opts, parquet.MaxRowsPerRowGroup(rowGroup), parquet.PageBufferSize(256))
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ParquetList is m with ids as a Parquet file with a LIST column, in row
// groups of rowGroup rows.
func ParquetList(t Fataler, m *Matrix, ids []string, rowGroup int64, opts ...parquet.WriterOption) []byte {
	rows := make([]ListRow, m.Rows)
	for i := range rows {
		rows[i] = ListRow{Text: ids[i], Emb: m.Row(i)}
	}
	return ParquetBytes(t, rows, rowGroup, opts...)
}
