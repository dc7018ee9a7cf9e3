package data

// MNIST-style IDX files, raw or gzipped: a big-endian magic number
// 0x0000TTNN (TT the element type, NN the number of dimensions), NN
// big-endian uint32 dimensions, then the elements, big-endian.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// idxType maps IDX type codes to element types.
var idxType = map[byte]dtype{
	0x08: {kind: 'u', size: 1},
	0x09: {kind: 'i', size: 1},
	0x0B: {kind: 'i', size: 2, big: true},
	0x0C: {kind: 'i', size: 4, big: true},
	0x0D: {kind: 'f', size: 4, big: true},
	0x0E: {kind: 'f', size: 8, big: true},
}

// parseIDXHeader parses the magic number and dimensions at the start of b,
// returning the element type, the shape and the header length. When b is too
// short it reports how many bytes it needs.
func parseIDXHeader(b []byte) (dt dtype, shape []int, n int, err error) {
	if len(b) < 4 {
		return dt, nil, 4, nil
	}
	magic := binary.BigEndian.Uint32(b)
	if b[0] != 0 || b[1] != 0 {
		return dt, nil, 0, fmt.Errorf("bad magic 0x%08x (want an IDX file)", magic)
	}
	dt, ok := idxType[b[2]]
	if !ok {
		return dt, nil, 0, fmt.Errorf("bad magic 0x%08x: unknown IDX type 0x%02x", magic, b[2])
	}
	nd := int(b[3])
	if nd == 0 {
		return dt, nil, 0, fmt.Errorf("bad magic 0x%08x: zero dimensions", magic)
	}
	n = 4 + 4*nd
	if len(b) < n {
		return dt, nil, n, nil
	}
	shape = make([]int, nd)
	for i := range shape {
		v := binary.BigEndian.Uint32(b[4+4*i:])
		if v > maxElements { // would not fit a 32-bit int
			return dt, nil, n, fmt.Errorf("absurd shape: dimension %d of %d is %d, more than %d elements", i+1, nd, v, maxElements)
		}
		shape[i] = int(v)
	}
	return dt, shape, n, nil
}

// decodeIDX parses a whole IDX file, gzipped or not (recognised by its magic
// bytes). With images set, unsigned bytes are scaled to [0, 1].
func decodeIDX(b []byte, images bool) (*array, error) {
	var a *array
	var err error
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		a, err = decodeIDXGzip(b)
	} else {
		a, err = decodeIDXRaw(b)
	}
	if err != nil {
		return nil, err
	}
	if images && a.dtype.kind == 'u' && a.dtype.size == 1 {
		a.divisor = 255
	}
	return a, nil
}

func decodeIDXRaw(b []byte) (*array, error) {
	if len(b) == 0 {
		return nil, errors.New("empty file")
	}
	dt, shape, hlen, err := parseIDXHeader(b)
	if err != nil {
		return nil, err
	}
	if shape == nil {
		return nil, fmt.Errorf("truncated: %d bytes, too short for an IDX header (%d bytes)", len(b), hlen)
	}
	n, err := numel(shape)
	if err != nil {
		return nil, err
	}
	if err := checkSize(shape, dt, n, len(b)-hlen); err != nil {
		return nil, err
	}
	return &array{dtype: dt, shape: shape, data: b[hlen:]}, nil
}

func decodeIDXGzip(b []byte) (*array, error) {
	zr, dt, shape, n, err := openIDXGzip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	want := n * dt.size
	data, err := readUpTo(zr, want)
	if err != nil {
		return nil, gzErr(err)
	}
	if len(data) < want {
		return nil, checkSize(shape, dt, n, len(data))
	}
	// Read to the end, which verifies the gzip checksum, and count extra bytes.
	extra, err := io.Copy(io.Discard, io.LimitReader(zr, 1<<20))
	if err != nil {
		return nil, gzErr(err)
	}
	if extra > 0 {
		return nil, fmt.Errorf("extra bytes after the %s %s data", shapeString(shape), dt)
	}
	return &array{dtype: dt, shape: shape, data: data}, nil
}

// gzErr describes an error of gzip decompression.
func gzErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("truncated gzip data")
	}
	return fmt.Errorf("corrupt gzip data: %v", err)
}

// openIDXGzip starts decompressing a gzipped IDX file of size bytes and
// parses its header, returning the reader positioned at the data, the
// element type, shape and element count; the declared size is checked
// against what size bytes of deflate can hold.
func openIDXGzip(r io.Reader, size int64) (*gzip.Reader, dtype, []int, int, error) {
	var dt dtype
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, dt, nil, 0, fmt.Errorf("corrupt gzip data: %v", err)
	}
	var hdr []byte
	var shape []int
	for need := 4; shape == nil; {
		more, err := readUpTo(zr, need-len(hdr))
		if err != nil {
			return nil, dt, nil, 0, gzErr(err)
		}
		hdr = append(hdr, more...)
		if len(hdr) < need {
			if len(hdr) == 0 {
				return nil, dt, nil, 0, errors.New("empty file (gzip data holds nothing)")
			}
			return nil, dt, nil, 0, fmt.Errorf("truncated: %d bytes, too short for an IDX header (%d bytes)", len(hdr), need)
		}
		if dt, shape, need, err = parseIDXHeader(hdr); err != nil {
			return nil, dt, nil, 0, err
		}
	}
	n, err := numel(shape)
	if err != nil {
		return nil, dt, nil, 0, err
	}
	if want := int64(n) * int64(dt.size); want > 1032*size+1<<16 { // deflate expands at most 1032 times
		return nil, dt, nil, 0, fmt.Errorf("truncated: header declares %s %s (%d bytes of data) but the gzip file of %d bytes cannot hold that much",
			shapeString(shape), dt, want, size)
	}
	return zr, dt, shape, n, nil
}
