package data

// An array is a typed n-dimensional array as a file stores it: element type,
// shape, layout and raw bytes, before conversion to float32 or int. Every
// reader produces one and shares the checks and conversions here.

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxElements bounds the element count of any array read from a file.
const maxElements = 1<<31 - 1 // the largest int on every platform

// dtype is an element type.
type dtype struct {
	kind byte // 'f' IEEE float, 'B' bfloat16, 'i' signed int, 'u' unsigned int, 'b' bool
	size int  // bytes per element
	big  bool // big-endian
}

func (d dtype) String() string {
	switch d.kind {
	case 'f':
		return "float" + strconv.Itoa(8*d.size)
	case 'B':
		return "bfloat16"
	case 'i':
		return "int" + strconv.Itoa(8*d.size)
	case 'u':
		return "uint" + strconv.Itoa(8*d.size)
	case 'b':
		return "bool"
	}
	return "unknown"
}

func (d dtype) isFloat() bool { return d.kind == 'f' || d.kind == 'B' }

type array struct {
	dtype   dtype
	shape   []int
	fortran bool    // column-major (first index varies fastest)
	data    []byte  // exactly numel*dtype.size bytes
	divisor float32 // divides every element when converting to float32; 0 means 1
}

// shapeString formats a shape as "100x784"; a scalar is "scalar".
func shapeString(shape []int) string {
	if len(shape) == 0 {
		return "scalar"
	}
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "x")
}

// numel returns the element count of shape, rejecting negative dimensions,
// overflow and more than maxElements elements (counting the nonzero
// dimensions, so that [0, 1<<40, 1<<40] is rejected too).
func numel(shape []int) (int, error) {
	n, nz := 1, 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %s", shapeString(shape))
		}
		if d == 0 {
			n = 0
			continue
		}
		if nz > maxElements/d {
			return 0, fmt.Errorf("absurd shape %s: more than %d elements", shapeString(shape), maxElements)
		}
		nz *= d
		n *= d
	}
	return n, nil
}

// checkSize checks that have bytes hold exactly the data the header declares.
// The shape must already have passed numel.
func checkSize(shape []int, dt dtype, n, have int) error {
	want := n * dt.size
	if have < want {
		return fmt.Errorf("truncated: header declares %s %s (%d bytes of data) but %d bytes follow",
			shapeString(shape), dt, want, have)
	}
	if have > want {
		return fmt.Errorf("%d bytes after the %s %s data (%d bytes expected)", have-want, shapeString(shape), dt, want)
	}
	return nil
}

// matrixShape returns the rows and columns of shape flattened to 2-D.
func matrixShape(shape []int) (rows, cols int, err error) {
	if len(shape) < 2 {
		return 0, 0, fmt.Errorf("rank %d, want a 2-D matrix", len(shape))
	}
	rows, cols = shape[0], 1
	for _, d := range shape[1:] {
		cols *= d // cannot overflow: numel checked the shape
	}
	if rows == 0 || cols == 0 {
		return 0, 0, fmt.Errorf("empty matrix (shape %s)", shapeString(shape))
	}
	return rows, cols, nil
}

// matrix converts a to a Matrix, flattening trailing dimensions, and rejects
// NaN and ±Inf.
func (a *array) matrix(keepNaN bool) (*Matrix, error) {
	n, err := numel(a.shape)
	if err != nil {
		return nil, err
	}
	rows, cols, err := matrixShape(a.shape)
	if err != nil {
		return nil, err
	}
	if len(a.data) != n*a.dtype.size {
		return nil, errors.New("internal error: data size does not match shape")
	}
	m := &Matrix{Rows: rows, Cols: cols, Data: make([]float32, n)}
	// src maps a matrix index to the index of that element in the file.
	src := func(i int) int { return i }
	if a.fortran && len(a.shape) > 1 {
		tmp := make([]float32, n)
		decodeFloat32(tmp, a.data, a.dtype)
		f := fortranColumns(a.shape[1:])
		for r := 0; r < rows; r++ {
			row := m.Data[r*cols : (r+1)*cols]
			for c := range row {
				row[c] = tmp[r+rows*f[c]]
			}
		}
		src = func(i int) int { return i/cols + rows*f[i%cols] }
	} else if a.divisor != 0 && a.dtype.kind == 'u' && a.dtype.size == 1 {
		var table [256]float32
		for i := range table {
			table[i] = float32(i) / a.divisor
		}
		for i, c := range a.data[:n] {
			m.Data[i] = table[c]
		}
		return m, nil
	} else {
		decodeFloat32(m.Data, a.data, a.dtype)
	}
	if a.divisor != 0 && a.divisor != 1 {
		for i := range m.Data {
			m.Data[i] /= a.divisor
		}
	}
	if !a.dtype.isFloat() {
		return m, nil
	}
	for i, v := range m.Data {
		if v-v == 0 || keepNaN && v != v {
			continue
		}
		what := nonFinite(v)
		if a.dtype.kind == 'f' && a.dtype.size == 8 {
			j := src(i) * 8
			if x := math.Float64frombits(rawBits(a.data[j:j+8], 8, a.dtype.big)); !math.IsNaN(x) && !math.IsInf(x, 0) {
				what = fmt.Sprintf("%g is outside the float32 range", x)
			}
		}
		return nil, fmt.Errorf("row %d column %d: %s", i/cols+1, i%cols+1, what)
	}
	return m, nil
}

func nonFinite(v float32) string {
	switch {
	case math.IsNaN(float64(v)):
		return "NaN"
	case v > 0:
		return "+Inf"
	}
	return "-Inf"
}

// fortranColumns maps each C-order flattened index over the trailing
// dimensions dims to its column-major (Fortran) flattened index.
func fortranColumns(dims []int) []int {
	cols := 1
	for _, d := range dims {
		cols *= d
	}
	f := make([]int, cols)
	if len(dims) == 1 {
		for c := range f {
			f[c] = c
		}
		return f
	}
	idx := make([]int, len(dims))
	for c := range f {
		// Fortran index of the multi-index idx.
		fi := 0
		for k := len(dims) - 1; k >= 0; k-- {
			fi = fi*dims[k] + idx[k]
		}
		f[c] = fi
		// Advance idx in C order (last index fastest).
		for k := len(dims) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < dims[k] {
				break
			}
			idx[k] = 0
		}
	}
	return f
}

// labels converts a to integer labels. a must be 1-D or [n, 1]; float values
// must be integers.
func (a *array) labels() ([]int, error) {
	n, err := numel(a.shape)
	if err != nil {
		return nil, err
	}
	if !(len(a.shape) == 1 || len(a.shape) == 2 && a.shape[1] == 1) {
		return nil, fmt.Errorf("shape %s, want labels as a 1-D array or one column", shapeString(a.shape))
	}
	if n == 0 {
		return nil, errors.New("no labels")
	}
	if len(a.data) != n*a.dtype.size {
		return nil, errors.New("internal error: data size does not match shape")
	}
	out := make([]int, n)
	sz := a.dtype.size
	for i := range out {
		u := rawBits(a.data[i*sz:(i+1)*sz], sz, a.dtype.big)
		switch a.dtype.kind {
		case 'i':
			out[i] = int(int64(u<<(64-8*sz)) >> (64 - 8*sz))
		case 'u', 'b':
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("label %d: %d is too large", i+1, u)
			}
			out[i] = int(u)
		default:
			x := bitsToFloat64(u, a.dtype)
			v, err := intValue(x)
			if err != nil {
				return nil, fmt.Errorf("label %d: %v", i+1, err)
			}
			out[i] = v
		}
	}
	return out, nil
}

// intValue returns x as an int if it is an integer in the int32 range.
func intValue(x float64) (int, error) {
	switch {
	case math.IsNaN(x):
		return 0, errors.New("NaN")
	case math.IsInf(x, 0):
		return 0, fmt.Errorf("%s", nonFinite(float32(x)))
	case x != math.Trunc(x):
		return 0, fmt.Errorf("%g is not an integer", x)
	case x < math.MinInt32 || x > math.MaxInt32:
		return 0, fmt.Errorf("%g is out of range", x)
	}
	return int(x), nil
}

// rawBits reads one element of size bytes as an unsigned integer.
func rawBits(b []byte, size int, big bool) uint64 {
	var u uint64
	if big {
		for _, c := range b[:size] {
			u = u<<8 | uint64(c)
		}
		return u
	}
	for i := size - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u
}

// bitsToFloat64 converts one element's bits to float64.
func bitsToFloat64(u uint64, d dtype) float64 {
	switch d.kind {
	case 'f':
		switch d.size {
		case 2:
			return float64(halfToFloat32(uint16(u)))
		case 4:
			return float64(math.Float32frombits(uint32(u)))
		default:
			return math.Float64frombits(u)
		}
	case 'B':
		return float64(math.Float32frombits(uint32(u) << 16))
	case 'i':
		return float64(int64(u<<(64-8*d.size)) >> (64 - 8*d.size))
	case 'b':
		if u != 0 {
			return 1
		}
		return 0
	}
	return float64(u)
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0: // zero or subnormal: mant * 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	case 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// decodeFloat32 converts the elements of src, of type d, into dst.
func decodeFloat32(dst []float32, src []byte, d dtype) {
	switch {
	case d.kind == 'u' && d.size == 1:
		for i, c := range src[:len(dst)] {
			dst[i] = float32(c)
		}
	case d.kind == 'f' && d.size == 4 && !d.big:
		src = src[:4*len(dst)]
		for i := range dst {
			b := src[4*i : 4*i+4]
			dst[i] = math.Float32frombits(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
		}
	case d.kind == 'f' && d.size == 4:
		src = src[:4*len(dst)]
		for i := range dst {
			b := src[4*i : 4*i+4]
			dst[i] = math.Float32frombits(uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24)
		}
	default:
		sz := d.size
		for i := range dst {
			dst[i] = float32(bitsToFloat64(rawBits(src[i*sz:(i+1)*sz], sz, d.big), d))
		}
	}
}

// readUpTo reads up to n bytes from r, growing its buffer as data arrives
// rather than trusting n to allocate. It stops early at io.EOF.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, min(n, 64<<20))
	got := 0
	for got < n {
		if got == len(buf) {
			nb := make([]byte, min(n, 2*len(buf)))
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[got:])
		got += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf[:got], err
		}
	}
	return buf[:got], nil
}
