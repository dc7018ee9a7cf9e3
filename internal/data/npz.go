package data

// NumPy .npz: a zip archive (stored or deflated) whose entries are .npy files
// named after their arrays ("X.npy" holds the array X).

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// maxEntryBytes bounds the uncompressed size of one .npz entry: the largest
// array allowed, plus room for a header.
const maxEntryBytes = maxElements*8 + 1<<20

// decodeNPZ parses a whole .npz file and returns the array named key; with
// no key, the array named def, else the archive's only array unless that
// is the other conventional name (X for data, y for labels: a data file
// of only labels, or a labels file of only data, is a mistake).
func decodeNPZ(b []byte, key, def string) (*array, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not a valid .npz (zip) archive: %v", err)
	}
	key = strings.TrimSuffix(key, ".npy")
	byName := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		if byName[name] != nil {
			return nil, fmt.Errorf("duplicate entry %q in the archive", f.Name)
		}
		byName[name] = f
		names = append(names, name)
	}
	f := byName[key]
	if key == "" {
		key = def
		other := map[string]string{"X": "y", "y": "X"}[def]
		if f = byName[def]; f == nil && len(names) == 1 && names[0] != other {
			f = byName[names[0]]
		}
	}
	if f == nil {
		if len(names) == 0 {
			return nil, fmt.Errorf("no array %q (the archive is empty)", key)
		}
		return nil, fmt.Errorf("no array %q (arrays: %s)", key, nameList(names))
	}
	content, err := readZipEntry(f)
	if err != nil {
		return nil, fmt.Errorf("entry %q: %v", f.Name, err)
	}
	a, err := decodeNPY(content)
	if err != nil {
		return nil, fmt.Errorf("entry %q: %v", f.Name, err)
	}
	return a, nil
}

// readZipEntry reads one entry, never allocating more than its compressed
// size makes possible.
func readZipEntry(f *zip.File) ([]byte, error) {
	size := f.UncompressedSize64
	switch f.Method {
	case zip.Store:
		if size != f.CompressedSize64 {
			return nil, fmt.Errorf("stored entry has compressed size %d but uncompressed size %d", f.CompressedSize64, size)
		}
	case zip.Deflate:
		// Deflate cannot expand data more than 1032 times.
		if size > f.CompressedSize64*1032+1024 {
			return nil, fmt.Errorf("declared size %d is more than %d bytes of deflated data can hold", size, f.CompressedSize64)
		}
	default:
		return nil, fmt.Errorf("unsupported compression method %d (want stored or deflated)", f.Method)
	}
	if size > maxEntryBytes || size >= math.MaxInt { // MaxInt: the most a 32-bit platform can address
		return nil, fmt.Errorf("absurd size %d bytes", size)
	}
	if size == 0 {
		return nil, errors.New("empty file")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	content, err := readUpTo(rc, int(size)+1)
	if err != nil {
		return nil, fmt.Errorf("corrupt compressed data: %v", err)
	}
	if uint64(len(content)) != size {
		return nil, fmt.Errorf("holds %d bytes but the archive declares %d", len(content), size)
	}
	return content, nil
}

// nameList formats names sorted and comma-separated, at most 10 of them.
func nameList(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	for i, n := range s {
		if n == "" || strings.ContainsFunc(n, func(r rune) bool {
			return !(r == '_' || r == '-' || r == '.' || r == '/' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			s[i] = fmt.Sprintf("%q", n)
		}
	}
	if len(s) > 10 {
		return strings.Join(s[:10], ", ") + fmt.Sprintf(", and %d more", len(s)-10)
	}
	return strings.Join(s, ", ")
}
