package main

// encode --sparse: each row's active latents as (index, value) pairs, the
// form TopK-family codes are used in by programs (sparsify's top_indices
// and top_acts; scipy.sparse's COO triplets).

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/safefile"
)

// sparseActive is the magnitude above which a latent is written, the same
// as l0's (Metrics.L0): the pairs of a row number its l0.
const sparseActive = 1e-6

// sparseCodes are codes [n, h] as n rows of k (index, value) pairs, each
// row's active latents by decreasing |value| (ties: lower index first),
// rows with fewer than k padded with index -1 and value 0.
type sparseCodes struct {
	n, k, h int
	idx     []int32
	val     []float32
	count   []int // active latents per row
}

// toSparse turns codes into sparseCodes of width fixed (a topk model's k),
// or, when fixed is 0 or a row has more, the most active latents of any
// row.
func toSparse(c sae.Matrix, fixed int) sparseCodes {
	s := sparseCodes{n: c.Rows, h: c.Cols, count: make([]int, c.Rows)}
	for i := range c.Rows {
		for _, v := range c.Row(i) {
			if math.Abs(float64(v)) > sparseActive {
				s.count[i]++
			}
		}
		s.k = max(s.k, s.count[i])
	}
	if s.k <= fixed {
		s.k = fixed
	}
	s.idx = make([]int32, s.n*s.k)
	s.val = make([]float32, s.n*s.k)
	order := make([]int32, 0, c.Cols)
	for i := range c.Rows {
		row := c.Row(i)
		order = order[:0]
		for j, v := range row {
			if math.Abs(float64(v)) > sparseActive {
				order = append(order, int32(j))
			}
		}
		sort.SliceStable(order, func(a, b int) bool {
			return math.Abs(float64(row[order[a]])) > math.Abs(float64(row[order[b]]))
		})
		for p := range s.k {
			s.idx[i*s.k+p], s.val[i*s.k+p] = -1, 0
			if p < len(order) {
				s.idx[i*s.k+p], s.val[i*s.k+p] = order[p], row[order[p]]
			}
		}
	}
	return s
}

// writeSparse is encode --sparse's writer: .npz (indices, values), .csv
// (row,latent,value) or .jsonl (one object per row).
func writeSparse(out string, m *sae.Model, codes sae.Matrix, o map[string]any) (string, error) {
	fixed := 0
	if m.Config.Sparsity == sae.SparsityTopK {
		fixed = m.Config.K
	}
	s := toSparse(codes, fixed)
	o["k"], o["latents"], o["sparse"] = s.k, s.h, true
	var err error
	switch {
	case hasSuffixFold(out, ".npz"):
		err = data.WriteNPZ(out,
			data.NPZArray{Name: "indices", Shape: []int{s.n, s.k}, I32: s.idx},
			data.NPZArray{Name: "values", Shape: []int{s.n, s.k}, F32: s.val})
	default:
		jsonl := hasSuffixFold(out, ".jsonl")
		err = safefile.Write(out, func(w io.Writer) error { return s.writeText(w, jsonl) })
		if err != nil {
			err = fmt.Errorf("%s: %w", out, err)
		}
	}
	if err != nil {
		return "", err
	}
	active := 0
	for _, c := range s.count {
		active += c
	}
	return fmt.Sprintf("wrote %s: %d rows, %.2f of %d latents active per row, at most %d (index, value) pairs per row", out, s.n, float64(active)/float64(max(s.n, 1)), s.h, s.k), nil
}

// writeText writes the pairs without padding: CSV rows row,latent,value
// under a header, or one JSON object {"indices": [...], "values": [...]}
// per row. Rows and latents count from 0.
func (s sparseCodes) writeText(w io.Writer, jsonl bool) error {
	bw := bufio.NewWriter(w)
	if !jsonl {
		bw.WriteString("row,latent,value\n")
	}
	var line []byte
	for i := range s.n {
		idx, val := s.idx[i*s.k:i*s.k+s.count[i]], s.val[i*s.k:i*s.k+s.count[i]]
		line = line[:0]
		if jsonl {
			line = append(line, `{"indices":[`...)
			for p, j := range idx {
				line = appendSep(line, p)
				line = strconv.AppendInt(line, int64(j), 10)
			}
			line = append(line, `],"values":[`...)
			for p, v := range val {
				line = appendSep(line, p)
				line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
			}
			line = append(line, "]}\n"...)
		} else {
			for p := range idx {
				line = strconv.AppendInt(line, int64(i), 10)
				line = append(line, ',')
				line = strconv.AppendInt(line, int64(idx[p]), 10)
				line = append(line, ',')
				line = strconv.AppendFloat(line, float64(val[p]), 'g', -1, 32)
				line = append(line, '\n')
			}
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendSep appends a comma before every element but the first (p = 0).
func appendSep(b []byte, p int) []byte {
	if p > 0 {
		return append(b, ',')
	}
	return b
}
