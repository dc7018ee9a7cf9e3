package data

// Arrow IPC (https://arrow.apache.org/docs/format/Columnar.html): the
// stream format (a sequence of messages: the schema, then record batches,
// then an end-of-stream marker) and the file format ("ARROW1", padding, the
// same stream, a footer, its length and "ARROW1"), both read as a stream
// from the start. Each message is a continuation marker 0xFFFFFFFF (absent
// before Arrow 0.15), an int32 length, that many bytes of a FlatBuffers
// Message (Message.fbs), then the message's body. A record batch's body
// holds its columns' buffers, at the offsets its metadata gives; a column's
// field node gives its length and null count.
//
// Only the metadata is read when a file is opened; rows are read from the
// buffers in place. A list column (list, large_list, fixed_size_list) of
// numbers is the matrix when each of its lists has the same length; scalar
// numeric columns are its columns otherwise. Compressed bodies, big-endian
// files and dictionary-encoded data columns are refused. A Hugging Face
// datasets cache directory (state.json naming data-*.arrow stream files)
// is the files' rows one after the other.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Type tags of the Type union (Schema.fbs).
const (
	arrowNull            = 1
	arrowInt             = 2
	arrowFloat           = 3
	arrowBinary          = 4
	arrowUtf8            = 5
	arrowBool            = 6
	arrowDecimal         = 7
	arrowDate            = 8
	arrowTime            = 9
	arrowTimestamp       = 10
	arrowInterval        = 11
	arrowList            = 12
	arrowStruct          = 13
	arrowFixedSizeBinary = 15
	arrowFixedSizeList   = 16
	arrowMap             = 17
	arrowDuration        = 18
	arrowLargeBinary     = 19
	arrowLargeUtf8       = 20
	arrowLargeList       = 21
	arrowRunEndEncoded   = 22
)

// Message header tags (Message.fbs).
const (
	arrowMsgSchema      = 1
	arrowMsgDictionary  = 2
	arrowMsgRecordBatch = 3
)

// maxArrowMeta bounds one message's metadata.
const maxArrowMeta = 64 << 20

// arrowField is a field of the schema with its children.
type arrowField struct {
	name     string
	typ      uint8
	dt       dtype // a number's element type; kind 0 for other types
	listSize int   // fixed_size_list
	dict     bool  // dictionary-encoded
	children []*arrowField
	node     int // index of its field node in a record batch
	buf      int // index of its first buffer in a record batch
}

// buffers is the number of buffers the field itself has in a record batch.
func (f *arrowField) buffers() (int, error) {
	switch f.typ {
	case arrowNull, arrowRunEndEncoded:
		return 0, nil
	case arrowInt, arrowFloat, arrowBool, arrowDecimal, arrowDate, arrowTime, arrowTimestamp, arrowInterval, arrowFixedSizeBinary, arrowDuration:
		return 2, nil
	case arrowBinary, arrowUtf8, arrowLargeBinary, arrowLargeUtf8:
		return 3, nil
	case arrowList, arrowLargeList, arrowMap:
		return 2, nil
	case arrowFixedSizeList, arrowStruct:
		return 1, nil
	}
	return 0, fmt.Errorf("column %q: Arrow type %d is not supported", f.name, f.typ)
}

// number reports whether the field holds plain numbers.
func (f *arrowField) number() bool { return f.dt.kind != 0 && !f.dict }

// numericList returns the element field of a list of numbers, or nil.
func (f *arrowField) numericList() *arrowField {
	if f.dict || len(f.children) != 1 || !f.children[0].number() {
		return nil
	}
	if f.typ == arrowList || f.typ == arrowLargeList || f.typ == arrowFixedSizeList {
		return f.children[0]
	}
	return nil
}

// parseArrowField reads a Field table.
func parseArrowField(t fbTable, depth int) (*arrowField, error) {
	if depth > 64 {
		return nil, errors.New("schema nested more than 64 deep")
	}
	name, err := t.string(0)
	if err != nil {
		return nil, err
	}
	f := &arrowField{name: name, typ: t.uint8(2, 0)}
	typ, ok, err := t.table(3)
	if err != nil {
		return nil, err
	}
	if _, has, err := t.table(4); err != nil {
		return nil, err
	} else if has {
		f.dict = true
	}
	switch {
	case f.typ == arrowInt && ok:
		bits, signed := typ.int32(0, 0), typ.uint8(1, 0) != 0
		if bits != 8 && bits != 16 && bits != 32 && bits != 64 {
			return nil, fmt.Errorf("column %q: integers of %d bits", name, bits)
		}
		f.dt = dtype{kind: 'u', size: int(bits) / 8}
		if signed {
			f.dt.kind = 'i'
		}
	case f.typ == arrowFloat && ok:
		switch typ.int16(0, 0) {
		case 0:
			f.dt = dtype{kind: 'f', size: 2}
		case 1:
			f.dt = dtype{kind: 'f', size: 4}
		case 2:
			f.dt = dtype{kind: 'f', size: 8}
		default:
			return nil, fmt.Errorf("column %q: unknown float precision", name)
		}
	case f.typ == arrowFixedSizeList && ok:
		f.listSize = int(typ.int32(0, -1))
		if f.listSize < 0 {
			return nil, fmt.Errorf("column %q: fixed_size_list of %d values", name, f.listSize)
		}
	}
	kids, err := t.tables(5)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		c, err := parseArrowField(k, depth+1)
		if err != nil {
			return nil, err
		}
		f.children = append(f.children, c)
	}
	return f, nil
}

// assign numbers the field nodes and buffers of f and its children in the
// order record batches list them (depth first).
func (f *arrowField) assign(node, buf *int) error {
	f.node, f.buf = *node, *buf
	nb, err := f.buffers()
	if err != nil {
		return err
	}
	*node++
	*buf += nb
	for _, c := range f.children {
		if err := c.assign(node, buf); err != nil {
			return err
		}
	}
	return nil
}

// arrowBatch is one record batch's metadata, offsets made absolute.
type arrowBatch struct {
	rows  int64
	nodes [][2]int64 // length, null count
	bufs  [][2]int64 // file offset, length
}

// arrowStream reads the messages of one Arrow IPC file in order.
type arrowStream struct {
	f      io.ReaderAt
	off    int64 // the next message
	end    int64 // where the stream ends (the file format's footer)
	fields []*arrowField
}

// openArrowStream checks the file's framing and reads its schema.
func openArrowStream(f io.ReaderAt, size int64) (*arrowStream, error) {
	s := &arrowStream{f: f, end: size}
	var head [8]byte
	if size >= 8 {
		if _, err := f.ReadAt(head[:], 0); err != nil {
			return nil, err
		}
	}
	if string(head[:6]) == "ARROW1" {
		var tail [10]byte
		if size < 8+10 {
			return nil, fmt.Errorf("truncated: %d bytes, too short for an Arrow IPC file", size)
		}
		if _, err := f.ReadAt(tail[:], size-10); err != nil {
			return nil, err
		}
		if string(tail[4:]) != "ARROW1" {
			return nil, errors.New("Arrow IPC file without its closing magic ARROW1 (truncated?)")
		}
		footer := int64(binary.LittleEndian.Uint32(tail[:4]))
		if footer > size-8-10 {
			return nil, fmt.Errorf("bad footer length %d", footer)
		}
		s.off, s.end = 8, size-10-footer
	}
	meta, _, _, err := s.next()
	if err != nil {
		return nil, err
	}
	if meta == nil {
		return nil, errors.New("no schema: an Arrow IPC stream starts with one")
	}
	msg, _ := fbRoot(meta)
	if msg.uint8(1, 0) != arrowMsgSchema {
		return nil, errors.New("the first message is not a schema (want an Arrow IPC file or stream)")
	}
	if err := s.parseSchema(msg); err != nil {
		return nil, err
	}
	return s, nil
}

// next reads the next message: its metadata (nil at the end of the stream)
// and the file offset and length of its body.
func (s *arrowStream) next() (meta []byte, body, bodyLen int64, err error) {
	if s.off >= s.end {
		return nil, 0, 0, nil // end of the data without the end-of-stream marker
	}
	if s.end-s.off < 4 {
		return nil, 0, 0, fmt.Errorf("truncated message at byte %d", s.off)
	}
	var w [8]byte
	if _, err := s.f.ReadAt(w[:4], s.off); err != nil {
		return nil, 0, 0, err
	}
	at := s.off + 4
	n := int64(binary.LittleEndian.Uint32(w[:4]))
	if n == 0xFFFFFFFF {
		if s.end-at < 4 {
			return nil, 0, 0, fmt.Errorf("truncated message at byte %d", s.off)
		}
		if _, err := s.f.ReadAt(w[4:], at); err != nil {
			return nil, 0, 0, err
		}
		n, at = int64(int32(binary.LittleEndian.Uint32(w[4:]))), at+4
	}
	if n == 0 {
		s.off = s.end
		return nil, 0, 0, nil
	}
	if n < 0 || n > maxArrowMeta || n > s.end-at {
		return nil, 0, 0, fmt.Errorf("message at byte %d: metadata of %d bytes, %d left", s.off, n, s.end-at)
	}
	meta = make([]byte, n)
	if _, err := s.f.ReadAt(meta, at); err != nil {
		return nil, 0, 0, err
	}
	msg, err := fbRoot(meta)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("message at byte %d: %v", s.off, err)
	}
	if v := msg.int16(0, 0); v < 3 || v > 4 {
		return nil, 0, 0, fmt.Errorf("message at byte %d: metadata version V%d (want V4 or V5)", s.off, v+1)
	}
	body, bodyLen = at+n, msg.int64(3, 0)
	if bodyLen < 0 || bodyLen > s.end-body {
		return nil, 0, 0, fmt.Errorf("message at byte %d: body of %d bytes, %d left", s.off, bodyLen, s.end-body)
	}
	s.off = body + bodyLen
	return meta, body, bodyLen, nil
}

// parseSchema reads the Schema header of msg.
func (s *arrowStream) parseSchema(msg fbTable) error {
	sch, ok, err := msg.table(2)
	if err != nil || !ok {
		return errors.New("bad schema message")
	}
	if sch.int16(0, 0) != 0 {
		return errors.New("big-endian Arrow data is not supported")
	}
	ts, err := sch.tables(1)
	if err != nil {
		return fmt.Errorf("bad schema: %v", err)
	}
	node, buf := 0, 0
	for _, t := range ts {
		f, err := parseArrowField(t, 0)
		if err != nil {
			return fmt.Errorf("bad schema: %v", err)
		}
		if err := f.assign(&node, &buf); err != nil {
			return err
		}
		s.fields = append(s.fields, f)
	}
	if len(s.fields) == 0 {
		return errors.New("the schema has no columns")
	}
	return nil
}

// batch reads the next record batch (nil at the end), skipping dictionary
// batches.
func (s *arrowStream) batch() (*arrowBatch, error) {
	for {
		meta, body, bodyLen, err := s.next()
		if err != nil || meta == nil {
			return nil, err
		}
		msg, _ := fbRoot(meta)
		switch msg.uint8(1, 0) {
		case arrowMsgDictionary:
			continue
		case arrowMsgRecordBatch:
		default:
			return nil, fmt.Errorf("unexpected message type %d after the schema", msg.uint8(1, 0))
		}
		rb, ok, err := msg.table(2)
		if err != nil || !ok {
			return nil, errors.New("bad record batch message")
		}
		return s.parseBatch(rb, body, bodyLen)
	}
}

func (s *arrowStream) parseBatch(rb fbTable, body, bodyLen int64) (*arrowBatch, error) {
	if _, has, err := rb.table(3); err != nil || has {
		return nil, errors.New("compressed record batches are not supported (write the file uncompressed)")
	}
	b := &arrowBatch{rows: rb.int64(0, 0)}
	if b.rows < 0 {
		return nil, fmt.Errorf("record batch of %d rows", b.rows)
	}
	for _, v := range []struct {
		field int
		out   *[][2]int64
	}{{1, &b.nodes}, {2, &b.bufs}} {
		p, n, err := rb.vector(v.field, 16)
		if err != nil {
			return nil, errors.New("bad record batch message")
		}
		*v.out = make([][2]int64, n)
		for i := range n {
			e := rb.b[p+16*i:]
			(*v.out)[i] = [2]int64{int64(binary.LittleEndian.Uint64(e)), int64(binary.LittleEndian.Uint64(e[8:]))}
		}
	}
	for i, bf := range b.bufs {
		if bf[0] < 0 || bf[1] < 0 || bf[0] > bodyLen || bf[1] > bodyLen-bf[0] {
			return nil, fmt.Errorf("record batch buffer %d [%d, +%d) outside its body of %d bytes", i, bf[0], bf[1], bodyLen)
		}
		b.bufs[i][0] += body
	}
	return b, nil
}

// node returns field f's length and null count in batch b, checking the
// length against want (-1: any).
func (b *arrowBatch) node(f *arrowField, want int64) (length, nulls int64, err error) {
	if f.node >= len(b.nodes) {
		return 0, 0, fmt.Errorf("column %q: record batch has %d field nodes", f.name, len(b.nodes))
	}
	length, nulls = b.nodes[f.node][0], b.nodes[f.node][1]
	if length < 0 || nulls < 0 || nulls > length || (want >= 0 && length != want) {
		return 0, 0, fmt.Errorf("column %q: field node of %d values (%d null) in a batch of %d rows", f.name, length, nulls, want)
	}
	return length, nulls, nil
}

// buffer returns buffer k of field f (0: validity) in batch b: file offset
// and length, checking it holds at least need bytes.
func (b *arrowBatch) buffer(f *arrowField, k int, need int64) (int64, error) {
	i := f.buf + k
	if i >= len(b.bufs) {
		return 0, fmt.Errorf("column %q: record batch has %d buffers", f.name, len(b.bufs))
	}
	if need < 0 || b.bufs[i][1] < need {
		return 0, fmt.Errorf("column %q: buffer of %d bytes, %d needed", f.name, b.bufs[i][1], need)
	}
	return b.bufs[i][0], nil
}

// datasetFiles lists the Arrow files of a datasets cache directory: those
// state.json names, in its order, or else the data-*.arrow files by name.
func datasetFiles(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("state.json: %v", openErr(err))
	}
	var names []string
	if err == nil {
		var st struct {
			DataFiles []struct {
				Filename string `json:"filename"`
			} `json:"_data_files"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("state.json: %v", err)
		}
		for _, f := range st.DataFiles {
			if f.Filename == "" || filepath.IsAbs(f.Filename) || strings.Contains(filepath.ToSlash(f.Filename), "..") {
				return nil, fmt.Errorf("state.json: data file %q is not a name inside the directory", f.Filename)
			}
			names = append(names, filepath.Join(dir, f.Filename))
		}
		if len(names) == 0 {
			return nil, errors.New("state.json lists no _data_files")
		}
		return names, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, openErr(err)
	}
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".arrow") {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no state.json and no .arrow files in the directory")
	}
	sort.Strings(names)
	return names, nil
}
