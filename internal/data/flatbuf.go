package data

// A reader of FlatBuffers tables (https://flatbuffers.dev/internals/), the
// encoding of Arrow IPC metadata: just what the Arrow schema needs, every
// offset checked against the buffer so that a crafted file gives an error,
// never a panic or a read out of bounds.
//
// A table at position t starts with an int32 s: its vtable is at t - s and
// holds uint16 sizes (vtable, table) then one uint16 offset per field,
// relative to t (0: absent). A reference field holds a uint32 offset
// relative to its own position; a vector or string there starts with a
// uint32 length.

import (
	"encoding/binary"
	"errors"
)

var errFlatbuf = errors.New("bad flatbuffer")

type fbTable struct {
	b   []byte
	pos int
}

// fbRoot returns the root table of b.
func fbRoot(b []byte) (fbTable, error) {
	if len(b) < 4 {
		return fbTable{}, errFlatbuf
	}
	return fbAt(b, int(binary.LittleEndian.Uint32(b)))
}

// fbAt returns the table at pos, checking its vtable.
func fbAt(b []byte, pos int) (fbTable, error) {
	if pos < 0 || pos > len(b)-4 {
		return fbTable{}, errFlatbuf
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(b[pos:])))
	if vt < 0 || vt > len(b)-4 {
		return fbTable{}, errFlatbuf
	}
	vlen := int(binary.LittleEndian.Uint16(b[vt:]))
	if vlen < 4 || vlen%2 != 0 || vt+vlen > len(b) {
		return fbTable{}, errFlatbuf
	}
	return fbTable{b: b, pos: pos}, nil
}

// field returns the absolute position of field i, or -1 when absent.
func (t fbTable) field(i int) int {
	vt := t.pos - int(int32(binary.LittleEndian.Uint32(t.b[t.pos:])))
	vlen := int(binary.LittleEndian.Uint16(t.b[vt:]))
	if 4+2*i+2 > vlen {
		return -1
	}
	off := int(binary.LittleEndian.Uint16(t.b[vt+4+2*i:]))
	if off == 0 {
		return -1
	}
	return t.pos + off
}

// scalar returns the size bytes of field i, or nil when absent or out of
// bounds.
func (t fbTable) scalar(i, size int) []byte {
	p := t.field(i)
	if p < 0 || p > len(t.b)-size {
		return nil
	}
	return t.b[p : p+size]
}

func (t fbTable) uint8(i int, def uint8) uint8 {
	if s := t.scalar(i, 1); s != nil {
		return s[0]
	}
	return def
}

func (t fbTable) int16(i int, def int16) int16 {
	if s := t.scalar(i, 2); s != nil {
		return int16(binary.LittleEndian.Uint16(s))
	}
	return def
}

func (t fbTable) int32(i int, def int32) int32 {
	if s := t.scalar(i, 4); s != nil {
		return int32(binary.LittleEndian.Uint32(s))
	}
	return def
}

func (t fbTable) int64(i int, def int64) int64 {
	if s := t.scalar(i, 8); s != nil {
		return int64(binary.LittleEndian.Uint64(s))
	}
	return def
}

// ref follows the reference in field i: the target position, or -1 when
// the field is absent; an error when it points outside the buffer.
func (t fbTable) ref(i int) (int, error) {
	p := t.field(i)
	if p < 0 {
		return -1, nil
	}
	if p > len(t.b)-4 {
		return 0, errFlatbuf
	}
	q := p + int(binary.LittleEndian.Uint32(t.b[p:]))
	if q < 0 || q > len(t.b)-4 {
		return 0, errFlatbuf
	}
	return q, nil
}

// table returns the table field i refers to; ok is false when absent.
func (t fbTable) table(i int) (fbTable, bool, error) {
	q, err := t.ref(i)
	if err != nil || q < 0 {
		return fbTable{}, false, err
	}
	u, err := fbAt(t.b, q)
	return u, err == nil, err
}

// vector returns the position of the first element of the vector in field
// i and its length, checking that n elements of size bytes fit; n is 0 when
// the field is absent.
func (t fbTable) vector(i, size int) (pos, n int, err error) {
	q, err := t.ref(i)
	if err != nil || q < 0 {
		return 0, 0, err
	}
	n = int(binary.LittleEndian.Uint32(t.b[q:]))
	if n < 0 || n > (len(t.b)-q-4)/max(size, 1) {
		return 0, 0, errFlatbuf
	}
	return q + 4, n, nil
}

// string returns the string in field i ("" when absent).
func (t fbTable) string(i int) (string, error) {
	p, n, err := t.vector(i, 1)
	if err != nil {
		return "", err
	}
	return string(t.b[p : p+n]), nil
}

// tables returns the tables of the vector of tables in field i.
func (t fbTable) tables(i int) ([]fbTable, error) {
	p, n, err := t.vector(i, 4)
	if err != nil {
		return nil, err
	}
	out := make([]fbTable, n)
	for k := range out {
		e := p + 4*k
		u, err := fbAt(t.b, e+int(binary.LittleEndian.Uint32(t.b[e:])))
		if err != nil {
			return nil, err
		}
		out[k] = u
	}
	return out, nil
}
