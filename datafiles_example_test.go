package sae_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sae-go/sae"
)

// Read a CSV table as the sae command does: columns chosen by name, a text
// id column kept aside, missing values filled by the program.
func ExampleLoadTable() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "flows.csv")
	os.WriteFile(path, []byte("host,bytes,packets,protocol,duration\n"+
		"a,1200,10,tcp,0.5\n"+
		"b,800,NA,udp,0.25\n"), 0o644)
	t, err := sae.LoadTable(path, sae.DataOptions{
		IDColumn: "host",
		Drop:     []string{"protocol"}, // text: never parsed
		Missing:  true,                 // NA reads as NaN
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Join(t.Names, ", "))
	for i := 0; i < t.Rows; i++ {
		fmt.Println(t.IDs[i], t.Row(i))
	}
	// Output:
	// bytes, packets, duration
	// a [1200 10 0.5]
	// b [800 NaN 0.25]
}

// A matrix from Go slices, and a CSV from a reader (a standard input).
func ExampleFromRows() {
	x, err := sae.FromRows([][]float32{{1, 2}, {3, 4}, {5, 6}})
	if err != nil {
		panic(err)
	}
	fmt.Println(x.Rows, x.Cols, x.Row(2))
	t, err := sae.ReadTable(strings.NewReader(`{"a": 1, "b": 2}`+"\n"+`{"b": 4, "a": 3}`+"\n"), "stdin", sae.DataOptions{Columns: []string{"b"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Names, t.Data)
	_, err = sae.FromRows([][]float32{{1, 2}, {3}})
	fmt.Println(err)
	// Output:
	// 3 2 [5 6]
	// [b] [2 4]
	// FromRows: row 1 has 1 values, row 0 has 2
}
