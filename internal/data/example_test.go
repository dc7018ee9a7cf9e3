package data_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sae-go/sae/internal/data"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// A CSV file with a header row, written and read back.
	path := filepath.Join(dir, "points.csv")
	m := &data.Matrix{Rows: 2, Cols: 3, Data: []float32{1, 2.5, 3, 4, 5, 6}}
	if err := data.WriteCSV(path, m, []string{"x", "y", "z"}); err != nil {
		log.Fatal(err)
	}
	got, err := data.Load(path, data.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Rows, got.Cols, got.Row(1))

	// Bad input gives one line that names the file.
	os.WriteFile(path, []byte("x,y\n1,2\n3,oops\n"), 0o644)
	_, err = data.Load(path, data.Options{})
	fmt.Println(err.(*data.Error).Err)
	// Output:
	// 2 3 [4 5 6]
	// line 3 column 2: "oops" is not a number
}
