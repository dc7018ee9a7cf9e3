package data

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

type zipEntry struct {
	name    string
	content []byte
	method  uint16
}

func zipBytes(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(e.content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadNPZ(t *testing.T) {
	x := npyRaw(npyDict("<f4", "False", "(2, 2)"), f32le(1, 2, 3, 4))
	w := npyRaw(npyDict("<f8", "True", "(1, 2)"), append(f64le(5), f64le(6)...))
	y := npyRaw(npyDict("<i8", "False", "(2,)"), append(i64le(7), i64le(-1)...))
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		b := zipBytes(t, zipEntry{"X.npy", x, method}, zipEntry{"W.npy", w, method}, zipEntry{"y.npy", y, method})
		path := writeTemp(t, "x.npz", b)
		m, err := Load(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkMatrixEq(t, m, 2, 2, []float32{1, 2, 3, 4})
		m, err = Load(path, Options{Key: "W"})
		if err != nil {
			t.Fatal(err)
		}
		checkMatrixEq(t, m, 1, 2, []float32{5, 6})
		labels, err := LoadLabels(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) != 2 || labels[0] != 7 || labels[1] != -1 {
			t.Fatalf("labels %v", labels)
		}
	}
}

// A .npz of one array is read without a key whatever its name (np.savez's
// arr_0), for data and for labels; LoadLabelsKey names another array.
func TestLoadNPZOnlyArray(t *testing.T) {
	x := npyRaw(npyDict("<f4", "False", "(2, 2)"), f32le(1, 2, 3, 4))
	m, err := Load(writeTemp(t, "x.npz", zipBytes(t, zipEntry{"arr_0.npy", x, zip.Store})), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 2, []float32{1, 2, 3, 4})
	y := npyRaw(npyDict("<i8", "False", "(2,)"), append(i64le(3), i64le(4)...))
	labels, err := LoadLabels(writeTemp(t, "y.npz", zipBytes(t, zipEntry{"labels.npy", y, zip.Store})))
	if err != nil || len(labels) != 2 || labels[0] != 3 || labels[1] != 4 {
		t.Fatalf("labels %v, %v", labels, err)
	}
	both := writeTemp(t, "xy.npz", zipBytes(t, zipEntry{"X.npy", x, zip.Store}, zipEntry{"target.npy", y, zip.Store}))
	if labels, err = LoadLabelsKey(both, "target"); err != nil || len(labels) != 2 || labels[1] != 4 {
		t.Fatalf("LoadLabelsKey target: %v, %v", labels, err)
	}
	if _, err = LoadLabels(both); err == nil || !strings.Contains(err.Error(), `no array "y" (arrays: X, target)`) {
		t.Errorf("two arrays, no y: %v", err)
	}
	if _, err = LoadLabelsKey(writeTemp(t, "y.npy", y), "y"); err == nil || !strings.Contains(err.Error(), `labels key "y": this file holds one unnamed array`) {
		t.Errorf("a key for .npy labels: %v", err)
	}
}

func TestLoadNPZMalformed(t *testing.T) {
	x := npyRaw(npyDict("<f4", "False", "(2, 2)"), f32le(1, 2, 3, 4))
	good := zipBytes(t, zipEntry{"X.npy", x, zip.Deflate})
	// Corrupt the deflated data (it starts after the 30-byte local header and the name).
	corrupt := append([]byte{}, good...)
	for i := 30 + 5; i < 30+5+20; i++ {
		corrupt[i] ^= 0x55
	}
	cases := []malformed{
		{"x.npz", []byte("not a zip at all"), "not a valid .npz (zip) archive"},
		{"x.npz", good[:len(good)-10], "not a valid .npz (zip) archive"},
		{"x.npz", zipBytes(t), `no array "X" (the archive is empty)`},
		{"x.npz", zipBytes(t, zipEntry{"a.npy", x, zip.Store}, zipEntry{"b.npy", x, zip.Store}), `no array "X" (arrays: a, b)`},
		{"x.npz", zipBytes(t, zipEntry{"y.npy", x, zip.Store}), `no array "X" (arrays: y)`},
		{"x.npz", zipBytes(t, zipEntry{"X.npy", x, zip.Store}, zipEntry{"X.npy", x, zip.Store}), `duplicate entry "X.npy"`},
		{"x.npz", zipBytes(t, zipEntry{"X.npy", x[:len(x)-1], zip.Deflate}), `entry "X.npy": truncated: header declares 2x2 float32`},
		{"x.npz", zipBytes(t, zipEntry{"X.npy", []byte("junk"), zip.Store}), `entry "X.npy": bad magic`},
		{"x.npz", zipBytes(t, zipEntry{"X.npy", nil, zip.Store}), `entry "X.npy": empty file`},
		{"x.npz", zipBytes(t, zipEntry{"X.npy", npyRaw(npyDict("<f4", "False", "(4,)"), f32le(1, 2, 3, 4)), zip.Store}), "rank 1, want a 2-D matrix"},
		{"x.npz", corrupt, `entry "X.npy"`},
	}
	runMalformed(t, cases)
}
