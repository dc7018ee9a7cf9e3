package data

// Class labels: one integer per sample.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// LoadLabels reads integer class labels: .npy (1-D or [n, 1] of int, uint,
// bool, or floats with integer values), .csv (one column, header allowed),
// .npz (the array "y", else the archive's only array), IDX label files
// (*-idx1-ubyte, .idx, gzipped or not). Errors count labels from 1; in CSV
// they give the line number.
func LoadLabels(path string) ([]int, error) { return LoadLabelsKey(path, "") }

// LoadLabelsKey is LoadLabels with the array key of a .npz file (""
// : the default); a key for another format is an error.
func LoadLabelsKey(path, key string) ([]int, error) {
	f := formatOf(path)
	if f == formatUnknown || f == formatSafetensors {
		return nil, failf(path, "unknown label format (want .npy, .npz, .csv, .idx[.gz])")
	}
	if key != "" && f != formatNPZ {
		return nil, failf(path, "labels key %q: this file holds one unnamed array (a key names an array of a .npz file)", key)
	}
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	var y []int
	var a *array
	switch f {
	case formatCSV:
		y, err = decodeCSVLabels(b)
	case formatNPY:
		a, err = decodeNPY(b)
	case formatNPZ:
		a, err = decodeNPZ(b, key, "y")
	case formatIDX:
		a, err = decodeIDX(b, false)
	}
	if err == nil && a != nil {
		y, err = a.labels()
	}
	if err != nil {
		return nil, fail(path, err)
	}
	return y, nil
}

// decodeCSVLabels parses a one-column CSV of integers (or floats with
// integer values), with an optional header.
func decodeCSVLabels(b []byte) ([]int, error) {
	r := csvReader(b, false)
	rec, err := csvRecord(r)
	if err != nil {
		return nil, err
	}
	if rec != nil && isHeader(rec) {
		if len(rec) != 1 {
			return nil, fmt.Errorf("header has %d fields, want one column of labels", len(rec))
		}
		if rec, err = csvRecord(r); err != nil {
			return nil, err
		}
	}
	var y []int
	for rec != nil {
		line, _ := r.FieldPos(0)
		if len(rec) != 1 {
			return nil, fmt.Errorf("line %d has %d fields, want one column of labels", line, len(rec))
		}
		f := strings.TrimSpace(rec[0])
		v, err := strconv.Atoi(f)
		if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
			x, ferr := strconv.ParseFloat(f, 64)
			if ferr != nil && !errors.Is(ferr, strconv.ErrRange) {
				if f == "" {
					return nil, fmt.Errorf("line %d: empty field", line)
				}
				return nil, fmt.Errorf("line %d: %q is not a number", line, f)
			}
			if v, err = intValue(x); err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
		}
		y = append(y, v)
		if rec, err = csvRecord(r); err != nil {
			return nil, err
		}
	}
	if len(y) == 0 {
		return nil, errors.New("no labels")
	}
	return y, nil
}
