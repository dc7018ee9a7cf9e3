package data

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func randomMatrix(rows, cols int) *Matrix {
	r := rand.New(rand.NewPCG(1, 2))
	m := &Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
	for i := range m.Data {
		m.Data[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10)))
	}
	m.Data[0] = math.MaxFloat32
	m.Data[1] = math.SmallestNonzeroFloat32
	m.Data[2] = float32(math.Copysign(0, -1))
	return m
}

func TestWriteLoadRoundTrip(t *testing.T) {
	m := randomMatrix(37, 11)
	dir := t.TempDir()
	for _, name := range []string{"m.npy", "m.csv", "M.NPY"} {
		path := filepath.Join(dir, name)
		if err := Write(path, m); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkMatrixEq(t, got, m.Rows, m.Cols, m.Data)
	}
	path := filepath.Join(dir, "h.csv")
	header := []string{"a", "b,c", `d"e`, "f", "g", "h", "i", "j", "k", "l", "m"}
	if err := WriteCSV(path, m, header); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, got, m.Rows, m.Cols, m.Data)
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), `a,"b,c","d""e",f,`) {
		t.Errorf("header line %q", strings.SplitN(string(b), "\n", 2)[0])
	}
}

func TestWriteNPYHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.npy")
	if err := WriteNPY(path, &Matrix{Rows: 2, Cols: 3, Data: []float32{1, 2, 3, 4, 5, 6}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if len(b) != 128+24 {
		t.Fatalf("file is %d bytes, want 152 (a 128-byte header, then 24 bytes)", len(b))
	}
	want := "\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	if !strings.HasPrefix(string(b), want) || b[127] != '\n' {
		t.Errorf("header %q", b[:128])
	}
}

func TestWriteCSVFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.csv")
	if err := WriteCSV(path, &Matrix{Rows: 2, Cols: 2, Data: []float32{0.1, -2, 1e-7, 3e38}}, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if got, want := string(b), "0.1,-2\n1e-07,3e+38\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	m := &Matrix{Rows: 2, Cols: 2, Data: []float32{1, 2, 3}}
	for _, name := range []string{"a.npy", "a.csv"} {
		path := filepath.Join(dir, name)
		checkErr(t, Write(path, m), path, "matrix is 2x2 but holds 3 values")
	}
	path := filepath.Join(dir, "a.bin")
	checkErr(t, Write(path, &Matrix{Rows: 1, Cols: 1, Data: []float32{1}}), path, "cannot write this format (want .npy or .csv)")
	path = filepath.Join(dir, "a.csv")
	checkErr(t, WriteCSV(path, &Matrix{Rows: 1, Cols: 2, Data: []float32{1, 2}}, []string{"x"}), path, "header has 1 names for 2 columns")
	path = filepath.Join(dir, "no", "such", "dir", "a.npy")
	checkErr(t, WriteNPY(path, &Matrix{Rows: 1, Cols: 1, Data: []float32{1}}), path, "no such file or directory")
	checkErr(t, WriteNPY(path, nil), path, "nil matrix")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left files behind: %v", entries)
	}
}
