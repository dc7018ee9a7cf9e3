// Command gendata writes the small synthetic data sets of the golden grid
// (bench/golden/run.sh) into a directory: deterministic for a seed, with no
// dependency on the sae packages, so that two builds of sae are compared on
// the same files.
//
//	dense.npy, dense_val.npy   [800,24], [200,24] float32: sparse sums of 40
//	                           random atoms plus noise, two heavy-tailed columns
//	labels.npy, val_labels.npy int64 classes 0..2 of those rows
//	pix.npy                    [600,64] float32 in [0, 1] (pixel-like)
//	score.npy, score_labels.npy [300,24] with 15 planted anomalies, and 0/1 labels
//	resume.npy                 [4000,128] float32: large enough that training
//	                           takes a few seconds, for the kill-and-resume run
package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendata DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	rng := rand.New(rand.NewPCG(16, 2026))
	const d, atoms = 24, 40
	dict := make([]float64, atoms*d)
	for i := range dict {
		dict[i] = rng.NormFloat64()
	}
	dense := func(n int) ([]float32, []int64) {
		x := make([]float32, n*d)
		y := make([]int64, n)
		for i := 0; i < n; i++ {
			first := -1
			for s := 0; s < 3; s++ {
				a := rng.IntN(atoms)
				if first < 0 {
					first = a
				}
				c := 0.5 + rng.ExpFloat64()
				for p := 0; p < d; p++ {
					x[i*d+p] += float32(c * dict[a*d+p])
				}
			}
			for p := 0; p < d; p++ {
				x[i*d+p] += float32(0.05 * rng.NormFloat64())
			}
			x[i*d+3] += float32(math.Pow(rng.Float64(), -0.5)) // heavy tail
			x[i*d+7] = float32(rng.IntN(3))                    // a few levels
			y[i] = int64(first % 3)
		}
		return x, y
	}
	x, y := dense(800)
	write(dir, "dense.npy", x, 800, d)
	writeInts(dir, "labels.npy", y)
	x, y = dense(200)
	write(dir, "dense_val.npy", x, 200, d)
	writeInts(dir, "val_labels.npy", y)

	// Pixel-like rows: the max of a few bumps on an 8x8 grid.
	const side = 8
	pix := make([]float32, 600*side*side)
	for i := 0; i < 600; i++ {
		for s := 0; s < 3; s++ {
			cx, cy, r := rng.Float64()*side, rng.Float64()*side, 0.8+rng.Float64()*1.5
			for p := 0; p < side*side; p++ {
				dx, dy := float64(p%side)-cx, float64(p/side)-cy
				v := float32(math.Exp(-(dx*dx + dy*dy) / (2 * r * r)))
				pix[i*side*side+p] = max(pix[i*side*side+p], v)
			}
		}
	}
	write(dir, "pix.npy", pix, 600, side*side)

	x, _ = dense(300)
	lab := make([]int64, 300)
	for i := 0; i < 15; i++ {
		r := rng.IntN(300)
		lab[r] = 1
		for p := 0; p < d; p++ {
			x[r*d+p] += float32(4 * rng.NormFloat64())
		}
	}
	write(dir, "score.npy", x, 300, d)
	writeInts(dir, "score_labels.npy", lab)

	const rn, rd = 4000, 128
	big := make([]float32, rn*rd)
	for i := range big {
		big[i] = float32(rng.NormFloat64())
	}
	write(dir, "resume.npy", big, rn, rd)
}

func header(descr string, shape string) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	return append(b, h...)
}

func write(dir, name string, x []float32, rows, cols int) {
	b := header("<f4", fmt.Sprintf("(%d, %d)", rows, cols))
	for _, v := range x {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	save(dir, name, b)
}

func writeInts(dir, name string, y []int64) {
	b := header("<i8", fmt.Sprintf("(%d,)", len(y)))
	for _, v := range y {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	save(dir, name, b)
}

func save(dir, name string, b []byte) {
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
