package data

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// stFile builds a safetensors file from a header and a data buffer.
func stFile(header string, buf []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, buf...)
}

func TestSafetensorsRoundTrip(t *testing.T) {
	tensors := map[string]Tensor{
		"W_enc":  {Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 4, 5, float32(math.SmallestNonzeroFloat32)}},
		"b_enc":  {Shape: []int{3}, Data: []float32{0.1, 0.2, 0.3}},
		"scalar": {Shape: []int{}, Data: []float32{7}},
		"empty":  {Shape: []int{0, 4}, Data: nil},
		"a\"b":   {Shape: []int{1, 1, 2}, Data: []float32{8, 9}},
	}
	meta := map[string]string{"format": "pt", "version": "1"}
	path := writeTemp(t, "m.safetensors", nil)
	if err := WriteSafetensors(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	got, gotMeta, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("metadata %v, want %v", gotMeta, meta)
	}
	if len(got) != len(tensors) {
		t.Fatalf("%d tensors, want %d", len(got), len(tensors))
	}
	for name, want := range tensors {
		g := got[name]
		if !reflect.DeepEqual(g.Shape, want.Shape) || len(g.Data) != len(want.Data) {
			t.Fatalf("%s: shape %v with %d values, want %v with %d", name, g.Shape, len(g.Data), want.Shape, len(want.Data))
		}
		for i := range want.Data {
			if g.Data[i] != want.Data[i] {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.Data[i], want.Data[i])
			}
		}
	}
	// Deterministic bytes, header padded to 8 with spaces, keys sorted.
	if err := WriteSafetensors(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if !bytes.Equal(first, second) {
		t.Error("two writes of the same tensors differ")
	}
	n := binary.LittleEndian.Uint64(first)
	header := string(first[8 : 8+n])
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	wantHeader := `{"__metadata__":{"format":"pt","version":"1"},"W_enc":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a\"b":{"dtype":"F32","shape":[1,1,2],"data_offsets":[24,32]},"b_enc":{"dtype":"F32","shape":[3],"data_offsets":[32,44]},"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[44,44]},"scalar":{"dtype":"F32","shape":[],"data_offsets":[44,48]}}`
	if strings.TrimRight(header, " ") != wantHeader {
		t.Errorf("header\n%s\nwant\n%s", header, wantHeader)
	}
	// Load reads one tensor as a matrix.
	m, err := Load(path, Options{Key: "W_enc"})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 3, tensors["W_enc"].Data)
	m, err = Load(path, Options{Key: "a\"b"})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 1, 2, []float32{8, 9})
	_, err = Load(path, Options{})
	checkErr(t, err, path, `5 tensors (W_enc, "a\"b", b_enc, empty, scalar): name the one to read as the key`)
	_, err = Load(path, Options{Key: "nope"})
	checkErr(t, err, path, `no tensor "nope" (tensors: `)
	_, err = Load(path, Options{Key: "b_enc"})
	checkErr(t, err, path, "rank 1, want a 2-D matrix")
	_, err = Load(path, Options{Key: "empty"})
	checkErr(t, err, path, "empty matrix")
}

func TestSafetensorsNoMetadata(t *testing.T) {
	path := writeTemp(t, "m.safetensors", nil)
	if err := WriteSafetensors(path, map[string]Tensor{"x": {Shape: []int{1, 2}, Data: []float32{1, 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b[8:], []byte(`{"x":`)) {
		t.Errorf("header %q", b[8:40])
	}
	ts, meta, err := ReadSafetensors(path)
	if err != nil || meta != nil || len(ts) != 1 {
		t.Fatalf("got %v %v %v", ts, meta, err)
	}
	m, err := Load(path, Options{}) // the only tensor
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 1, 2, []float32{1, 2})
}

func TestWriteSafetensorsErrors(t *testing.T) {
	path := writeTemp(t, "m.safetensors", nil)
	err := WriteSafetensors(path, map[string]Tensor{"x": {Shape: []int{2, 2}, Data: []float32{1}}}, nil)
	checkErr(t, err, path, `tensor "x": shape 2x2 holds 4 values but Data has 1`)
	err = WriteSafetensors(path, map[string]Tensor{"__metadata__": {Shape: []int{1}, Data: []float32{1}}}, nil)
	checkErr(t, err, path, "cannot be named __metadata__")
	err = WriteSafetensors(path, map[string]Tensor{"x": {Shape: []int{-1}, Data: nil}}, nil)
	checkErr(t, err, path, "negative dimension")
}

func TestSafetensorsDtypes(t *testing.T) {
	// [1, -2] in each dtype (bool: [1, 0]).
	cases := []struct {
		dtype string
		buf   []byte
		want  []float32
	}{
		{"F64", f64le(1, -2), []float32{1, -2}},
		{"F32", f32le(1, -2), []float32{1, -2}},
		{"F16", []byte{0x00, 0x3c, 0x00, 0xc0}, []float32{1, -2}},
		{"BF16", []byte{0x80, 0x3f, 0x00, 0xc0}, []float32{1, -2}},
		{"I64", i64le(1, -2), []float32{1, -2}},
		{"I32", []byte{1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff}, []float32{1, -2}},
		{"I16", []byte{1, 0, 0xfe, 0xff}, []float32{1, -2}},
		{"I8", []byte{1, 0xfe}, []float32{1, -2}},
		{"U8", []byte{1, 254}, []float32{1, 254}},
		{"U16", []byte{1, 0, 0, 1}, []float32{1, 256}},
		{"U32", []byte{1, 0, 0, 0, 0, 0, 1, 0}, []float32{1, 65536}},
		{"U64", i64le(1, 3), []float32{1, 3}},
		{"BOOL", []byte{1, 0}, []float32{1, 0}},
	}
	for _, c := range cases {
		h := `{"t":{"dtype":"` + c.dtype + `","shape":[1,2],"data_offsets":[0,` + strconv.Itoa(len(c.buf)) + `]}}`
		path := writeTemp(t, "m.safetensors", stFile(h, c.buf))
		m, err := Load(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.dtype, err)
		}
		checkMatrixEq(t, m, 1, 2, c.want)
		ts, _, err := ReadSafetensors(path)
		if err != nil || ts["t"].Data[1] != c.want[1] || ts["t"].Dtype != c.dtype {
			t.Fatalf("%s: ReadSafetensors %v %v", c.dtype, ts, err)
		}
	}
}

func TestSafetensorsMalformed(t *testing.T) {
	x := `"x":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}`
	y := `"y":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}`
	buf := f32le(1, 2, 3, 4)
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	cases := []malformed{
		{"m.safetensors", []byte{1, 2, 3}, "too short for a safetensors header length"},
		{"m.safetensors", huge, "truncated: header length 4611686018427387904 but 0 bytes follow"},
		{"m.safetensors", stFile(`{`+x+`}`, buf[:8])[:20], "truncated: header length"},
		{"m.safetensors", stFile(``, nil), "not a JSON object"},
		{"m.safetensors", stFile(`[1,2]`, nil), "not a JSON object"},
		{"m.safetensors", stFile(`{"x":`, nil), "bad header JSON"},
		{"m.safetensors", stFile(`{`+x+`} junk`, buf[:8]), "text after the header object"},
		{"m.safetensors", stFile(`{`+x+`,`+x+`}`, buf[:8]), `duplicate key "x"`},
		{"m.safetensors", stFile(`{}`, nil), "no tensors in the file"},
		{"m.safetensors", stFile(`{"__metadata__":{"a":1},`+x+`}`, buf[:8]), "__metadata__ must map strings to strings"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,2]}}`, buf[:8]), "data_offsets must be [begin, end]"},
		{"m.safetensors", stFile(`{"x":{"shape":[1,2],"data_offsets":[0,8]}}`, buf[:8]), `tensor "x": no dtype`},
		{"m.safetensors", stFile(`{"x":{"dtype":"C64","shape":[1,2],"data_offsets":[0,8]}}`, buf[:8]), `dtype "C64" is not supported`},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","data_offsets":[0,8]}}`, buf[:8]), "no shape"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,-2],"data_offsets":[0,8]}}`, buf[:8]), "bad dimension -2"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,2.5],"data_offsets":[0,8]}}`, buf[:8]), `tensor "x": bad entry`},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[2147483647,2147483647],"data_offsets":[0,8]}}`, buf[:8]), "absurd shape"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,2],"data_offsets":[0,12]}}`, buf[:8]), "data_offsets [0, 12] out of range (data buffer of 8 bytes)"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,2],"data_offsets":[8,0]}}`, buf[:8]), "out of range"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,3],"data_offsets":[0,8]}}`, buf[:8]), "data_offsets [0, 8] span 8 bytes but 1x3 float32 needs 12"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]}}`, buf[:12]), `tensors "x" and "y" overlap`},
		{"m.safetensors", stFile(`{`+x+`,"y":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, buf), `gap of 4 bytes before tensor "y"`},
		{"m.safetensors", stFile(`{`+x+`}`, buf), "8 bytes after the last tensor's data"},
		{"m.safetensors", stFile(`{`+x+`}`, f32le(1, float32(math.NaN()))), "row 1 column 2: NaN"},
		{"m.safetensors", stFile(`{"x":{"dtype":"F16","shape":[1,1],"data_offsets":[0,2]}}`, []byte{0x00, 0xfc}), "row 1 column 1: -Inf"},
	}
	runMalformed(t, cases)
	// ReadSafetensors rejects NaN too, naming the tensor.
	path := writeTemp(t, "m.safetensors", stFile(`{`+x+`,`+y+`}`, f32le(1, 2, 3, float32(math.Inf(1)))))
	_, _, err := ReadSafetensors(path)
	checkErr(t, err, path, `tensor "y" row 1 column 2: +Inf`)
	path = writeTemp(t, "m.safetensors", stFile(`{"b":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`, f64le(1, -1e300)))
	_, _, err = ReadSafetensors(path)
	checkErr(t, err, path, `tensor "b" element 2: -1e+300 is outside the float32 range`)
}
