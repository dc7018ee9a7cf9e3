package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/tabletest"
)

// Training on a Parquet file, an Arrow datasets cache and a directory of
// safetensors shards, streamed or loaded, writes the model that training on
// the same rows in one .npy writes, byte for byte; every other command
// reads them too, and --column picks the column.
func TestTrainOnTables(t *testing.T) {
	dir := t.TempDir()
	m, ids := tabletest.Table(240, 6, 7)
	npy := filepath.Join(dir, "x.npy")
	if err := data.WriteNPY(npy, (*data.Matrix)(m)); err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(dir, "x.parquet")
	if err := os.WriteFile(pq, tabletest.ParquetList(t, m, ids, 9), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, shards := filepath.Join(dir, "cache"), filepath.Join(dir, "shards")
	tabletest.WriteDataset(t, ds, m, ids, 3, 5)
	tabletest.WriteShards(t, shards, m, 20) // 12 shards: chunk-10 sorts after chunk-9
	train := func(path, stream string, extra ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, "m-"+filepath.Base(path)+"-"+stream)
		args := append([]string{"train", "--data", path, "--out", out, "--hidden", "5", "--epochs", "3", "--batch", "32", "--stream", stream, "--json"}, extra...)
		if _, stderr, code := saeRun(t, args...); code != 0 {
			t.Fatalf("train on %s --stream %s: exit %d: %s", path, stream, code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, sae.WeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := train(npy, "off")
	for _, path := range []string{pq, ds, shards} {
		for _, stream := range []string{"on", "off"} {
			if got := train(path, stream); !bytes.Equal(got, want) {
				t.Errorf("%s --stream %s: model weights differ from the .npy run's", path, stream)
			}
		}
	}
	if got := train(pq, "on", "--column", "emb"); !bytes.Equal(got, want) {
		t.Error("--column emb: model weights differ")
	}
	model := filepath.Join(dir, "m-x.npy-off")
	for _, args := range [][]string{
		{"eval", "--model", model, "--data", ds, "--json"},
		{"score", "--model", model, "--data", pq, "--out", filepath.Join(dir, "s.csv")},
		{"encode", "--model", model, "--data", shards, "--out", filepath.Join(dir, "c.npy")},
	} {
		if _, stderr, code := saeRun(t, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", args[0], code, stderr)
		}
	}
	_, stderr, code := saeRun(t, "eval", "--model", model, "--data", pq, "--column", "vec")
	if code != 1 || !strings.Contains(stderr, pq+`: no column "vec" (columns: emb, text)`) {
		t.Fatalf("--column vec: exit %d, %q", code, stderr)
	}
}
