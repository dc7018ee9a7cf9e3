package data

// Safetensors (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header, then the byte buffer.
// The header maps each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} (offsets into the buffer) and may hold "__metadata__", a map
// of strings to strings. Tensors must tile the buffer exactly: no overlap,
// no gap, nothing after the last one.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/sae-go/sae/internal/safefile"
)

// Tensor is a float32 tensor of a safetensors file, in C order.
type Tensor struct {
	Shape []int
	Data  []float32
	// Dtype is the element type the file stores (F32, BF16, I64, ...), set
	// by ReadSafetensors; WriteSafetensors ignores it and writes F32.
	Dtype string
}

// safetensorsType maps safetensors dtype names to element types.
var safetensorsType = map[string]dtype{
	"F64":  {kind: 'f', size: 8},
	"F32":  {kind: 'f', size: 4},
	"F16":  {kind: 'f', size: 2},
	"BF16": {kind: 'B', size: 2},
	"I64":  {kind: 'i', size: 8},
	"I32":  {kind: 'i', size: 4},
	"I16":  {kind: 'i', size: 2},
	"I8":   {kind: 'i', size: 1},
	"U64":  {kind: 'u', size: 8},
	"U32":  {kind: 'u', size: 4},
	"U16":  {kind: 'u', size: 2},
	"U8":   {kind: 'u', size: 1},
	"BOOL": {kind: 'b', size: 1},
}

// stTensor is one parsed header entry.
type stTensor struct {
	name       string
	dtypeName  string // as the header names it: F32, BF16, ...
	array      array
	begin, end int // offsets in the data buffer
}

// decodeSafetensors parses and validates a whole safetensors file. Tensors
// come back sorted by name; their data are slices of b.
func decodeSafetensors(b []byte) ([]stTensor, map[string]string, error) {
	if len(b) == 0 {
		return nil, nil, errors.New("empty file")
	}
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("truncated: %d bytes, too short for a safetensors header length", len(b))
	}
	hlen := binary.LittleEndian.Uint64(b)
	if hlen > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("truncated: header length %d but %d bytes follow (want a safetensors file)", hlen, len(b)-8)
	}
	buf := b[8+hlen:]
	tensors, meta, err := parseSTHeader(b[8:8+hlen], len(buf))
	if err != nil {
		return nil, nil, err
	}
	for i := range tensors {
		t := &tensors[i]
		t.array.data = buf[t.begin:t.end]
	}
	return tensors, meta, nil
}

// parseSTHeader parses and validates a safetensors header for a data buffer
// of n bytes: the tensors (sorted by name, their data not yet set) and the
// metadata.
func parseSTHeader(header []byte, n int) ([]stTensor, map[string]string, error) {
	if len(bytes.TrimSpace(header)) == 0 || bytes.TrimSpace(header)[0] != '{' {
		return nil, nil, errors.New("bad header: not a JSON object (want a safetensors file)")
	}
	raw, err := jsonObject(header)
	if err != nil {
		return nil, nil, fmt.Errorf("bad header JSON: %v", err)
	}
	var meta map[string]string
	var tensors []stTensor
	for _, kv := range raw {
		if kv.key == "__metadata__" {
			if err := json.Unmarshal(kv.value, &meta); err != nil {
				return nil, nil, errors.New("bad header: __metadata__ must map strings to strings")
			}
			continue
		}
		t, err := parseSTEntry(kv.key, kv.value, n)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", kv.key, err)
		}
		tensors = append(tensors, t)
	}
	// The tensors must tile the buffer.
	byOffset := append([]stTensor(nil), tensors...)
	sort.SliceStable(byOffset, func(i, j int) bool {
		bi, bj := byOffset[i].begin, byOffset[j].begin
		if bi != bj {
			return bi < bj
		}
		return byOffset[i].end < byOffset[j].end
	})
	pos, prev := 0, ""
	for _, t := range byOffset {
		switch {
		case t.begin < pos:
			return nil, nil, fmt.Errorf("tensors %q and %q overlap in the data buffer", prev, t.name)
		case t.begin > pos:
			return nil, nil, fmt.Errorf("gap of %d bytes before tensor %q in the data buffer", t.begin-pos, t.name)
		}
		pos, prev = t.end, t.name
	}
	if pos != n {
		return nil, nil, fmt.Errorf("%d bytes after the last tensor's data", n-pos)
	}
	sort.Slice(tensors, func(i, j int) bool { return tensors[i].name < tensors[j].name })
	return tensors, meta, nil
}

// parseSTEntry parses one tensor's header entry and checks it against a
// buffer of n bytes. The returned array's data has the right length but
// does not point at the buffer yet.
func parseSTEntry(name string, value []byte, n int) (stTensor, error) {
	var e struct {
		Dtype   string  `json:"dtype"`
		Shape   []int64 `json:"shape"`
		Offsets []int64 `json:"data_offsets"`
	}
	t := stTensor{name: name}
	if err := json.Unmarshal(value, &e); err != nil {
		return t, fmt.Errorf("bad entry: %v", err)
	}
	dt, ok := safetensorsType[e.Dtype]
	if !ok {
		if e.Dtype == "" {
			return t, errors.New("no dtype")
		}
		return t, fmt.Errorf("dtype %q is not supported", e.Dtype)
	}
	if e.Shape == nil {
		return t, errors.New("no shape")
	}
	if len(e.Shape) > 32 {
		return t, errors.New("more than 32 dimensions")
	}
	shape := make([]int, len(e.Shape))
	for i, d := range e.Shape {
		if d < 0 || d > math.MaxInt32*2 {
			return t, fmt.Errorf("bad dimension %d", d)
		}
		shape[i] = int(d)
	}
	count, err := numel(shape)
	if err != nil {
		return t, err
	}
	if len(e.Offsets) != 2 {
		return t, errors.New("data_offsets must be [begin, end]")
	}
	begin, end := e.Offsets[0], e.Offsets[1]
	if begin < 0 || end < begin || end > int64(n) {
		return t, fmt.Errorf("data_offsets [%d, %d] out of range (data buffer of %d bytes)", begin, end, n)
	}
	if want := int64(count * dt.size); end-begin != want {
		return t, fmt.Errorf("data_offsets [%d, %d] span %d bytes but %s %s needs %d", begin, end, end-begin, shapeString(shape), dt, want)
	}
	t.begin, t.end = int(begin), int(end)
	t.array = array{dtype: dt, shape: shape}
	t.dtypeName = e.Dtype
	return t, nil
}

type jsonMember struct {
	key   string
	value json.RawMessage
}

// jsonObject splits a JSON object into its members in order, rejecting
// duplicate keys and anything but white space after the object.
func jsonObject(b []byte) ([]jsonMember, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var out []jsonMember
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		if seen[key] {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, jsonMember{key, v})
	}
	if _, err := d.Token(); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("text after the header object")
	}
	return out, nil
}

// safetensorsArray returns the tensor named key, or the only tensor when key
// is empty.
func safetensorsArray(b []byte, key string) (*array, error) {
	tensors, _, err := decodeSafetensors(b)
	if err != nil {
		return nil, err
	}
	t, err := pickTensor(tensors, key)
	if err != nil {
		return nil, err
	}
	return &t.array, nil
}

// ReadSafetensors reads every tensor of a safetensors file, converted to
// float32 (F64, F32, F16, BF16, I/U 8 to 64 bits and BOOL), and its metadata
// (nil when the file has none). Tensors holding NaN or ±Inf are rejected,
// with the row and column (rank 2) or the element number in C order (other
// ranks), 1-based. The file must be a regular file (not a named pipe or a
// device): safetensors files are model weights, read whole.
func ReadSafetensors(path string) (tensors map[string]Tensor, metadata map[string]string, err error) {
	return ReadSafetensorsLimit(path, math.MaxInt64)
}

// ReadSafetensorsLimit is ReadSafetensors for a file of at most max bytes:
// a larger one is refused before anything is read.
func ReadSafetensorsLimit(path string, max int64) (tensors map[string]Tensor, metadata map[string]string, err error) {
	b, err := safefile.ReadRegular(path, max)
	if err != nil {
		var se *safefile.Error
		if errors.As(err, &se) {
			return nil, nil, &Error{Path: se.Path, Err: se.Err}
		}
		return nil, nil, fail(path, err)
	}
	if len(b) == 0 {
		return nil, nil, failf(path, "empty file")
	}
	ts, meta, err := decodeSafetensors(b)
	if err != nil {
		return nil, nil, fail(path, err)
	}
	tensors = make(map[string]Tensor, len(ts))
	for _, t := range ts {
		a := &t.array
		d := make([]float32, len(a.data)/a.dtype.size)
		decodeFloat32(d, a.data, a.dtype)
		if a.dtype.isFloat() {
			for i, v := range d {
				if v-v == 0 {
					continue
				}
				where := fmt.Sprintf("element %d", i+1)
				if len(a.shape) == 2 {
					where = fmt.Sprintf("row %d column %d", i/a.shape[1]+1, i%a.shape[1]+1)
				}
				what := nonFinite(v)
				if a.dtype.kind == 'f' && a.dtype.size == 8 {
					if x := math.Float64frombits(rawBits(a.data[8*i:], 8, false)); !math.IsNaN(x) && !math.IsInf(x, 0) {
						what = fmt.Sprintf("%g is outside the float32 range", x)
					}
				}
				return nil, nil, failf(path, "tensor %q %s: %s", t.name, where, what)
			}
		}
		tensors[t.name] = Tensor{Shape: a.shape, Data: d, Dtype: t.dtypeName}
	}
	return tensors, meta, nil
}

// WriteSafetensors writes tensors as F32 with metadata (nil or empty for
// none), atomically. The bytes are deterministic: "__metadata__" first, then
// the tensors in sorted name order with contiguous offsets, the header padded
// with spaces to a multiple of 8 bytes.
func WriteSafetensors(path string, tensors map[string]Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == "__metadata__" {
			return failf(path, "a tensor cannot be named __metadata__")
		}
		n, err := numel(t.Shape)
		if err != nil {
			return failf(path, "tensor %q: %v", name, err)
		}
		if n != len(t.Data) {
			return failf(path, "tensor %q: shape %s holds %d values but Data has %d", name, shapeString(t.Shape), n, len(t.Data))
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // keys sorted
		if err != nil {
			return fail(path, err)
		}
		h.WriteString(`"__metadata__":`)
		h.Write(m)
	}
	off := 0
	for i, name := range names {
		if i > 0 || len(metadata) > 0 {
			h.WriteByte(',')
		}
		t := tensors[name]
		k, _ := json.Marshal(name)
		shape, _ := json.Marshal(append([]int{}, t.Shape...))
		end := off + 4*len(t.Data)
		fmt.Fprintf(&h, `%s:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, k, shape, off, end)
		off = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	err := safefile.Write(path, func(w io.Writer) error {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if _, err := w.Write(h.Bytes()); err != nil {
			return err
		}
		for _, name := range names {
			if err := writeFloat32s(w, tensors[name].Data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fail(path, err)
	}
	return nil
}
