package data

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// npyRaw builds a version 1.0 .npy file from a header dict and raw data.
func npyRaw(dict string, data []byte) []byte {
	h := dict + strings.Repeat(" ", (64-(10+len(dict)+1)%64)%64) + "\n"
	b := []byte(npyMagic + "\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	b = append(b, h...)
	return append(b, data...)
}

func npyDict(descr, fortran, shape string) string {
	return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
}

func TestLoadNPYMalformed(t *testing.T) {
	good := npyRaw(npyDict("<f4", "False", "(2, 3)"), f32le(1, 2, 3, 4, 5, 6))
	v2 := append([]byte(npyMagic+"\x02\x00"), 0xff, 0xff, 0xff, 0x7f)
	nan := f32le(1, 2, 3, 4, float32(math.NaN()), 6)
	cases := []malformed{
		{"x.npy", []byte("hello"), "bad magic"},
		{"x.npy", []byte("PK\x03\x04 this is a zip"), "bad magic"},
		{"x.npy", good[:8], "truncated"},
		{"x.npy", good[:40], "truncated: header length"},
		{"x.npy", good[:len(good)-5], "truncated: header declares 2x3 float32 (24 bytes of data) but 19 bytes follow"},
		{"x.npy", append(append([]byte{}, good...), 0, 0, 0, 0), "4 bytes after the 2x3 float32 data"},
		{"x.npy", v2, "truncated: header length"},
		{"x.npy", []byte(npyMagic + "\x09\x00\x00\x00"), "unsupported .npy format version 9.0"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(6,)"), f32le(1, 2, 3, 4, 5, 6)), "rank 1, want a 2-D matrix"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "()"), f32le(1)), "rank 0, want a 2-D matrix"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(0, 3)"), nil), "empty matrix"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(3, 0)"), nil), "empty matrix"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(100000, 100000)"), f32le(1)), "absurd shape 100000x100000"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(0, 4294967296, 4294967296)"), nil), "absurd shape"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(99999999999999999999999, 1)"), nil), "bad dimension"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(-2, 3)"), nil), "negative dimension"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(1000, 784)"), f32le(1, 2)), "truncated: header declares 1000x784 float32 (3136000 bytes of data) but 8 bytes follow"},
		{"x.npy", npyRaw(npyDict("|O", "False", "(2, 3)"), make([]byte, 48)), "object dtype"},
		{"x.npy", npyRaw(npyDict("<U3", "False", "(2, 3)"), make([]byte, 72)), "string dtype"},
		{"x.npy", npyRaw(npyDict("<c8", "False", "(1, 1)"), make([]byte, 8)), "complex dtype"},
		{"x.npy", npyRaw(npyDict("<f3", "False", "(1, 1)"), make([]byte, 3)), `unsupported dtype "<f3"`},
		{"x.npy", npyRaw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32le(1)), "structured dtypes"},
		{"x.npy", npyRaw("{'descr': '<f4', 'fortran_order': False, }", f32le(1)), `no "shape" key`},
		{"x.npy", npyRaw("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1, 1), }", f32le(1)), "fortran_order: want True or False"},
		{"x.npy", npyRaw("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", f32le(1)), "duplicate key"},
		{"x.npy", npyRaw("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'x': 1}", f32le(1)), "unexpected key"},
		{"x.npy", npyRaw("['descr']", f32le(1)), "bad header: not a Python dict"},
		{"x.npy", npyRaw("{'descr: '<f4'", f32le(1)), "bad header"},
		{"x.npy", npyRaw("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1) junk", f32le(1)), "missing ',' or '}'"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(1 1)"), f32le(1)), "missing ',' or ')'"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(2, 3)"), nan), "row 2 column 2: NaN"},
		{"x.npy", npyRaw(npyDict("<f4", "False", "(2, 3)"), f32le(1, float32(math.Inf(-1)), 3, 4, 5, 6)), "row 1 column 2: -Inf"},
		{"x.npy", npyRaw(npyDict("<f4", "True", "(2, 3)"), nan), "row 1 column 3: NaN"},
		{"x.npy", npyRaw(npyDict("<f8", "False", "(1, 2)"), binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.Float64bits(1)), math.Float64bits(1e300))), "row 1 column 2: 1e+300 is outside the float32 range"},
		{"x.npy", npyRaw(npyDict("<f2", "False", "(1, 2)"), []byte{0, 0, 0, 0x7c}), "row 1 column 2: +Inf"},
	}
	runMalformed(t, cases)
}

// The same 2x3 matrix [[1 2 3] [4 5 6]] in many encodings.
func TestLoadNPYTypes(t *testing.T) {
	want := []float32{1, 2, 3, 4, 5, 6}
	cOrder := []float64{1, 2, 3, 4, 5, 6}
	fOrder := []float64{1, 4, 2, 5, 3, 6}
	enc := func(vals []float64, size int, big bool, f func(float64) uint64) []byte {
		var b []byte
		for _, v := range vals {
			u := f(v)
			for i := 0; i < size; i++ {
				shift := 8 * i
				if big {
					shift = 8 * (size - 1 - i)
				}
				b = append(b, byte(u>>shift))
			}
		}
		return b
	}
	f64 := func(v float64) uint64 { return math.Float64bits(v) }
	f32 := func(v float64) uint64 { return uint64(math.Float32bits(float32(v))) }
	f16 := func(v float64) uint64 { // exact for small integers
		e := math.Ilogb(v)
		m := uint64(v*float64(uint64(1)<<(10-e))) & 0x3ff
		return uint64(e+15)<<10 | m
	}
	i := func(v float64) uint64 { return uint64(int64(v)) }
	cases := []struct {
		descr   string
		size    int
		fortran bool
		f       func(float64) uint64
	}{
		{"<f4", 4, false, f32}, {">f4", 4, false, f32}, {"<f4", 4, true, f32}, {">f4", 4, true, f32},
		{"<f8", 8, false, f64}, {">f8", 8, false, f64}, {"<f8", 8, true, f64}, {"=f8", 8, false, f64},
		{"<f2", 2, false, f16}, {">f2", 2, false, f16},
		{"|u1", 1, false, i}, {"|i1", 1, false, i}, {"<i2", 2, false, i}, {">u2", 2, true, i},
		{"<i4", 4, false, i}, {">i4", 4, false, i}, {"<u4", 4, false, i}, {"<i8", 8, false, i},
		{">i8", 8, false, i}, {"<u8", 8, true, i},
	}
	for _, c := range cases {
		vals, ford := cOrder, "False"
		if c.fortran {
			vals, ford = fOrder, "True"
		}
		big := c.descr[0] == '>'
		b := npyRaw(npyDict(c.descr, ford, "(2, 3)"), enc(vals, c.size, big, c.f))
		path := writeTemp(t, "x.npy", b)
		m, err := Load(path, Options{})
		if err != nil {
			t.Fatalf("%s fortran=%v: %v", c.descr, c.fortran, err)
		}
		checkMatrixEq(t, m, 2, 3, want)
	}
	// Negative integers and bool.
	m, err := Load(writeTemp(t, "x.npy", npyRaw(npyDict("<i2", "False", "(1, 2)"), []byte{0xff, 0xff, 0x00, 0x80})), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 1, 2, []float32{-1, -32768})
	m, err = Load(writeTemp(t, "x.npy", npyRaw(npyDict("|b1", "False", "(1, 3)"), []byte{0, 1, 2})), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 1, 3, []float32{0, 1, 1})
}

func TestLoadNPYFlattensImageStacks(t *testing.T) {
	// A [2, 2, 3] array: row i holds element i with its trailing axes in C order.
	c := make([]float32, 12)
	for i := range c {
		c[i] = float32(i)
	}
	m, err := Load(writeTemp(t, "x.npy", npyRaw(npyDict("<f4", "False", "(2, 2, 3)"), f32le(c...))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 6, c)
	// The same array in Fortran order: element [i, j, k] sits at i + 2*(j + 2*k).
	f := make([]float32, 12)
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			for k := 0; k < 3; k++ {
				f[i+2*(j+2*k)] = c[i*6+j*3+k]
			}
		}
	}
	m, err = Load(writeTemp(t, "x.npy", npyRaw(npyDict("<f4", "True", "(2, 2, 3)"), f32le(f...))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrixEq(t, m, 2, 6, c)
}

func TestLoadNPYVersions(t *testing.T) {
	dict := npyDict("<f4", "False", "(1L, 2L)") + "\n"
	for _, v := range []byte{2, 3} {
		b := append([]byte(npyMagic), v, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
		b = append(b, dict...)
		b = append(b, f32le(7, 8)...)
		m, err := Load(writeTemp(t, "x.npy", b), Options{})
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		checkMatrixEq(t, m, 1, 2, []float32{7, 8})
	}
}
