package data

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkRowsLikeLoad opens path both ways: when Load succeeds, OpenRows must
// too (unless the layout is not streamable) and reading every row, in a
// shuffled order with runs of consecutive rows, must give Load's values;
// when Load fails, opening or reading must fail with a one-line *Error.
func checkRowsLikeLoad(t *testing.T, path string) {
	t.Helper()
	checkRowsLikeLoadOpt(t, path, Options{})
}

func checkRowsLikeLoadOpt(t *testing.T, path string, opt Options) {
	t.Helper()
	m, lerr := Load(path, opt)
	r, err := OpenRows(path, opt)
	if err != nil {
		checkFuzzErr(t, err, path)
		if errors.Is(err, ErrNotStreamable) {
			return
		}
		if lerr == nil {
			t.Fatalf("Load reads %s but OpenRows fails: %v", path, err)
		}
		return
	}
	defer r.Close()
	rows, cols := r.Dims()
	if lerr == nil && (rows != m.Rows || cols != m.Cols) {
		t.Fatalf("OpenRows dims %dx%d, Load %dx%d", rows, cols, m.Rows, m.Cols)
	}
	if rows*cols > 1<<22 {
		return // declared huge: Load must have failed on the size
	}
	// Shuffle, then sort stretches so that consecutive runs occur too.
	idx := rand.New(rand.NewPCG(uint64(rows), 1)).Perm(rows)
	slices.Sort(idx[:len(idx)/2])
	got := make([]float32, rows*cols)
	err = r.ReadRows(got, idx)
	if lerr != nil {
		if err == nil {
			t.Fatalf("Load fails (%v) but every row of %s reads", lerr, path)
		}
		checkFuzzErr(t, err, path)
		return
	}
	if err != nil {
		t.Fatalf("reading rows: %v", err)
	}
	for i, row := range idx {
		if !slices.Equal(got[i*cols:(i+1)*cols], m.Data[row*cols:(row+1)*cols]) {
			t.Fatalf("row %d differs from Load's", row)
		}
	}
}

func TestRowsMatchLoad(t *testing.T) {
	dir := t.TempDir()
	for i, b := range npySeeds() {
		checkRowsLikeLoad(t, fuzzFile(t, dir, "s"+string(rune('a'+i))+".npy", b))
	}
	big := make([]float32, 700*5)
	for i := range big {
		big[i] = float32(i) * 0.25
	}
	checkRowsLikeLoad(t, fuzzFile(t, dir, "big.npy", npyRaw(npyDict("<f4", "False", "(700, 5)"), f32le(big...))))
	checkRowsLikeLoad(t, fuzzFile(t, dir, "big64.npy", npyRaw(npyDict(">f8", "False", "(3, 2)"), []byte{
		0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})))
	nan := npyRaw(npyDict("<f4", "False", "(3, 2)"), f32le(1, 2, 3, 4, 5, 6))
	copy(nan[len(nan)-4:], []byte{0, 0, 0xc0, 0x7f})
	checkRowsLikeLoad(t, fuzzFile(t, dir, "nan.npy", nan))
	pix := make([]byte, 300*4)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	img := idxFile(0x08, []uint32{300, 2, 2}, pix)
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"x.idx", img}, {"x-idx3-ubyte.gz", gz(img)}, {"y-idx3-ubyte", gz(img)}, {"t.idx.gz", gz(img[:len(img)-3])},
		{"f.idx", idxFile(0x0D, []uint32{1, 2}, []byte{0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0})},
		{"e.idx", idxFile(0x0E, []uint32{1, 1}, make([]byte, 8))},
		{"h.idx", idxFile(0x08, []uint32{60000, 28, 28}, nil)},
		{"hz.idx.gz", gz(idxFile(0x08, []uint32{60000, 28, 28}, nil))},
	} {
		checkRowsLikeLoad(t, fuzzFile(t, dir, c.name, c.b))
	}
	// Formats read whole by Load are refused with ErrNotStreamable.
	p := fuzzFile(t, dir, "x.csv", []byte("1,2\n3,4\n"))
	if _, err := OpenRows(p, Options{}); !errors.Is(err, ErrNotStreamable) {
		t.Fatalf("csv: %v", err)
	}
	if _, err := OpenRows(fuzzFile(t, dir, "fo.npy", npyRaw(npyDict("<f4", "True", "(2, 2)"), f32le(1, 2, 3, 4))), Options{}); !errors.Is(err, ErrNotStreamable) {
		t.Fatalf("Fortran order: %v", err)
	}
	r, err := OpenRows(fuzzFile(t, dir, "r.npy", npyRaw(npyDict("<f4", "False", "(2, 2)"), f32le(1, 2, 3, 4))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ReadRows(make([]float32, 2), []int{2}); err == nil {
		t.Fatal("row 3 of 2 read")
	}
	r.Close()
}

func FuzzOpenRows(f *testing.F) {
	for _, s := range npySeeds() {
		f.Add(s, false)
	}
	img := idxFile(0x08, []uint32{2, 2, 2}, []byte{0, 51, 102, 153, 204, 255, 0, 0})
	f.Add(img, true)
	f.Add(gz(img), true)
	f.Add(idxFile(0x0D, []uint32{1, 2}, []byte{0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0}), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, idx bool) {
		name := "x.npy"
		if idx {
			name = "x-idx3-ubyte.gz"
		}
		checkRowsLikeLoad(t, fuzzFile(t, dir, name, b))
	})
}
