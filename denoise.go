package sae

import (
	"fmt"
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

// corrupter draws fresh corruption for every batch. lo and hi are the
// columns' minimum and maximum on the (scaled) training data, the values
// salt-and-pepper noise writes.
type corrupter struct {
	spec   noiseSpec
	lo, hi []float32
}

func newCorrupter(spec noiseSpec, lo, hi []float32) *corrupter {
	c := &corrupter{spec: spec}
	if spec.kind == noiseSaltPepper {
		c.lo, c.hi = lo, hi
	}
	return c
}

// corrupt writes the corrupted rows of clean ([rows, d]) into dst.
func (c *corrupter) corrupt(dst, clean []float32, d int, rng *rand.Rand) {
	p := c.spec.param
	switch c.spec.kind {
	case noiseGaussian:
		for i, v := range clean {
			dst[i] = v + float32(p*rng.NormFloat64())
		}
	case noiseMask:
		for i, v := range clean {
			if rng.Float64() < p {
				v = 0
			}
			dst[i] = v
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
