package data

// CSV: numbers separated by commas (or semicolons or tabs, detected from the
// first line), an optional header row, blank lines skipped, quoted fields
// allowed (RFC 4180 quoting, as encoding/csv reads it).

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvReader returns a csv.Reader for b with the delimiter detected from the
// first non-blank line: the most frequent of ',', ';' and tab outside quotes
// (',' on a tie or when none occurs). A UTF-8 byte-order mark is skipped.
func csvReader(b []byte, tsv bool) *csv.Reader {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	first := b
	for len(first) > 0 {
		line := first
		rest := []byte(nil)
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			line, rest = first[:i], first[i+1:]
		}
		if len(bytes.TrimSpace(line)) > 0 {
			first = line
			break
		}
		first = rest
	}
	var comma, semi, tab int
	quoted := false
	for _, c := range first {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			comma++
		case c == ';':
			semi++
		case c == '\t':
			tab++
		}
	}
	r := csv.NewReader(bufio.NewReader(bytes.NewReader(b)))
	r.Comma = ','
	switch {
	case tsv:
		r.Comma = '\t'
	case semi > comma && semi >= tab:
		r.Comma = ';'
	case tab > comma && tab > semi:
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.TrimLeadingSpace = r.Comma != '\t'
	return r
}

// csvRecord reads the next record, returning nil at the end. Lines of only
// white space are skipped like blank lines.
func csvRecord(r *csv.Reader) ([]string, error) {
	rec, err := r.Read()
	for err == nil && len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
		rec, err = r.Read()
	}
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d column %d: %v", pe.Line, pe.Column, pe.Err)
		}
		return nil, err
	}
	return rec, nil
}

// isHeader reports whether rec has a non-empty field that is not a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, err := strconv.ParseFloat(f, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return true
		}
	}
	return false
}

// CSVHeader returns the column names of the CSV file path: its first row
// when Load reads that row as a header (a field of it is not a number),
// else nil. Errors are *Error as Load's.
func CSVHeader(path string) ([]string, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	rec, err := csvRecord(csvReader(b, false))
	if err != nil {
		return nil, fail(path, err)
	}
	if rec == nil || !isHeader(rec) {
		return nil, nil
	}
	names := make([]string, len(rec))
	for i, f := range rec {
		names[i] = strings.TrimSpace(f)
	}
	return names, nil
}
