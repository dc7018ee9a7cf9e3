// Command tables writes the same rows as .npy, Parquet (a list column),
// a datasets cache (Arrow stream files) and safetensors shards, for
// bench/tables/rss.sh: Fashion-MNIST's training images repeated -copies
// times (each copy's pixels shifted by the copy number / 1000, so that no
// two rows repeat), with a text id per row.
//
//	go run ./bench/tables -out DIR [-copies 1]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/tabletest"
)

type fatal struct{}

func (fatal) Fatal(args ...any) { log.Fatal(args...) }

func main() {
	src := flag.String("data", "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "rows to write")
	out := flag.String("out", "", "directory to write x.npy, x.parquet, cache/ and shards/ into")
	copies := flag.Int("copies", 1, "how many times the rows are written")
	flag.Parse()
	if *out == "" {
		log.Fatal("-out is required")
	}
	x, err := data.Load(*src, data.Options{})
	if err != nil {
		log.Fatal(err)
	}
	n, d := x.Rows**copies, x.Cols
	m := &tabletest.Matrix{Rows: n, Cols: d, Data: make([]float32, 0, n*d)}
	ids := make([]string, n)
	for c := range *copies {
		for _, v := range x.Data {
			m.Data = append(m.Data, v+float32(c)/1000)
		}
	}
	for i := range ids {
		ids[i] = fmt.Sprintf("row %d", i)
	}
	os.MkdirAll(*out, 0o755)
	if err := data.WriteNPY(filepath.Join(*out, "x.npy"), (*data.Matrix)(m)); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "x.parquet"), tabletest.ParquetList(fatal{}, m, ids, 10000), 0o644); err != nil {
		log.Fatal(err)
	}
	tabletest.WriteDataset(fatal{}, filepath.Join(*out, "cache"), m, ids, *copies, 1000)
	tabletest.WriteShards(fatal{}, filepath.Join(*out, "shards"), m, 10000)
	fmt.Printf("wrote %d rows of %d values to %s\n", n, d, *out)
}
