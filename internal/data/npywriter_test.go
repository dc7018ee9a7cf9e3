package data

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Rows written in pieces make WriteNPY's file, byte for byte; too few or
// too many rows, or a piece that is not whole rows, are errors.
func TestNPYWriter(t *testing.T) {
	m := &Matrix{Rows: 5, Cols: 3, Data: make([]float32, 15)}
	for i := range m.Data {
		m.Data[i] = float32(i)*0.37 - 2
	}
	path := filepath.Join(t.TempDir(), "m.npy")
	if err := WriteNPY(path, m); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, err := NewNPYWriter(&b, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range [][2]int{{0, 2}, {2, 2}, {2, 5}} {
		if err := w.Write(m.Data[part[0]*3 : part[1]*3]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatal("the streamed .npy differs from WriteNPY's")
	}
	got, err := Load(path, Options{})
	if err != nil || got.Rows != 5 {
		t.Fatalf("read back: %v", err)
	}

	short, _ := NewNPYWriter(&bytes.Buffer{}, 5, 3)
	short.Write(m.Data[:6])
	if short.Close() == nil {
		t.Error("2 of 5 rows: no error")
	}
	long, _ := NewNPYWriter(&bytes.Buffer{}, 1, 3)
	if long.Write(m.Data[:6]) == nil {
		t.Error("2 rows into 1: no error")
	}
	ragged, _ := NewNPYWriter(&bytes.Buffer{}, 5, 3)
	if ragged.Write(m.Data[:4]) == nil {
		t.Error("4 values of 3-value rows: no error")
	}
}
