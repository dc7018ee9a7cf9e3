package sae

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A program reads and writes data as the command does: WriteData, then
// LoadData and OpenRows, give back the rows; a CSV is not streamable; an
// NPYWriter fed the rows in pieces writes WriteData's bytes.
func TestDataFiles(t *testing.T) {
	dir := t.TempDir()
	x := NewMatrix(7, 3)
	for i := range x.Data {
		x.Data[i] = float32(i) / 3
	}
	npy, csv := filepath.Join(dir, "x.npy"), filepath.Join(dir, "x.csv")
	for _, p := range []string{npy, csv} {
		if err := WriteData(p, x); err != nil {
			t.Fatal(err)
		}
		got, err := LoadData(p, DataOptions{})
		if err != nil || !slices.Equal(got.Data, x.Data) {
			t.Fatalf("%s: read back %v (%v)", p, got.Data, err)
		}
	}
	r, err := OpenRows(npy, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make([]float32, 2*3)
	if err := r.ReadRows(got, []int{5, 6}); err != nil || !slices.Equal(got, x.Data[15:]) {
		t.Fatalf("rows 5, 6: %v (%v)", got, err)
	}
	if _, err := OpenRows(csv, DataOptions{}); !errors.Is(err, ErrNotStreamable) {
		t.Fatalf("a CSV opened row by row: %v", err)
	}
	var b bytes.Buffer
	w, err := NewNPYWriter(&b, 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(w.Write(x.Data[:9]), w.Write(x.Data[9:]), w.Close()); err != nil {
		t.Fatal(err)
	}
	if want, _ := os.ReadFile(npy); !bytes.Equal(b.Bytes(), want) {
		t.Fatal("the streamed .npy differs from WriteData's")
	}
}
