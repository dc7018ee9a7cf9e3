package data

// The NumPy .npy format (format versions 1.0, 2.0 and 3.0): the magic
// "\x93NUMPY", a major and minor version byte, the header length (2 bytes
// little-endian in 1.0, 4 bytes after), a header that is a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (100, 784), } padded with
// spaces and ended by a newline, then the raw array data.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const npyMagic = "\x93NUMPY"

// npyHeaderOf parses the header at the start of a .npy file (head holds at
// least its first 64 KiB or the whole file) and returns it with the offset
// of the data.
func npyHeaderOf(head []byte) (npyHeader, int, error) {
	var h npyHeader
	if len(head) < len(npyMagic)+2 || string(head[:len(npyMagic)]) != npyMagic {
		n := min(len(head), len(npyMagic))
		return h, 0, fmt.Errorf("bad magic %q (want a .npy file, which starts with \"\\x93NUMPY\")", head[:n])
	}
	major, minor := head[6], head[7]
	var hlen64 int64 // 64 bits: a 4-byte length does not fit a 32-bit int
	var off int
	switch major {
	case 1:
		if len(head) < 10 {
			return h, 0, errors.New("truncated: file ends inside the header length")
		}
		hlen64, off = int64(binary.LittleEndian.Uint16(head[8:])), 10
	case 2, 3:
		if len(head) < 12 {
			return h, 0, errors.New("truncated: file ends inside the header length")
		}
		hlen64, off = int64(binary.LittleEndian.Uint32(head[8:])), 12
	default:
		return h, 0, fmt.Errorf("unsupported .npy format version %d.%d (want 1.0, 2.0 or 3.0)", major, minor)
	}
	if int64(off)+hlen64 > int64(len(head)) {
		return h, 0, fmt.Errorf("truncated: header length %d but %d bytes follow", hlen64, len(head)-off)
	}
	hlen := int(hlen64)
	h, err := parseNPYHeader(string(head[off : off+hlen]))
	if err != nil {
		return h, 0, fmt.Errorf("bad header: %v", err)
	}
	return h, off + hlen, nil
}

// decodeNPY parses a whole .npy file.
func decodeNPY(b []byte) (*array, error) {
	if len(b) == 0 {
		return nil, errors.New("empty file")
	}
	h, off, err := npyHeaderOf(b)
	if err != nil {
		return nil, err
	}
	n, err := numel(h.shape)
	if err != nil {
		return nil, err
	}
	data := b[off:]
	if err := checkSize(h.shape, h.dtype, n, len(data)); err != nil {
		return nil, err
	}
	return &array{dtype: h.dtype, shape: h.shape, fortran: h.fortran, data: data}, nil
}

type npyHeader struct {
	dtype   dtype
	fortran bool
	shape   []int
}

// parseNPYHeader parses the header dict. It accepts the subset of Python
// literal syntax NumPy writes: a dict of string keys whose values are
// strings, booleans, or tuples of integers.
func parseNPYHeader(s string) (npyHeader, error) {
	var h npyHeader
	p := &pyParser{s: s}
	if !p.eat('{') {
		return h, errors.New("not a Python dict")
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return h, fmt.Errorf("dict key: %v", err)
		}
		if seen[key] {
			return h, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return h, fmt.Errorf("missing ':' after key %q", key)
		}
		switch key {
		case "descr":
			if p.peek() == '[' {
				return h, errors.New("structured dtypes are not supported (want a plain numeric dtype)")
			}
			d, err := p.str()
			if err != nil {
				return h, fmt.Errorf("descr: %v", err)
			}
			if h.dtype, err = npyDtype(d); err != nil {
				return h, err
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
				h.fortran = false
			default:
				return h, errors.New("fortran_order: want True or False")
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, fmt.Errorf("shape: %v", err)
			}
		default:
			return h, fmt.Errorf("unexpected key %q", key)
		}
		if !p.eat(',') {
			if p.eat('}') {
				break
			}
			return h, errors.New("missing ',' or '}' in dict")
		}
	}
	p.space()
	if p.i != len(p.s) {
		return h, errors.New("text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("no %q key", k)
		}
	}
	return h, nil
}

// npyDtype decodes a NumPy type string such as "<f4" or "|u1".
func npyDtype(s string) (dtype, error) {
	var d dtype
	t := s
	if len(t) > 0 && strings.IndexByte("<>|=", t[0]) >= 0 {
		d.big = t[0] == '>'
		t = t[1:]
	}
	if len(t) > 0 && t[0] == 'O' {
		return d, errors.New("object dtype is not supported (want a numeric array saved without pickles)")
	}
	if len(t) < 2 {
		return d, fmt.Errorf("unsupported dtype %q", s)
	}
	size, err := strconv.Atoi(t[1:])
	if err != nil {
		return d, fmt.Errorf("unsupported dtype %q", s)
	}
	d.kind, d.size = t[0], size
	ok := false
	switch d.kind {
	case 'f':
		ok = size == 2 || size == 4 || size == 8
	case 'i', 'u':
		ok = size == 1 || size == 2 || size == 4 || size == 8
	case 'b':
		ok = size == 1
	case 'U', 'S', 'a':
		return d, fmt.Errorf("string dtype %q is not supported (want numbers)", s)
	case 'c':
		return d, fmt.Errorf("complex dtype %q is not supported", s)
	}
	if !ok {
		return d, fmt.Errorf("unsupported dtype %q", s)
	}
	return d, nil
}

// pyParser scans a Python literal.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *pyParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", errors.New("want a quoted string")
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", errors.New("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

// tuple reads a tuple of non-negative integers, such as (), (5,) or (3, 4).
func (p *pyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple")
	}
	dims := []int{}
	for {
		if p.eat(')') {
			return dims, nil
		}
		p.space()
		j := p.i
		for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '-') {
			j++
		}
		d64, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad dimension %q", p.s[p.i:j])
		}
		if d64 < 0 {
			return nil, fmt.Errorf("negative dimension %d", d64)
		}
		if d64 > maxElements { // would not fit a 32-bit int
			return nil, fmt.Errorf("absurd shape: dimension %d is more than %d elements", d64, maxElements)
		}
		d := int(d64)
		if len(dims) >= 32 {
			return nil, errors.New("more than 32 dimensions")
		}
		dims = append(dims, d)
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long
			p.i++
		}
		if !p.eat(',') {
			if p.eat(')') {
				return dims, nil
			}
			return nil, errors.New("missing ',' or ')'")
		}
	}
}
