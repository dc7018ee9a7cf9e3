package data

// A .npz writer: a zip of stored (uncompressed) .npy files, as NumPy's
// savez writes, for outputs of several arrays (sparse codes: indices and
// values; predictions: class and probabilities).

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
)

// NPZArray is one array of a .npz file: Shape's values, row-major, in
// exactly one of F32 (float32, '<f4') and I32 (int32, '<i4').
type NPZArray struct {
	Name  string
	Shape []int
	F32   []float32
	I32   []int32
}

// WriteNPZ writes the arrays to path as a .npz (array a in entry a.Name +
// ".npy", format 1.0, little-endian, C order), atomically.
func WriteNPZ(path string, arrays ...NPZArray) error {
	for _, a := range arrays {
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if (a.F32 == nil) == (a.I32 == nil) || len(a.F32)+len(a.I32) != n || a.Name == "" {
			return failf(path, "array %q: shape %v but %d float32 and %d int32 values", a.Name, a.Shape, len(a.F32), len(a.I32))
		}
	}
	err := safefile.Write(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, a := range arrays {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
			if err != nil {
				return err
			}
			descr := "<f4"
			if a.I32 != nil {
				descr = "<i4"
			}
			if _, err := f.Write(npyArrayHeader(descr, a.Shape)); err != nil {
				return err
			}
			if a.I32 != nil {
				err = binary.Write(f, binary.LittleEndian, a.I32)
			} else {
				err = writeFloat32s(f, a.F32)
			}
			if err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err != nil {
		return fail(path, err)
	}
	return nil
}

// npyArrayHeader is the magic, version 1.0, header length and header of a
// C-order .npy array, padded so that the data starts at a multiple of 64
// bytes, as NumPy does.
func npyArrayHeader(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	total := len(npyMagic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	hlen := len(dict) + pad + 1
	b := make([]byte, 0, total+pad)
	b = append(b, npyMagic...)
	b = append(b, 1, 0, byte(hlen), byte(hlen>>8))
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", pad)...)
	return append(b, '\n')
}
