package data

import (
	"path/filepath"
	"testing"
)

// WriteNPZ's arrays read back through the readers: float32 values, int32
// indices (as numbers), a 1-D int32 array as labels.
func TestWriteNPZRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.npz")
	err := WriteNPZ(path,
		NPZArray{Name: "indices", Shape: []int{2, 3}, I32: []int32{4, 0, -1, 7, 2, 1}},
		NPZArray{Name: "values", Shape: []int{2, 3}, F32: []float32{1.5, -2, 0, 3, 0.25, 1e-3}},
		NPZArray{Name: "class", Shape: []int{2}, I32: []int32{1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := Load(path, Options{Key: "indices"})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, idx, 2, 3, []float32{4, 0, -1, 7, 2, 1})
	val, err := Load(path, Options{Key: "values"})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, val, 2, 3, []float32{1.5, -2, 0, 3, 0.25, 1e-3})
	c, err := LoadLabelsKey(path, "class")
	if err != nil || len(c) != 2 || c[0] != 1 || c[1] != 0 {
		t.Fatalf("class %v, %v", c, err)
	}
	if err := WriteNPZ(path, NPZArray{Name: "bad", Shape: []int{2, 2}, F32: []float32{1}}); err == nil {
		t.Error("a shape its values do not fill was written")
	}
}
