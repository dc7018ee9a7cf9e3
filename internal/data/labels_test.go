package data

import (
	"archive/zip"
	"math"
	"reflect"
	"testing"
)

func TestLoadLabels(t *testing.T) {
	idx := idxFile(0x08, []uint32{4}, []byte{0, 9, 3, 255})
	cases := []struct {
		name string
		b    []byte
		want []int
	}{
		{"y.csv", []byte("label\n3\n1\n\n2\n"), []int{3, 1, 2}},
		{"y.csv", []byte("3\n-1\n2.0\n"), []int{3, -1, 2}},
		{"y.csv", []byte("\"7\"\r\n8\r\n"), []int{7, 8}},
		{"y.npy", npyRaw(npyDict("<i8", "False", "(3,)"), i64le(5, -7, 0)), []int{5, -7, 0}},
		{"y.npy", npyRaw(npyDict("|u1", "False", "(3, 1)"), []byte{1, 2, 250}), []int{1, 2, 250}},
		{"y.npy", npyRaw(npyDict(">i4", "False", "(2,)"), []byte{0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}), []int{256, -1}},
		{"y.npy", npyRaw(npyDict("<f8", "False", "(2,)"), f64le(4, -3)), []int{4, -3}},
		{"y.npy", npyRaw(npyDict("<f4", "False", "(2,)"), f32le(1, 0)), []int{1, 0}},
		{"y.npy", npyRaw(npyDict("|b1", "False", "(2,)"), []byte{1, 0}), []int{1, 0}},
		{"t10k-labels-idx1-ubyte", idx, []int{0, 9, 3, 255}},
		{"t10k-labels-idx1-ubyte.gz", gz(idx), []int{0, 9, 3, 255}},
		{"y.npz", zipBytes(t, zipEntry{"X.npy", npyRaw(npyDict("<f4", "False", "(1, 1)"), f32le(1)), zip.Store}, zipEntry{"y.npy", npyRaw(npyDict("<i8", "False", "(1,)"), i64le(6)), zip.Deflate}), []int{6}},
	}
	for _, c := range cases {
		got, err := LoadLabels(writeTemp(t, c.name, c.b))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestLoadLabelsMalformed(t *testing.T) {
	cases := []malformed{
		{"y.csv", nil, "empty file"},
		{"y.csv", []byte("label\n"), "no labels"},
		{"y.csv", []byte("1\n2,3\n"), "line 2 has 2 fields, want one column of labels"},
		{"y.csv", []byte("a,b\n1,2\n"), "header has 2 fields"},
		{"y.csv", []byte("1\ncat\n"), `line 2: "cat" is not a number`},
		{"y.csv", []byte("1\n2.5\n"), "line 2: 2.5 is not an integer"},
		{"y.csv", []byte("1\nnan\n"), "line 2: NaN"},
		{"y.csv", []byte("1\n1e30\n"), "line 2: 1e+30 is out of range"},
		{"y.csv", []byte("1\n\"2\n"), "line 2"},
		{"y.npy", npyRaw(npyDict("<i8", "False", "(2, 2)"), i64le(1, 2, 3, 4)), "shape 2x2, want labels as a 1-D array or one column"},
		{"y.npy", npyRaw(npyDict("<i8", "False", "()"), i64le(1)), "shape scalar, want labels"},
		{"y.npy", npyRaw(npyDict("<i8", "False", "(0,)"), nil), "no labels"},
		{"y.npy", npyRaw(npyDict("<f8", "False", "(3,)"), f64le(1, 2, math.NaN())), "label 3: NaN"},
		{"y.npy", npyRaw(npyDict("<f4", "False", "(2,)"), f32le(1, 0.5)), "label 2: 0.5 is not an integer"},
		{"y.npy", npyRaw(npyDict("<u8", "False", "(1,)"), i64le(-1)), "label 1: 18446744073709551615 is too large"},
		{"y.npy", npyRaw(npyDict("<i8", "False", "(3,)"), i64le(1)), "truncated"},
		{"y.npz", zipBytes(t, zipEntry{"X.npy", npyRaw(npyDict("<f4", "False", "(1, 1)"), f32le(1)), zip.Store}), `no array "y" (arrays: X)`},
		{"y-idx1-ubyte", []byte{0, 0, 8, 1, 0, 0, 0, 5, 1}, "truncated: header declares 5 uint8 (5 bytes of data) but 1 bytes follow"},
		{"y-idx1-ubyte", idxFile(0x08, []uint32{2, 2}, []byte{1, 2, 3, 4}), "shape 2x2, want labels"},
		{"y.safetensors", []byte("x"), "unknown label format"},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.phrase, func(t *testing.T) {
			path := writeTemp(t, c.name, c.content)
			y, err := LoadLabels(path)
			if err == nil {
				t.Fatalf("LoadLabels succeeded with %v", y)
			}
			checkErr(t, err, path, c.phrase)
		})
	}
}
