package data

// A directory of safetensors shards (chunk-0.safetensors, chunk-1.safetensors,
// ...) as activation caches write them: each shard holds one tensor [n_i,
// ...] (or several, the one to read named by the key), and the matrix is the
// shards' rows one after the other, in the order of the number in their
// names. Only the shards' headers are read when the directory is opened.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// maxSTHeader bounds a safetensors header (the format's own limit).
const maxSTHeader = 100 << 20

// shardFiles lists the .safetensors files of dir in shard order: by the
// name with its last run of digits compared as a number.
func shardFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, openErr(err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".safetensors") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no .safetensors shards in the directory")
	}
	sort.Slice(names, func(i, j int) bool {
		pi, ni := shardKey(names[i])
		pj, nj := shardKey(names[j])
		if pi != pj {
			return pi < pj
		}
		if ni != nj {
			return ni < nj
		}
		return names[i] < names[j]
	})
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names, nil
}

// shardKey splits a shard name at its last run of digits: the text before
// it and its value (-1 when there is none).
func shardKey(name string) (string, int64) {
	base := strings.TrimSuffix(strings.ToLower(name), ".safetensors")
	end := len(base)
	for end > 0 && (base[end-1] < '0' || base[end-1] > '9') {
		end--
	}
	start := end
	for start > 0 && base[start-1] >= '0' && base[start-1] <= '9' {
		start--
	}
	if start == end {
		return base, -1
	}
	v, err := strconv.ParseInt(base[start:end], 10, 64)
	if err != nil {
		return base, -1
	}
	return base[:start], v
}

// openShards opens the shard directory dir for reading rows.
func openShards(dir, key string) (*tableRows, error) {
	files, err := shardFiles(dir)
	if err != nil {
		return nil, err
	}
	t := &tableRows{path: dir, files: files}
	for i, name := range files {
		p, cols, err := shardPiece(name, key, i, t.rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Base(name), err)
		}
		if i > 0 && cols != t.cols {
			return nil, fmt.Errorf("%s: rows of %d values, %s has %d", filepath.Base(name), cols, filepath.Base(files[0]), t.cols)
		}
		t.cols = cols
		t.pieces = append(t.pieces, p)
		t.rows += p.rows
		if t.rows > maxTableRows {
			return nil, fmt.Errorf("more than %d rows", int64(maxTableRows))
		}
	}
	if err := t.checkShape(); err != nil {
		return nil, err
	}
	return t, nil
}

// shardPiece reads the header of one shard and returns the piece holding
// its tensor, and the tensor's row width.
func shardPiece(name, key string, file int, first int64) (piece, int, error) {
	f, err := os.Open(name)
	if err != nil {
		return piece{}, 0, openErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return piece{}, 0, err
	}
	if !st.Mode().IsRegular() {
		return piece{}, 0, errors.New("not a regular file")
	}
	size := st.Size()
	var n [8]byte
	if _, err := io.ReadFull(f, n[:]); err != nil {
		return piece{}, 0, fmt.Errorf("truncated: %d bytes, too short for a safetensors header length", size)
	}
	hlen := binary.LittleEndian.Uint64(n[:])
	if hlen > uint64(size-8) || hlen > maxSTHeader {
		return piece{}, 0, fmt.Errorf("truncated: header length %d but %d bytes follow (want a safetensors file)", hlen, size-8)
	}
	header := make([]byte, hlen)
	if _, err := io.ReadFull(f, header); err != nil {
		return piece{}, 0, err
	}
	bufLen := size - 8 - int64(hlen)
	if bufLen > 1<<62 {
		return piece{}, 0, errors.New("absurd size")
	}
	tensors, _, err := parseSTHeader(header, int(bufLen))
	if err != nil {
		return piece{}, 0, err
	}
	t, err := pickTensor(tensors, key)
	if err != nil {
		return piece{}, 0, err
	}
	rows, cols, err := matrixShape(t.array.shape)
	if err != nil {
		return piece{}, 0, fmt.Errorf("tensor %q: %v", t.name, err)
	}
	dt := t.array.dtype
	seg := segment{width: cols, off: 8 + int64(hlen) + int64(t.begin), stride: int64(cols * dt.size), dt: dt}
	return piece{file: file, first: first, rows: int64(rows), segs: []segment{seg}}, cols, nil
}

// pickTensor returns the tensor named key, or the only one when key is empty.
func pickTensor(tensors []stTensor, key string) (*stTensor, error) {
	names := make([]string, len(tensors))
	for i := range tensors {
		if key != "" && tensors[i].name == key {
			return &tensors[i], nil
		}
		names[i] = tensors[i].name
	}
	switch {
	case len(tensors) == 0:
		return nil, errors.New("no tensors in the file")
	case key != "":
		return nil, fmt.Errorf("no tensor %q (tensors: %s)", key, nameList(names))
	case len(tensors) > 1:
		return nil, fmt.Errorf("%d tensors (%s): name the one to read as the key", len(tensors), nameList(names))
	}
	return &tensors[0], nil
}
