package sae

import (
	"math"
	"math/rand/v2"
	"testing"
)

// knownSpectrum returns n x d rows z = U S V^T + shift, where U (n x d)
// has orthonormal columns orthogonal to the ones vector (the rows' mean
// is shift), V is a random orthogonal d x d matrix and S = diag(s): PCA
// with k components leaves sum_{i>=k} s_i^2 of sum s_i^2 unexplained.
func knownSpectrum(n, d int, s []float64, seed uint64) (z [][]float64, v [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	gs := func(vecs [][]float64, also []float64) {
		for j := range vecs {
			for pass := 0; pass < 2; pass++ {
				if also != nil {
					proj(vecs[j], also)
				}
				for l := 0; l < j; l++ {
					proj(vecs[j], vecs[l])
				}
			}
			nrm := math.Sqrt(dot64(vecs[j], vecs[j]))
			for i := range vecs[j] {
				vecs[j][i] /= nrm
			}
		}
	}
	randVecs := func(count, dim int) [][]float64 {
		out := make([][]float64, count)
		for j := range out {
			out[j] = make([]float64, dim)
			for i := range out[j] {
				out[j][i] = rng.NormFloat64()
			}
		}
		return out
	}
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1 / math.Sqrt(float64(n))
	}
	u := randVecs(d, n)
	gs(u, ones)
	v = randVecs(d, d)
	gs(v, nil)
	z = make([][]float64, n)
	for r := range z {
		z[r] = make([]float64, d)
		for c := range d {
			for i := range d {
				z[r][c] += u[i][r] * s[i] * v[i][c]
			}
		}
	}
	return z, v
}

func proj(x, onto []float64) {
	a := dot64(x, onto)
	for i := range x {
		x[i] -= a * onto[i]
	}
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestPCAFVUKnownSpectrum: on rows of a known spectrum, PCA-k's FVU is the
// spectrum's tail, for every k, with no scaling and with a global one.
func TestPCAFVUKnownSpectrum(t *testing.T) {
	const n, d = 400, 12
	s := []float64{30, 20, 12, 8, 5, 3, 2, 1.5, 1, 0.5, 0.3, 0.1}
	z, _ := knownSpectrum(n, d, s, 3)
	x := NewMatrix(n, d)
	for r := range n {
		for c := range d {
			x.Data[r*d+c] = float32(z[r][c] + float64(c)) // shift column c by c
		}
	}
	var total float64
	for _, v := range s {
		total += v * v
	}
	shift, scale := make([]float32, d), make([]float32, d)
	for j := range d {
		shift[j], scale[j] = 5, 2.5
	}
	for _, nz := range []*Normalizer{nil, {Kind: NormalizeGlobal, Shift: shift, Scale: scale}} {
		m := &Model{Inputs: d, Norm: nz}
		for k := 0; k <= d+2; k++ {
			var tail float64
			for _, v := range s[min(k, d):] {
				tail += v * v
			}
			want := tail / total
			got, err := m.PCAFVU(x, k)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 2e-4 {
				t.Errorf("norm %v, k=%d: fvu %.6f, want %.6f", nz != nil, k, got, want)
			}
		}
	}
}

// TestPCAFVUScaledUnits: PCA is fit in the model's scaled units and the
// FVU measured in input units: a column scaled up 100-fold by the data but
// back down by the normaliser counts 10^4 times more in the FVU, as in
// Metrics.FVU. The reference reconstructs through the known components.
func TestPCAFVUScaledUnits(t *testing.T) {
	const n, d, k = 300, 8, 3
	s := []float64{10, 8, 6, 1, 0.5, 0.4, 0.2, 0.1}
	z, v := knownSpectrum(n, d, s, 9)
	scale := []float32{100, 1, 1, 3, 1, 0.5, 1, 1}
	shift := make([]float32, d)
	x := NewMatrix(n, d)
	for r := range n {
		for c := range d {
			x.Data[r*d+c] = float32(z[r][c]) * scale[c]
		}
	}
	var sse, sst float64
	for r := range n {
		for c := range d {
			var rec float64 // z's projection on the top k components
			for i := range k {
				rec += dot64(z[r], v[i]) * v[i][c]
			}
			e := (rec - z[r][c]) * float64(scale[c])
			sse += e * e
			sst += math.Pow(z[r][c]*float64(scale[c]), 2)
		}
	}
	want := sse / sst
	m := &Model{Inputs: d, Norm: &Normalizer{Kind: NormalizeStandard, Shift: shift, Scale: scale}}
	got, err := m.PCAFVU(x, k)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-4*math.Max(want, 1e-3) {
		t.Errorf("fvu %.6g, want %.6g", got, want)
	}
	// Without the scaling the first column dominates: another answer.
	unscaled, err := (&Model{Inputs: d}).PCAFVU(x, k)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(unscaled-want) < 1e-3 {
		t.Errorf("PCA without the model's scaling gave the scaled answer %.6g: the test cannot tell them apart", unscaled)
	}
}

// TestJacobiEigen checks A v = lambda v on a random symmetric matrix.
func TestJacobiEigen(t *testing.T) {
	const p = 9
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, p*p)
	for i := range p {
		for j := i; j < p; j++ {
			a[i*p+j] = rng.NormFloat64()
			a[j*p+i] = a[i*p+j]
		}
	}
	orig := append([]float64(nil), a...)
	vals, vecs := jacobiEigen(a, p)
	for c := range p {
		for i := range p {
			var av float64
			for j := range p {
				av += orig[i*p+j] * vecs[j*p+c]
			}
			if math.Abs(av-vals[c]*vecs[i*p+c]) > 1e-9 {
				t.Fatalf("eigenpair %d: (Av)_%d = %g, lambda v = %g", c, i, av, vals[c]*vecs[i*p+c])
			}
		}
	}
}
