package data

// Tables of numbers as text: CSV and TSV (csv.go reads their records) and
// JSON lines, each row an object of name -> number or an array of numbers.
// The three share one path from records of fields to a Table: the column
// names (a header row, or the first object's keys), the columns chosen
// (Options.Columns, Options.Drop, Options.IDColumn), and missing values
// (Options.Missing).

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ErrMissing is wrapped by the error for a missing value (an empty field,
// NA, NaN, null) when Options.Missing is off.
var ErrMissing = errors.New("missing value")

// missingErr is an error about a missing value: its text as written,
// matching ErrMissing.
type missingErr struct{ msg string }

func (e missingErr) Error() string        { return e.msg }
func (e missingErr) Is(target error) bool { return target == ErrMissing }

// records is a text table read record by record.
type records interface {
	// next returns the next record's fields, nil at the end.
	next() ([]string, error)
	// where says where field i of the last record is, for errors.
	where(i int) string
	// line is the line of the last record.
	line() int
}

// csvRecords reads CSV or TSV records.
type csvRecords struct{ r *csv.Reader }

func (c *csvRecords) next() ([]string, error) { return csvRecord(c.r) }
func (c *csvRecords) where(i int) string {
	l, _ := c.r.FieldPos(i)
	return fmt.Sprintf("line %d column %d", l, i+1)
}
func (c *csvRecords) line() int { l, _ := c.r.FieldPos(0); return l }

// textTable reads a CSV, TSV or JSON lines table from b.
func textTable(b []byte, f int, opt Options) (*Table, error) {
	var recs records
	var names, first []string
	var err error
	if f == formatJSONL {
		j := &jsonRecords{rest: b}
		names, first, err = j.start()
		recs = j
	} else {
		r := csvReader(b, f == formatTSV)
		recs = &csvRecords{r: r}
		first, err = recs.next()
		if err == nil && first != nil && isHeader(first) {
			names = make([]string, len(first))
			for i, s := range first {
				names[i] = strings.TrimSpace(s)
			}
			first, err = recs.next()
		}
	}
	if err != nil {
		return nil, err
	}
	if first == nil && names == nil {
		return nil, errors.New("no data (only blank lines)")
	}
	width := len(names)
	if names == nil {
		width = len(first)
	}
	pick, id, err := chooseFields(names, width, opt)
	if err != nil {
		return nil, err
	}
	return readRecords(recs, first, width, pick, id, names, opt.Missing)
}

// chooseFields returns the fields of a text table's records that make the
// matrix, in order, and the id field (-1: none).
func chooseFields(names []string, width int, opt Options) (pick []int, id int, err error) {
	id = -1
	if opt.IDColumn != "" {
		if id, err = resolveColumn(names, width, opt.IDColumn); err != nil {
			return nil, -1, fmt.Errorf("id column: %v", err)
		}
	}
	pick, err = PickColumns(names, width, opt.Columns, opt.Drop)
	if err != nil {
		return nil, -1, err
	}
	if id >= 0 {
		if len(opt.Columns) > 0 && containsInt(pick, id) {
			return nil, -1, fmt.Errorf("column %s is the id column and a data column", columnLabel(names, id))
		}
		pick = removeInt(pick, id)
		if len(pick) == 0 {
			return nil, -1, errors.New("no columns left but the id column")
		}
	}
	return pick, id, nil
}

// readRecords parses the chosen fields of every record, first included.
func readRecords(recs records, rec []string, width int, pick []int, id int, names []string, missing bool) (*Table, error) {
	cols := len(pick)
	t := &Table{Matrix: &Matrix{Cols: cols}}
	if names != nil {
		for _, i := range pick {
			t.Names = append(t.Names, names[i])
		}
	}
	var err error
	for rec != nil {
		if len(rec) != width {
			return nil, fmt.Errorf("line %d has %d fields, expected %d", recs.line(), len(rec), width)
		}
		if len(t.Data)+cols > maxElements {
			return nil, fmt.Errorf("more than %d values", maxElements)
		}
		for _, i := range pick {
			v, err := parseNumber(rec[i], recs.where(i), missing)
			if err != nil {
				return nil, err
			}
			t.Data = append(t.Data, v)
		}
		if id >= 0 {
			t.IDs = append(t.IDs, strings.TrimSpace(rec[id]))
		}
		t.Rows++
		if rec, err = recs.next(); err != nil {
			return nil, err
		}
	}
	if t.Rows == 0 {
		return nil, errors.New("empty matrix: no data rows after the header")
	}
	return t, nil
}

// isMissing reports whether a field (trimmed) stands for a missing value:
// empty, NA, N/A, NaN, null or ?, in any case.
func isMissing(f string) bool {
	switch strings.ToLower(f) {
	case "", "na", "n/a", "nan", "null", "?":
		return true
	}
	return false
}

// parseNumber parses a field as a finite float32; with missing, a missing
// value (isMissing) is NaN. where is the field's place, for errors.
func parseNumber(field, where string, missing bool) (float32, error) {
	f := strings.TrimSpace(field)
	if isMissing(f) {
		if missing {
			return float32(math.NaN()), nil
		}
		if f == "" {
			return 0, missingErr{where + ": empty field"}
		}
		if strings.EqualFold(f, "nan") {
			return 0, missingErr{where + ": NaN"}
		}
		return 0, missingErr{fmt.Sprintf("%s: %q is not a number", where, f)}
	}
	v, err := strconv.ParseFloat(f, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && !math.IsInf(v, 0) {
			v, err = 0, nil // underflow to zero
		} else if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s: %q is outside the float32 range", where, f)
		} else {
			return 0, fmt.Errorf("%s: %q is not a number", where, f)
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s: %s", where, nonFinite(float32(v)))
	}
	return float32(v), nil
}

// jsonRecords reads JSON lines: one JSON value per line, an object of
// name -> number (null: missing) or an array of numbers. The first line's
// keys name the columns; a later object may list them in any order and
// leave some out (missing values).
type jsonRecords struct {
	rest    []byte
	n       int // the line of the last record
	objects bool
	index   map[string]int
	width   int
	fields  []string
	names   []string
}

// start reads the first record: the column names (objects) and its fields.
func (j *jsonRecords) start() (names, first []string, err error) {
	line, ok := j.nextLine()
	if !ok {
		return nil, nil, nil
	}
	switch line[0] {
	case '{':
		j.objects = true
		if j.names, err = objectKeys(line); err != nil {
			return nil, nil, fmt.Errorf("line %d: %v", j.n, err)
		}
		j.index = map[string]int{}
		for i, k := range j.names {
			j.index[k] = i
		}
		j.width = len(j.names)
	case '[':
	default:
		return nil, nil, fmt.Errorf("line %d: want a JSON object of name -> number or an array of numbers", j.n)
	}
	first, err = j.parse(line)
	if err != nil {
		return nil, nil, err
	}
	if !j.objects {
		j.width = len(first)
	}
	return j.names, first, nil
}

// nextLine returns the next non-blank line, trimmed.
func (j *jsonRecords) nextLine() ([]byte, bool) {
	for len(j.rest) > 0 {
		line := j.rest
		j.rest = nil
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, j.rest = line[:i], line[i+1:]
		}
		j.n++
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line, true
		}
	}
	return nil, false
}

func (j *jsonRecords) next() ([]string, error) {
	line, ok := j.nextLine()
	if !ok {
		return nil, nil
	}
	return j.parse(line)
}

func (j *jsonRecords) line() int { return j.n }

func (j *jsonRecords) where(i int) string {
	if j.objects {
		return fmt.Sprintf("line %d key %q", j.n, j.names[i])
	}
	return fmt.Sprintf("line %d element %d", j.n, i+1)
}

// parse turns one line into fields: numbers as written, null and absent
// keys as "" (missing).
func (j *jsonRecords) parse(line []byte) ([]string, error) {
	fail := func(format string, a ...any) ([]string, error) {
		return nil, fmt.Errorf("line %d: %s", j.n, fmt.Sprintf(format, a...))
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if !j.objects {
		var vals []any
		if err := dec.Decode(&vals); err != nil {
			return fail("%v", jsonErr(err))
		}
		j.fields = j.fields[:0]
		for k, v := range vals {
			s, err := jsonField(v)
			if err != nil {
				return fail("element %d: %v", k+1, err)
			}
			j.fields = append(j.fields, s)
		}
		return j.fields, trailing(dec, j.n)
	}
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return fail("%v", jsonErr(err))
	}
	if cap(j.fields) < j.width {
		j.fields = make([]string, j.width)
	}
	j.fields = j.fields[:j.width]
	clear(j.fields)
	for k, v := range obj {
		i, ok := j.index[k]
		if !ok {
			return fail("key %q is not among the first line's keys (%s)", k, orderedNames(j.names))
		}
		s, err := jsonField(v)
		if err != nil {
			return fail("key %q: %v", k, err)
		}
		j.fields[i] = s
	}
	return j.fields, trailing(dec, j.n)
}

// trailing refuses anything after the line's value.
func trailing(dec *json.Decoder, line int) error {
	if dec.More() {
		return fmt.Errorf("line %d: more than one JSON value", line)
	}
	return nil
}

// jsonField is a JSON value as a field: a number's text, "" for null.
func jsonField(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case json.Number:
		return string(x), nil
	case string:
		return x, nil // parsed (and refused) as a CSV field would be
	}
	return "", fmt.Errorf("%s is not a number", jsonKind(v))
}

func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

func jsonErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("not JSON: the value ends early")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not JSON: %v (offset %d)", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("a JSON %s where an object or array of numbers belongs", te.Value)
	}
	return err
}

// objectKeys returns the keys of a JSON object in the order written.
func objectKeys(line []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return nil, jsonErr(err)
	}
	var keys []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(err)
		}
		k, _ := tok.(string)
		if seen[k] {
			return nil, fmt.Errorf("key %q twice", k)
		}
		seen[k] = true
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, jsonErr(err)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("an empty object: no columns")
	}
	return keys, nil
}
