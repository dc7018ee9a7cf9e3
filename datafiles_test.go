package sae

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// A model's column names and missing-value fills are saved and loaded,
// and a config.json whose names or fills do not match the inputs is
// refused naming the key.
func TestModelColumnsSaved(t *testing.T) {
	x, err := FromRows([][]float32{{1, 2, 3}, {2, 3, 4}, {3, 5, 5}, {4, 4, 6}, {5, 6, 7}, {6, 8, 9}, {7, 7, 8}, {8, 9, 9}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs = 2, 1
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.Columns, m.Fill = []string{"a", "b", "c"}, []float32{1, 2.5, 3}
	dir := filepath.Join(t.TempDir(), "m")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Columns, m.Columns) || !slices.Equal(got.Fill, m.Fill) {
		t.Fatalf("loaded columns %q fill %v", got.Columns, got.Fill)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	orig, _ := os.ReadFile(cfgPath)
	for _, c := range []struct{ from, to, phrase string }{
		{`"c"`, `"a"`, `columns: "a" twice`},
		{`"b",`, ``, "columns: 2 names for 3 inputs"},
		{`2.5,`, ``, "missing_fill: 2 values for 3 inputs"},
	} {
		b := bytes.Replace(orig, []byte(c.from), []byte(c.to), 1)
		if bytes.Equal(b, orig) {
			t.Fatalf("%q not in config.json", c.from)
		}
		os.WriteFile(cfgPath, b, 0o644)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), c.phrase) {
			t.Errorf("config.json with %s: %v, want %q", c.phrase, err, c.phrase)
		}
	}
	if _, err := FromRows(nil); err == nil {
		t.Error("FromRows(nil) succeeded")
	}
}
