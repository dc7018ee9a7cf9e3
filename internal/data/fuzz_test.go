package data

import (
	"archive/zip"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzFile writes b to a file called name in dir and returns its path.
// Each fuzz worker is a process running inputs one at a time, so one
// directory per fuzz target serves them all.
func fuzzFile(t *testing.T, dir, name string, b []byte) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFuzzErr fails unless err is a one-line *Error for path.
func checkFuzzErr(t *testing.T, err error, path string) {
	msg := err.Error()
	if !strings.HasPrefix(msg, path+": ") || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("bad error message %q", msg)
	}
	if _, ok := err.(*Error); !ok {
		t.Fatalf("error is %T, want *Error", err)
	}
}

// fuzzLoad calls Load on b saved as name and checks the result.
func fuzzLoad(t *testing.T, dir, name string, b []byte, opt Options) {
	path := fuzzFile(t, dir, name, b)
	m, err := Load(path, opt)
	if err != nil {
		checkFuzzErr(t, err, path)
		return
	}
	if m.Rows <= 0 || m.Cols <= 0 || len(m.Data) != m.Rows*m.Cols {
		t.Fatalf("inconsistent matrix %dx%d with %d values", m.Rows, m.Cols, len(m.Data))
	}
	for i, v := range m.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("element %d is %v", i, v)
		}
	}
}

func npySeeds() [][]byte {
	return [][]byte{
		npyRaw(npyDict("<f4", "False", "(2, 3)"), f32le(1, 2, 3, 4, 5, 6)),
		npyRaw(npyDict(">f8", "True", "(2, 1, 2)"), make([]byte, 32)),
		npyRaw(npyDict("|u1", "False", "(2, 2)"), []byte{1, 2, 3, 4}),
		npyRaw(npyDict("<f2", "True", "(1, 2)"), []byte{0, 0x7c, 0, 0}),
		npyRaw(npyDict("<f4", "False", "(6,)"), f32le(1, 2, 3, 4, 5, 6)),
		npyRaw(npyDict("|O", "False", "(1, 1)"), make([]byte, 8)),
		npyRaw(npyDict("<f4", "False", "(100000, 100000)"), nil),
		npyRaw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32le(1)),
		[]byte(npyMagic + "\x02\x00\xff\xff\xff\xff"),
		[]byte(npyMagic + "\x01\x00\x05\x00{'a':"),
	}
}

func FuzzLoadNPY(f *testing.F) {
	for _, s := range npySeeds() {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) { fuzzLoad(t, dir, "x.npy", b, Options{}) })
}

func FuzzLoadNPZ(f *testing.F) {
	x := npyRaw(npyDict("<f4", "False", "(2, 2)"), f32le(1, 2, 3, 4))
	f.Add(zipBytes(f, zipEntry{"X.npy", x, zip.Store}))
	f.Add(zipBytes(f, zipEntry{"X.npy", x, zip.Deflate}, zipEntry{"y.npy", x, zip.Deflate}))
	f.Add(zipBytes(f, zipEntry{"X.npy", x, zip.Store}, zipEntry{"X.npy", x, zip.Store}))
	f.Add(zipBytes(f, zipEntry{"a.npy", x, zip.Store}))
	f.Add(zipBytes(f, zipEntry{"X.npy", x[:20], zip.Deflate}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) { fuzzLoad(t, dir, "x.npz", b, Options{}) })
}

func FuzzLoadCSV(f *testing.F) {
	for _, s := range []string{
		"1,2,3\n4,5,6\n", "a,b\n1,2\n", "a;b\n1;2\n", "a\tb\n1\t2\n", "\"1\",\"2\"\r\n3,4\r\n",
		"1,2\n3\n", "1,x\n", "nan,1\n", "1,\"2\n", "\xef\xbb\xbf,a\n0,1\n", "\n\n", "1e39\n", "a\"b,c\n1,2\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) { fuzzLoad(t, dir, "x.csv", b, Options{}) })
}

// FuzzLoadJSONLines reads JSON lines, with and without missing values
// (NaN, then, is allowed in the matrix).
func FuzzLoadJSONLines(f *testing.F) {
	for _, s := range []string{
		`{"a": 1, "b": 2}` + "\n" + `{"b": 3, "a": 4}`, "[1, 2]\n[3, 4]\n", `{"a": null}`, `{"a": 1}` + "\n" + `{"z": 1}`,
		"[1, [2]]", `{"a": "x"}`, "{\"a\": 1", "7", `{"a": 1, "a": 2}`, "[]", "{}", `[1e39]`, `{"a": true}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, missing bool) {
		path := fuzzFile(t, dir, "x.jsonl", b)
		tab, err := LoadTable(path, Options{Missing: missing})
		if err != nil {
			checkFuzzErr(t, err, path)
			return
		}
		m := tab.Matrix
		if m.Rows <= 0 || m.Cols <= 0 || len(m.Data) != m.Rows*m.Cols || tab.Names != nil && len(tab.Names) != m.Cols {
			t.Fatalf("inconsistent table %dx%d with %d values and %d names", m.Rows, m.Cols, len(m.Data), len(tab.Names))
		}
		for i, v := range m.Data {
			if math.IsInf(float64(v), 0) || !missing && math.IsNaN(float64(v)) {
				t.Fatalf("element %d is %v", i, v)
			}
		}
	})
}

func FuzzLoadIDX(f *testing.F) {
	img := idxFile(0x08, []uint32{2, 2, 2}, []byte{0, 51, 102, 153, 204, 255, 0, 0})
	f.Add(img)
	f.Add(gz(img))
	f.Add(idxFile(0x0D, []uint32{1, 2}, []byte{0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0}))
	f.Add(idxFile(0x0E, []uint32{1, 1}, make([]byte, 8)))
	f.Add(idxFile(0x0B, []uint32{1, 1, 1, 1}, make([]byte, 2)))
	f.Add(idxFile(0x08, []uint32{60000, 28, 28}, nil))
	f.Add(gz(idxFile(0x08, []uint32{60000, 28, 28}, nil)))
	f.Add(idxFile(0x08, []uint32{3}, []byte{1, 2, 3}))
	f.Add([]byte{0x12, 0x34, 0x56, 0x78})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) { fuzzLoad(t, dir, "x-idx3-ubyte.gz", b, Options{}) })
}

func FuzzReadSafetensors(f *testing.F) {
	x := `"x":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}`
	f.Add(stFile(`{`+x+`}`, f32le(1, 2)))
	f.Add(stFile(`{"__metadata__":{"a":"b"},`+x+`,"y":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}`, f32le(1, 2, 3)))
	f.Add(stFile(`{"x":{"dtype":"F16","shape":[],"data_offsets":[0,2]}}  `, []byte{0, 0x3c}))
	f.Add(stFile(`{"x":{"dtype":"I64","shape":[0,5],"data_offsets":[0,0]}}`, nil))
	f.Add(stFile(`{`+x+`,`+x+`}`, f32le(1, 2)))
	f.Add(stFile(`{"x":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]}}`, f32le(1, 2, 3)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := fuzzFile(t, dir, "m.safetensors", b)
		ts, _, err := ReadSafetensors(path)
		if err != nil {
			checkFuzzErr(t, err, path)
		}
		for name, tensor := range ts {
			n := 1
			for _, d := range tensor.Shape {
				n *= d
			}
			if n != len(tensor.Data) {
				t.Fatalf("tensor %q: shape %v but %d values", name, tensor.Shape, len(tensor.Data))
			}
			for _, v := range tensor.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("tensor %q holds %v", name, v)
				}
			}
		}
		fuzzLoad(t, dir, "m.safetensors", b, Options{})
		fuzzLoad(t, dir, "m.safetensors", b, Options{Key: "x"})
	})
}

func FuzzLoadLabels(f *testing.F) {
	// The first byte chooses the format.
	names := []string{"y.npy", "y.csv", "y.npz", "y-idx1-ubyte.gz"}
	add := func(i int, b []byte) { f.Add(append([]byte{byte(i)}, b...)) }
	add(0, npyRaw(npyDict("<i8", "False", "(3,)"), i64le(5, -7, 0)))
	add(0, npyRaw(npyDict("<f4", "False", "(2, 1)"), f32le(1, 0.5)))
	add(1, []byte("label\n1\n2\n"))
	add(1, []byte("1\n2.0\nx\n"))
	add(2, zipBytes(f, zipEntry{"y.npy", npyRaw(npyDict("|u1", "False", "(2,)"), []byte{1, 2}), zip.Deflate}))
	add(3, idxFile(0x08, []uint32{4}, []byte{0, 9, 3, 255}))
	add(3, gz(idxFile(0x0C, []uint32{1}, []byte{0, 0, 0, 1})))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		path := fuzzFile(t, dir, names[int(b[0])%len(names)], b[1:])
		y, err := LoadLabels(path)
		if err != nil {
			checkFuzzErr(t, err, path)
			return
		}
		if len(y) == 0 {
			t.Fatal("no labels and no error")
		}
	})
}
