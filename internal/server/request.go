package server

// The request body, {"inputs": [[x, ...], ...]}, read by a parser written
// for that one shape: it checks the JSON grammar as encoding/json does, but
// writes the numbers straight into a flat float32 buffer of the model's
// width and stops at the first thing wrong, naming the field. Decoding a
// 784-value row through encoding/json and [][]float32 costs several times
// the model's own work; FuzzParseInputs holds this parser to
// encoding/json's answers.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"net/http"
	"strconv"
	"unsafe"
)

// requestError is a client error: the HTTP status and a message that
// names the field.
type requestError struct {
	status int
	reason reason // for the metrics
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, a ...any) *requestError {
	return &requestError{http.StatusBadRequest, reasonBadRequest, fmt.Sprintf(format, a...)}
}

// inputParser holds the state of one parse.
type inputParser struct {
	b       []byte
	i       int
	width   int // values per row
	maxRows int
}

// parseInputs reads b, which must be one JSON object whose only field is
// "inputs", an array of 1..maxRows rows of width finite float32 numbers.
// The values are appended to dst[:0] row after row; it returns them and
// the row count. If "inputs" occurs more than once, each occurrence must be
// valid and the last one counts, as in encoding/json.
func parseInputs(b []byte, width, maxRows int, dst []float32) ([]float32, int, error) {
	p := inputParser{b: b, width: width, maxRows: maxRows}
	return p.parse(dst[:0])
}

func (p *inputParser) parse(dst []float32) ([]float32, int, error) {
	p.ws()
	if p.i == len(p.b) {
		return nil, 0, badRequest("body: empty; want a JSON object {\"inputs\": [[...], ...]}")
	}
	if p.b[p.i] != '{' {
		return nil, 0, p.syntax("want a JSON object {\"inputs\": [[...], ...]}")
	}
	p.i++
	rows, seen := 0, false
	p.ws()
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			p.ws()
			key, err := p.key()
			if err != nil {
				return nil, 0, err
			}
			p.ws()
			if p.peek() != ':' {
				return nil, 0, p.syntax("want ':' after an object key")
			}
			p.i++
			if key != "inputs" {
				return nil, 0, badRequest("unknown field %q; the request takes only \"inputs\"", key)
			}
			if dst, rows, err = p.inputs(dst[:0]); err != nil {
				return nil, 0, err
			}
			seen = true
			p.ws()
			c := p.peek()
			p.i++
			if c == '}' {
				break
			}
			if c != ',' {
				p.i--
				return nil, 0, p.syntax("want ',' or '}' after a field")
			}
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, 0, p.syntax("unexpected data after the JSON object")
	}
	if !seen {
		return nil, 0, badRequest("inputs: missing; want {\"inputs\": [[...], ...]}")
	}
	return dst, rows, nil
}

// inputs reads the array of rows.
func (p *inputParser) inputs(dst []float32) ([]float32, int, error) {
	p.ws()
	if p.peek() != '[' {
		k, err := p.kind()
		if err != nil {
			return nil, 0, err
		}
		return nil, 0, badRequest("inputs: want an array of rows, each an array of %d numbers; got %s", p.width, k)
	}
	p.i++
	p.ws()
	if p.peek() == ']' {
		return nil, 0, badRequest("inputs: empty batch; send at least one row")
	}
	rows := 0
	for {
		if rows == p.maxRows {
			return nil, 0, &requestError{http.StatusRequestEntityTooLarge, reasonBatchTooLarge, fmt.Sprintf("inputs: more than %d rows; send smaller batches", p.maxRows)}
		}
		var err error
		if dst, err = p.row(dst, rows); err != nil {
			return nil, 0, err
		}
		rows++
		p.ws()
		c := p.peek()
		p.i++
		if c == ']' {
			return dst, rows, nil
		}
		if c != ',' {
			p.i--
			return nil, 0, p.syntax("want ',' or ']' after row %d", rows-1)
		}
		p.ws()
	}
}

// row reads row r, appending its values to dst.
func (p *inputParser) row(dst []float32, r int) ([]float32, error) {
	if p.peek() != '[' {
		k, err := p.kind()
		if err != nil {
			return nil, err
		}
		return nil, badRequest("inputs[%d]: want an array of %d numbers; got %s", r, p.width, k)
	}
	p.i++
	p.ws()
	n := 0
	if p.peek() == ']' {
		p.i++
		return nil, badRequest("inputs[%d]: empty row; the model takes %d values per row", r, p.width)
	}
	for {
		if n == p.width {
			return nil, badRequest("inputs[%d]: more than %d values; the model takes %d per row", r, p.width, p.width)
		}
		v, err := p.number(r, n)
		if err != nil {
			return nil, err
		}
		dst = append(dst, v)
		n++
		p.ws()
		c := p.peek()
		p.i++
		if c == ']' {
			break
		}
		if c != ',' {
			p.i--
			return nil, p.syntax("want ',' or ']' after inputs[%d][%d]", r, n-1)
		}
		p.ws()
	}
	if n != p.width {
		return nil, badRequest("inputs[%d]: %d values; the model takes %d per row", r, n, p.width)
	}
	return dst, nil
}

// number reads one JSON number as a float32, correctly rounded. One pass
// checks the grammar and gathers up to 19 significant digits and the
// decimal exponent; when both are small, one float64 multiply gives the
// value within 2 ulp (exactly rounded for positive exponents, Clinger's
// fast path), and rounding that to float32 is right unless a float32 tie
// is that close (toFloat32). Everything else goes to strconv.
func (p *inputParser) number(r, c int) (float32, error) {
	b := p.b
	i := p.i
	start := i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var m uint64
	nd, exp := 0, 0 // digits taken into m (leading zeros too); value = m * 10^exp
	exact := true   // no digit was dropped
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		m, nd, i, exact = readDigits(b, i, 0, 0)
	default:
		if i == start {
			k, err := p.kind()
			if err != nil {
				return 0, err
			}
			return 0, badRequest("inputs[%d][%d]: want a number, got %s", r, c, k)
		}
		p.i = i
		return 0, p.syntax("bad number in inputs[%d][%d]", r, c)
	}
	if i < len(b) && b[i] == '.' {
		i++
		d, nd0 := i, nd
		var ok bool
		m, nd, i, ok = readDigits(b, i, m, nd)
		exact = exact && ok
		exp -= nd - nd0
		if i == d {
			p.i = i
			return 0, p.syntax("bad number in inputs[%d][%d]", r, c)
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		esign := 1
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			if b[i] == '-' {
				esign = -1
			}
			i++
		}
		d := i
		e := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
			i++
		}
		if i == d {
			p.i = i
			return 0, p.syntax("bad number in inputs[%d][%d]", r, c)
		}
		exp += esign * e
	}
	p.i = i
	if exact && m < 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(m)
		if exp < 0 {
			f *= negPow10f64[-exp]
		} else {
			f *= pow10f64[exp]
		}
		if v, ok := toFloat32(f); ok {
			if neg {
				v = -v
			}
			return v, nil
		}
	}
	// The grammar is checked, so only the range can fail. The string does
	// not outlive the call.
	s := b[start:i]
	f, err := strconv.ParseFloat(unsafe.String(&s[0], len(s)), 32)
	if err != nil {
		return 0, badRequest("inputs[%d][%d]: %s is out of range for float32", r, c, clip(s))
	}
	return float32(f), nil
}

// readDigits reads the run of decimal digits at b[i:], appending them to
// m (which holds nd digits) while it holds fewer than 19. It returns m,
// its digit count, the end of the run, and false if digits were dropped.
// Eight bytes at a time where it can (SWAR): the digits' lanes are found
// with one add, and converted with three multiplies instead of a chain of
// eight multiply-adds.
func readDigits(b []byte, i int, m uint64, nd int) (uint64, int, int, bool) {
	exact := true
	for i+8 <= len(b) && nd+8 <= 19 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ 0x3030303030303030 // digit bytes now 0..9
		// A byte is not a digit iff it is above 9: adding 0x76 sets its top
		// bit (or it was set). Carries only move to later bytes, past the
		// first non-digit, which is all that counts.
		n := bits.TrailingZeros64(((x+0x7676767676767676)|x)&0x8080808080808080) >> 3
		if n == 0 {
			return m, nd, i, exact
		}
		x <<= 64 - 8*uint(n) // the n digits to the top bytes: leading zeros below
		x = (x & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8
		x = (x & 0x00FF00FF00FF00FF) * 6553601 >> 16
		x = (x & 0x0000FFFF0000FFFF) * 42949672960001 >> 32
		m = m*pow10u64[n] + x
		nd += n
		i += n
		if n < 8 {
			return m, nd, i, exact
		}
	}
	for i < len(b) && b[i]-'0' <= 9 {
		if nd < 19 {
			m = m*10 + uint64(b[i]-'0')
			nd++
		} else {
			exact = false
		}
		i++
	}
	return m, nd, i, exact
}

var pow10u64 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// negPow10f64 holds 10^-k rounded to float64 (within half an ulp).
var negPow10f64 = [...]float64{1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
	1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22}

// pow10f64 holds the powers of ten that float64 represents exactly.
var pow10f64 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// toFloat32 rounds f, which is within 2 float64 ulp of a decimal x, to
// float32. That equals x rounded to float32 unless a float32 tie (a value
// halfway between two float32 neighbours) lies within those 2 ulp of f,
// where x and f may round different ways: such f, with their 29 bits that
// float32 drops within 4 of exactly half, are refused (false), and so, to
// keep the test simple, is anything outside float32's normal range (zero
// aside).
func toFloat32(f float64) (float32, bool) {
	bits := math.Float64bits(f)
	switch e := bits >> 52 & 0x7ff; {
	case bits<<1 == 0:
		return float32(f), true
	case e < 1023-126 || e > 1023+127:
		return 0, false
	case bits&(1<<29-1)-(1<<28-4) <= 8: // near a tie (unsigned: below wraps round)
		return 0, false
	}
	v := float32(f)
	if v > math.MaxFloat32 || v < -math.MaxFloat32 {
		return 0, false
	}
	return v, true
}

// key reads an object key.
func (p *inputParser) key() (string, error) {
	if p.peek() != '"' {
		return "", p.syntax("want an object key in double quotes")
	}
	start := p.i
	escaped, err := p.skipString()
	if err != nil {
		return "", err
	}
	raw := p.b[start+1 : p.i-1]
	if !escaped {
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
		return "", p.syntax("bad object key")
	}
	return s, nil
}

// skipString moves past a JSON string starting at the quote, checking its
// escapes; it reports whether there were any.
func (p *inputParser) skipString() (bool, error) {
	b := p.b
	i := p.i + 1
	escaped := false
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			p.i = i + 1
			return escaped, nil
		case c < 0x20:
			p.i = i
			return false, p.syntax("control character in a string")
		case c == '\\':
			escaped = true
			i++
			if i >= len(b) {
				break
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+4 >= len(b) {
					p.i = len(b)
					return false, p.syntax("unterminated string")
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						p.i = i
						return false, p.syntax("bad \\u escape in a string")
					}
				}
				i += 5
			default:
				p.i = i
				return false, p.syntax("bad escape in a string")
			}
		default:
			i++
		}
	}
	p.i = len(b)
	return false, p.syntax("unterminated string")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// kind names the value starting at p.i for a message saying it is of the
// wrong kind; a truncated or misspelt literal is a syntax error instead.
func (p *inputParser) kind() (string, error) {
	c := p.peek()
	for _, w := range [...]string{"null", "true", "false"} {
		if c == w[0] {
			if len(p.b)-p.i < len(w) || string(p.b[p.i:p.i+len(w)]) != w {
				return "", p.syntax("unexpected %s", describe(c))
			}
			return describe(c), nil
		}
	}
	switch c {
	case '"', '{', '[':
		return describe(c), nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number", nil
	}
	if p.i == len(p.b) {
		return "", p.syntax("unexpected end of input")
	}
	return "", p.syntax("unexpected %s", describe(c))
}

// syntaxPrefix starts every JSON syntax error message.
const syntaxPrefix = "body: invalid JSON at byte "

func (p *inputParser) syntax(format string, a ...any) *requestError {
	return badRequest(syntaxPrefix+"%d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *inputParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek is the byte at p.i, or 0 at the end.
func (p *inputParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// describe names a value by its first byte.
func describe(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == 'n':
		return "null"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// clip shortens a number for an error message.
func clip(s []byte) string {
	if len(s) > 40 {
		return string(s[:37]) + "..."
	}
	return string(s)
}
