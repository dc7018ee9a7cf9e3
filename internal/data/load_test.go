package data

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeTemp writes content to a file called name in a fresh temporary
// directory and returns its path.
func writeTemp(t testing.TB, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkErr fails unless err is a one-line error that starts with path and
// contains phrase.
func checkErr(t testing.TB, err error, path, phrase string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want one containing %q", filepath.Base(path), phrase)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, path+": ") {
		t.Errorf("error does not start with the path %q: %s", path, msg)
	}
	if !strings.Contains(msg, phrase) {
		t.Errorf("error %q does not contain %q", msg, phrase)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error is not one line: %q", msg)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("error is %T, want *Error", err)
	}
}

// malformed is one bad file and a phrase its error must contain.
type malformed struct {
	name    string // file name, which selects the format
	content []byte
	phrase  string
}

func runMalformed(t *testing.T, cases []malformed) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name+"/"+c.phrase, func(t *testing.T) {
			path := writeTemp(t, c.name, c.content)
			m, err := Load(path, Options{})
			if err == nil {
				t.Fatalf("Load succeeded with %dx%d, want an error containing %q", m.Rows, m.Cols, c.phrase)
			}
			checkErr(t, err, path, c.phrase)
		})
	}
}

// checkMatrixEq fails unless m is rows x cols holding want exactly.
func checkMatrixEq(t testing.TB, m *Matrix, rows, cols int, want []float32) {
	t.Helper()
	if m.Rows != rows || m.Cols != cols || len(m.Data) != rows*cols {
		t.Fatalf("got %dx%d with %d values, want %dx%d", m.Rows, m.Cols, len(m.Data), rows, cols)
	}
	for i := range want {
		if math.Float32bits(m.Data[i]) != math.Float32bits(want[i]) {
			t.Fatalf("element %d (row %d column %d) = %v, want %v", i, i/cols, i%cols, m.Data[i], want[i])
		}
	}
}

// f32le encodes float32 values little-endian.
func f32le(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestUnknownFormat(t *testing.T) {
	for _, name := range []string{"x.bin", "x", "x.npy.gz", "x.json"} {
		path := writeTemp(t, name, []byte("1,2\n"))
		_, err := Load(path, Options{})
		checkErr(t, err, path, "unknown format (want .npy, .npz, .csv, .tsv, .jsonl, .idx[.gz], .safetensors, .parquet, .arrow, or a directory")
		_, err = LoadLabels(path)
		checkErr(t, err, path, "unknown label format")
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.npy")
	_, err := Load(path, Options{})
	checkErr(t, err, path, "no such file")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) is false for %v", err)
	}
}

func TestEmptyFileEveryFormat(t *testing.T) {
	for _, name := range []string{"x.npy", "x.npz", "x.csv", "x.idx", "x-idx3-ubyte.gz", "x.safetensors"} {
		path := writeTemp(t, name, nil)
		_, err := Load(path, Options{})
		checkErr(t, err, path, "empty file")
	}
}

func TestFormatOf(t *testing.T) {
	cases := map[string]int{
		"a.npy": formatNPY, "A.NPY": formatNPY, "dir.csv/a.npz": formatNPZ,
		"a.csv": formatCSV, "a.safetensors": formatSafetensors,
		"train-images-idx3-ubyte": formatIDX, "train-images-idx3-ubyte.gz": formatIDX,
		"t10k-labels.idx1-ubyte": formatIDX, "a.idx": formatIDX, "a.idx.gz": formatIDX,
		"a.csv.gz": formatUnknown, "a.bin": formatUnknown, "idx": formatUnknown,
	}
	for name, want := range cases {
		if got := formatOf(name); got != want {
			t.Errorf("formatOf(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestErrorIsOneLine(t *testing.T) {
	e := &Error{Path: "a\nb.csv", Err: errors.New("bad\r\nthing\x00")}
	if got, want := e.Error(), `a\nb.csv: bad\r\nthing\x00`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestMatrixRow(t *testing.T) {
	m := &Matrix{Rows: 2, Cols: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	r := m.Row(1)
	if len(r) != 3 || r[0] != 4 || r[2] != 6 {
		t.Fatalf("Row(1) = %v", r)
	}
	r = append(r[:1], 9) // must not clobber
	_ = r
	r0 := m.Row(0)
	_ = append(r0, 42)
	if m.Data[3] != 4 {
		t.Fatalf("append to Row(0) changed row 1: %v", m.Data)
	}
}

// f64le encodes float64 values little-endian.
func f64le(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// i64le encodes int64 values little-endian.
func i64le(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

func TestIsIDXName(t *testing.T) {
	re := regexp.MustCompile(`(\.idx|[-._]idx[0-9]+(-ubyte)?)$`) // the rule, as a pattern
	names := []string{
		"train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "labels.idx1", "x_idx2", "a.idx",
		"idx3-ubyte", "idx3", "x-idx", "x-idx-ubyte", "x-idx3-ubyt", "x-idx3-ubyte-ubyte", "xidx3",
		"data.npy", "", "-ubyte", "3-ubyte", "x.idx3x", "my.idx.bak", ".idx", "-idx0", "x-idx33-ubyte",
	}
	for _, n := range names {
		if got, want := isIDXName(n), re.MatchString(n); got != want {
			t.Errorf("isIDXName(%q) = %v, want %v", n, got, want)
		}
	}
}
