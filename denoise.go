package sae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Noise kinds for denoising training (Config.Noise).
const (
	noiseGaussian   = "gaussian"   // add N(0, S^2) to every value
	noiseMask       = "mask"       // set each value to 0 with probability P
	noiseSaltPepper = "saltpepper" // set each value to its column's min or max, each with probability P/2
)

// noiseSpec is a parsed Config.Noise.
type noiseSpec struct {
	kind  string
	param float64
}

// parseNoise reads "gaussian:S", "mask:P" or "saltpepper:P"; "" is no noise.
func parseNoise(s string) (noiseSpec, error) {
	if s == "" || s == "none" {
		return noiseSpec{}, nil
	}
	kind, arg, ok := strings.Cut(s, ":")
	if !ok {
		return noiseSpec{}, fmt.Errorf("%q: want gaussian:S, mask:P or saltpepper:P", s)
	}
	v, err := strconv.ParseFloat(arg, 64)
	if err != nil {
		return noiseSpec{}, fmt.Errorf("%q: %q is not a number", s, arg)
	}
	switch kind {
	case noiseGaussian:
		if !(v > 0) || v > 100 {
			return noiseSpec{}, fmt.Errorf("%q: the standard deviation must be in (0, 100]", s)
		}
	case noiseMask, noiseSaltPepper:
		if !(v > 0 && v < 1) {
			return noiseSpec{}, fmt.Errorf("%q: the probability must be in (0, 1)", s)
		}
	default:
		return noiseSpec{}, fmt.Errorf("%q: kind %q is not gaussian, mask or saltpepper", s, kind)
	}
	return noiseSpec{kind: kind, param: v}, nil
}

// corrupter draws fresh corruption for every batch, in the data's units
// though it corrupts scaled rows: gaussian noise of standard deviation S
// in input units is S/Scale[j] in column j's scaled units (sd), and a
// masked value is the scaled value of an input 0 (zero). lo and hi are the
// columns' minimum and maximum on the (scaled) training data, the values
// salt-and-pepper noise writes.
type corrupter struct {
	spec     noiseSpec
	sd, zero []float32
	lo, hi   []float32
}

// newCorrupter is the corrupter of spec for rows of d columns scaled by nz
// (nil: not scaled).
func newCorrupter(spec noiseSpec, nz *Normalizer, d int, lo, hi []float32) *corrupter {
	c := &corrupter{spec: spec}
	switch spec.kind {
	case noiseGaussian:
		c.sd = make([]float32, d)
		for j := range c.sd {
			c.sd[j] = float32(spec.param)
			if nz != nil {
				c.sd[j] /= nz.Scale[j]
			}
		}
	case noiseMask:
		c.zero = make([]float32, d)
		if nz != nil {
			nz.apply(c.zero, c.zero, d)
		}
	case noiseSaltPepper:
		c.lo, c.hi = lo, hi
	}
	return c
}

// corrupt writes the corrupted rows of clean ([rows, d]) into dst.
func (c *corrupter) corrupt(dst, clean []float32, d int, rng *rand.Rand) {
	p := c.spec.param
	switch c.spec.kind {
	case noiseGaussian:
		for r := 0; r < len(clean); r += d {
			for j, v := range clean[r : r+d] {
				dst[r+j] = v + c.sd[j]*float32(rng.NormFloat64())
			}
		}
	case noiseMask:
		for r := 0; r < len(clean); r += d {
			for j, v := range clean[r : r+d] {
				if rng.Float64() < p {
					v = c.zero[j]
				}
				dst[r+j] = v
			}
		}
	case noiseSaltPepper:
		for i, v := range clean {
			if u := rng.Float64(); u < p/2 {
				v = c.lo[i%d]
			} else if u < p {
				v = c.hi[i%d]
			}
			dst[i] = v
		}
	}
}

// denoiseRows bounds the validation rows the denoising gain is measured on,
// denoiseChunk the rows held at once (a streamed run's memory stays small).
const (
	denoiseRows  = 10000
	denoiseChunk = 1024
)

// denoiseGain is how much m, a denoiser, cleans the first rows (at most
// denoiseRows) of val (input units) corrupted by c as in training (a seed
// of its own): 10·log10 of the corrupted rows' mean squared error against
// the clean rows over the reconstructions', in input units, i.e. the PSNR
// gain `sae reconstruct --clean` reports. Negative: m makes such rows
// worse.
func (m *Model) denoiseGain(val *rowSet, c *corrupter) (float64, error) {
	n, d := min(val.len(), denoiseRows), val.cols
	rng := rand.New(rand.NewPCG(m.Config.Seed, 0xde7015e))
	clean, noisy := make([]float32, min(n, denoiseChunk)*d), make([]float32, min(n, denoiseChunk)*d)
	var in, out float64
	for lo := 0; lo < n; lo += denoiseChunk {
		rows := min(denoiseChunk, n-lo)
		cl, ny := clean[:rows*d], noisy[:rows*d]
		if err := val.readRange(cl, lo, lo+rows); err != nil {
			return 0, err
		}
		m.Norm.apply(ny, cl, d)
		c.corrupt(ny, ny, d, rng)
		m.Norm.invert(ny, d)
		rec, err := m.Reconstruct(Matrix{Rows: rows, Cols: d, Data: ny})
		if err != nil {
			return 0, err
		}
		for i, v := range cl {
			e, r := float64(ny[i]-v), float64(rec.Data[i]-v)
			in += e * e
			out += r * r
		}
	}
	if in == 0 || out == 0 {
		return 0, nil // nothing corrupted, or nothing left: no ratio to speak of
	}
	return 10 * math.Log10(in/out), nil
}
