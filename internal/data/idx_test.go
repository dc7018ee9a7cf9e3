package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// idxFile builds an IDX file of the given type code and dimensions.
func idxFile(code byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, code, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestLoadIDXMalformed(t *testing.T) {
	img := idxFile(0x08, []uint32{2, 2, 2}, []byte{0, 51, 102, 153, 204, 255, 0, 0})
	zimg := gz(img)
	badsum := append([]byte{}, zimg...)
	badsum[len(badsum)-6] ^= 0xff
	f32 := idxFile(0x0D, []uint32{1, 2}, []byte{0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0})
	cases := []malformed{
		{"x.idx", []byte{0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1}, "bad magic 0x12345678 (want an IDX file)"},
		{"x.idx", []byte{0, 0, 0x07, 3}, "unknown IDX type 0x07"},
		{"x.idx", []byte{0, 0, 0x08, 0}, "zero dimensions"},
		{"x.idx", []byte{0, 0}, "too short for an IDX header"},
		{"x.idx", img[:10], "too short for an IDX header (16 bytes)"},
		{"x.idx", img[:len(img)-3], "truncated: header declares 2x2x2 uint8 (8 bytes of data) but 5 bytes follow"},
		{"x.idx", append(append([]byte{}, img...), 1), "1 bytes after the 2x2x2 uint8 data"},
		{"x.idx", idxFile(0x08, []uint32{60000, 28, 28}, []byte{1, 2, 3}), "truncated: header declares 60000x28x28 uint8 (47040000 bytes of data) but 3 bytes follow"},
		{"x.idx", idxFile(0x08, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "absurd shape"},
		{"x.idx", idxFile(0x08, []uint32{4}, []byte{1, 2, 3, 4}), "rank 1, want a 2-D matrix"},
		{"x.idx", idxFile(0x08, []uint32{0, 28, 28}, nil), "empty matrix"},
		{"x.idx", f32, "row 1 column 2: NaN"},
		{"x.idx.gz", zimg[:len(zimg)-12], "truncated gzip data"},
		{"x.idx.gz", badsum, "corrupt gzip data"},
		{"x.idx.gz", gz(nil), "empty file"},
		{"x.idx.gz", gz(img[:6]), "too short for an IDX header"},
		{"x.idx.gz", gz(img[:len(img)-1]), "truncated: header declares 2x2x2 uint8 (8 bytes of data) but 7 bytes follow"},
		{"x.idx.gz", gz(append(append([]byte{}, img...), 9, 9)), "extra bytes after the 2x2x2 uint8 data"},
		{"x.idx.gz", gz(idxFile(0x08, []uint32{60000, 28, 28}, nil)), "cannot hold that much"},
		{"x-idx3-ubyte.gz", []byte{0x1f, 0x8b, 1, 2, 3}, "corrupt gzip data"},
	}
	runMalformed(t, cases)
}

func TestLoadIDX(t *testing.T) {
	pix := []byte{0, 51, 102, 153, 204, 255, 0, 17}
	img := idxFile(0x08, []uint32{2, 2, 2}, pix)
	want := make([]float32, len(pix))
	for i, p := range pix {
		want[i] = float32(p) / 255
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"x.idx", img}, {"x-idx3-ubyte", img}, {"x.idx3-ubyte", img},
		{"x-idx3-ubyte.gz", gz(img)}, {"x.idx.gz", gz(img)},
		{"x-idx3-ubyte", gz(img)}, // gzip found by its magic bytes
		{"x.idx.gz", img},         // not gzipped after all
	} {
		m, err := Load(writeTemp(t, c.name, c.b), Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkMatrixEq(t, m, 2, 4, want)
	}
	// Other types are converted, not scaled.
	i16 := idxFile(0x0B, []uint32{1, 2}, []byte{0xff, 0xfe, 0x01, 0x00})
	f64 := idxFile(0x0E, []uint32{1, 1}, binary.BigEndian.AppendUint64(nil, math.Float64bits(-2.5)))
	i8 := idxFile(0x09, []uint32{1, 2}, []byte{0xff, 0x7f})
	i32 := idxFile(0x0C, []uint32{1, 1}, []byte{0xff, 0xff, 0xff, 0xfd})
	f32 := idxFile(0x0D, []uint32{1, 1}, []byte{0x3f, 0xc0, 0, 0})
	for _, c := range []struct {
		b    []byte
		want []float32
	}{{i16, []float32{-2, 256}}, {f64, []float32{-2.5}}, {i8, []float32{-1, 127}}, {i32, []float32{-3}}, {f32, []float32{1.5}}} {
		m, err := Load(writeTemp(t, "x.idx", c.b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkMatrixEq(t, m, 1, len(c.want), c.want)
	}
}

// A Fashion-MNIST-sized training file loads correctly, raw and gzipped.
// Its speed is measured by BenchmarkLoadIDXFashionMNISTSize, not asserted.
func TestLoadIDXFashionMNISTSize(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	pix, files := fashionSizedIDX()
	for _, c := range files {
		path := writeTemp(t, c.name, c.b)
		m, err := Load(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Rows != 60000 || m.Cols != 784 || m.Data[12345] != float32(pix[12345])/255 {
			t.Fatalf("got %dx%d", m.Rows, m.Cols)
		}
	}
}

func BenchmarkLoadIDXFashionMNISTSize(b *testing.B) {
	_, files := fashionSizedIDX()
	for _, c := range files {
		b.Run(c.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), c.name)
			if err := os.WriteFile(path, c.b, 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(60000 * 784)
			for i := 0; i < b.N; i++ {
				if _, err := Load(path, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type namedBytes struct {
	name string
	b    []byte
}

// fashionSizedIDX returns 60000 28x28 images as IDX bytes, raw and gzipped.
func fashionSizedIDX() ([]byte, []namedBytes) {
	pix := make([]byte, 60000*784)
	for i := range pix {
		pix[i] = byte(i * 7 % 251)
	}
	raw := idxFile(0x08, []uint32{60000, 28, 28}, pix)
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(raw)
	w.Close()
	return pix, []namedBytes{{"train-images-idx3-ubyte", raw}, {"train-images-idx3-ubyte.gz", buf.Bytes()}}
}

// ReadRows of a training batch: 256 rows in random order from a
// Fashion-MNIST-sized IDX file of bytes (scaled to [0, 1] as they are read).
func BenchmarkReadRowsIDXBatch(b *testing.B) {
	_, files := fashionSizedIDX()
	path := filepath.Join(b.TempDir(), files[0].name)
	if err := os.WriteFile(path, files[0].b, 0o644); err != nil {
		b.Fatal(err)
	}
	r, err := OpenRows(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	idx := make([]int, 256)
	dst := make([]float32, 256*784)
	b.SetBytes(256 * 784)
	for i := 0; i < b.N; i++ {
		for k := range idx {
			idx[k] = rng.IntN(60000)
		}
		if err := r.ReadRows(dst, idx); err != nil {
			b.Fatal(err)
		}
	}
}
