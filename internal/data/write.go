package data

// Writers: .npy (format 1.0, float32, little-endian, C order) and CSV, both
// atomic through safefile.

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
)

// checkMatrix rejects a matrix whose Data does not match its shape.
func checkMatrix(path string, m *Matrix) error {
	if m == nil {
		return failf(path, "nil matrix")
	}
	if m.Rows < 0 || m.Cols < 0 || m.Cols != 0 && m.Rows > math.MaxInt/m.Cols || len(m.Data) != m.Rows*m.Cols {
		return failf(path, "matrix is %dx%d but holds %d values", m.Rows, m.Cols, len(m.Data))
	}
	return nil
}

// writeFloat32s writes v as little-endian float32, in chunks.
func writeFloat32s(w io.Writer, v []float32) error {
	var buf [4096]byte
	for len(v) > 0 {
		n := min(len(v), len(buf)/4)
		for i, x := range v[:n] {
			u := math.Float32bits(x)
			buf[4*i], buf[4*i+1], buf[4*i+2], buf[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		}
		if _, err := w.Write(buf[:4*n]); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// npyHeaderBytes returns the header of a 2-D little-endian float32 C-order
// .npy file (npyArrayHeader).
func npyHeaderBytes(rows, cols int) []byte { return npyArrayHeader("<f4", []int{rows, cols}) }

// WriteNPY writes m as a 2-D little-endian float32 C-order .npy (format
// 1.0), atomically.
func WriteNPY(path string, m *Matrix) error {
	if err := checkMatrix(path, m); err != nil {
		return err
	}
	err := safefile.Write(path, func(w io.Writer) error {
		if _, err := w.Write(npyHeaderBytes(m.Rows, m.Cols)); err != nil {
			return err
		}
		return writeFloat32s(w, m.Data)
	})
	if err != nil {
		return fail(path, err)
	}
	return nil
}

// WriteCSV writes m as CSV with an optional header row (nil = none),
// atomically; floats are formatted with strconv 'g', -1, 32, which reads
// back to the same float32.
func WriteCSV(path string, m *Matrix, header []string) error {
	if err := checkMatrix(path, m); err != nil {
		return err
	}
	if header != nil && len(header) != m.Cols {
		return failf(path, "header has %d names for %d columns", len(header), m.Cols)
	}
	err := safefile.Write(path, func(w io.Writer) error { return EncodeCSV(w, m, header) })
	if err != nil {
		return fail(path, err)
	}
	return nil
}

// EncodeCSV writes m to w as WriteCSV writes a file (header nil: none).
func EncodeCSV(w io.Writer, m *Matrix, header []string) error {
	return EncodeCSVIDs(w, m, header, "", nil)
}

// EncodeCSVIDs is EncodeCSV with, when ids is not nil (one per row), a
// first column of ids (quoted where CSV needs it) headed idName.
func EncodeCSVIDs(w io.Writer, m *Matrix, header []string, idName string, ids []string) error {
	if header != nil && len(header) != m.Cols {
		return fmt.Errorf("header has %d names for %d columns", len(header), m.Cols)
	}
	if ids != nil && len(ids) != m.Rows {
		return fmt.Errorf("%d ids for %d rows", len(ids), m.Rows)
	}
	if header != nil {
		if ids != nil {
			header = append([]string{idName}, header...)
		}
		if err := csvLine(w, header); err != nil {
			return err
		}
	}
	var line []byte
	for r := 0; r < m.Rows; r++ {
		line = line[:0]
		if ids != nil {
			line = appendCSVField(line, ids[r])
			line = append(line, ',')
		}
		for c, v := range m.Data[r*m.Cols : (r+1)*m.Cols] {
			if c > 0 {
				line = append(line, ',')
			}
			line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// Write writes m as .npy or .csv (no header), chosen by the extension of
// path, case-insensitively.
func Write(path string, m *Matrix) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return WriteNPY(path, m)
	case ".csv":
		return WriteCSV(path, m, nil)
	}
	return failf(path, "cannot write this format (want .npy or .csv)")
}

// csvLine writes fields as one CSV line.
func csvLine(w io.Writer, fields []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(fields); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// appendCSVField appends s as a CSV field: quoted when it holds a comma, a
// quote, a line break or leading space, as encoding/csv quotes.
func appendCSVField(b []byte, s string) []byte {
	if s == "" || !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t' {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}
