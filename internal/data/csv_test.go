package data

import (
	"os"
	"strings"
	"testing"
)

func TestLoadCSVMalformed(t *testing.T) {
	cases := []malformed{
		{"x.csv", []byte("\n\n  \n"), "no data"},
		{"x.csv", []byte("a,b,c\n"), "empty matrix: no data rows after the header"},
		{"x.csv", []byte("a,b,c\n1,2,3\n4,5\n"), "line 3 has 2 fields, expected 3"},
		{"x.csv", []byte("1,2,3\n4,5,6,7\n"), "line 2 has 4 fields, expected 3"},
		{"x.csv", []byte("a,b,c\n1,2,3\n\n4,5,abc\n"), `line 4 column 3: "abc" is not a number`},
		{"x.csv", []byte("1,2\n3,\n"), "line 2 column 2: empty field"},
		{"x.csv", []byte("1,2\n3,NaN\n"), "line 2 column 2: NaN"},
		{"x.csv", []byte("1,2\n3,nan\n"), "line 2 column 2: NaN"},
		{"x.csv", []byte("1,2\n-inf,3\n"), "line 2 column 1: -Inf"},
		{"x.csv", []byte("1,2\n+Infinity,3\n"), "line 2 column 1: +Inf"},
		{"x.csv", []byte("1,2\n1e39,3\n"), `line 2 column 1: "1e39" is outside the float32 range`},
		{"x.csv", []byte("1,2\n3,\"4\n"), "extraneous or missing \" in quoted-field"},
		{"x.csv", []byte("1,2\n3,4\"x\n"), `bare " in non-quoted-field`},
		{"x.csv", []byte("a;b\n1;2\n3;x\n"), `line 3 column 2: "x" is not a number`},
		{"x.csv", []byte("1\t2\n3\t4\t5\n"), "line 2 has 3 fields, expected 2"},
		{"x.csv", []byte("1,2\r\n3,4\r\n5,6,7\r\n"), "line 3 has 3 fields, expected 2"},
	}
	runMalformed(t, cases)
}

func TestLoadCSV(t *testing.T) {
	cases := []struct {
		name, text string
		rows, cols int
		want       []float32
	}{
		{"plain", "1,2,3\n4,5,6\n", 2, 3, []float32{1, 2, 3, 4, 5, 6}},
		{"header", "a,b\n1,2\n3,4\n", 2, 2, []float32{1, 2, 3, 4}},
		{"pandas index header", ",a,b\n0,1,2\n1,3,4\n", 2, 3, []float32{0, 1, 2, 1, 3, 4}},
		{"blank lines and CRLF", "\r\n1,2\r\n\r\n3,4\r\n\n", 2, 2, []float32{1, 2, 3, 4}},
		{"no final newline", "1,2\n3,4", 2, 2, []float32{1, 2, 3, 4}},
		{"quoted", "\"x, y\",\"z\"\n\"1.5\",\" 2 \"\n", 1, 2, []float32{1.5, 2}},
		{"spaces", "1, 2 , 3\n 4,5,6\n", 2, 3, []float32{1, 2, 3, 4, 5, 6}},
		{"semicolon", "a;b\n1.5;2\n3;-4e-2\n", 2, 2, []float32{1.5, 2, 3, -0.04}},
		{"tab", "a\tb\n1\t2\n", 1, 2, []float32{1, 2}},
		{"one column", "v\n1\n2\n3\n", 3, 1, []float32{1, 2, 3}},
		{"BOM", "\xef\xbb\xbfa,b\n1,2\n", 1, 2, []float32{1, 2}},
		{"underflow is zero", "1e-50,1\n", 1, 2, []float32{0, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Load(writeTemp(t, "x.csv", []byte(c.text)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkMatrixEq(t, m, c.rows, c.cols, c.want)
		})
	}
}

func TestLoadCSVLarge(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		b.WriteString("0.5,1,2,3,4,5,6,7\n")
	}
	m, err := Load(writeTemp(t, "x.csv", []byte(b.String())), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 2000 || m.Cols != 8 || m.Data[8] != 0.5 {
		t.Fatalf("got %dx%d, first of row 1 %v", m.Rows, m.Cols, m.Data[8])
	}
}

func TestCSVHeader(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ text, want string }{
		{"a, b ,c\n1,2,3\n", "a|b|c"},
		{"\xef\xbb\xbfx;y\n\n1;2\n", "x|y"},
		{",a,b\n0,1,2\n", "|a|b"},
		{"1,2,3\n4,5,6\n", ""},
	} {
		p := dir + "/h.csv"
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := CSVHeader(p)
		if err != nil || strings.Join(got, "|") != c.want || (c.want == "") != (got == nil) {
			t.Errorf("CSVHeader(%q) = %q, %v; want %q", c.text, got, err, c.want)
		}
	}
	if _, err := CSVHeader(dir + "/missing.csv"); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

// A key names an array of a .npz or .safetensors file or a table's
// columns; on a file of one unnamed array it is refused, not ignored.
func TestKeyOnKeylessFormat(t *testing.T) {
	p := writeTemp(t, "x.csv", []byte("1,2\n3,4\n"))
	if _, err := Load(p, Options{Key: "y"}); err == nil || !strings.Contains(err.Error(), `key "y": this file holds one unnamed array`) {
		t.Errorf("Load with a key of a .csv: %v", err)
	}
	if _, err := OpenRows(p, Options{Key: "y"}); err == nil || !strings.Contains(err.Error(), `key "y": this file holds one unnamed array`) {
		t.Errorf("OpenRows with a key of a .csv: %v", err)
	}
}
