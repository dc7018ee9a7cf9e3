package sae

// PCA, the linear baseline a sparse autoencoder's FVU is read against: k
// principal components reconstruct each row as mu + V V^T (z - mu), where
// z is the row in the model's scaled units, mu the rows' mean there and V
// (d x k) the top k eigenvectors of their covariance C = Zc^T Zc / n. By
// Eckart-Young no k-dimensional linear code reconstructs the scaled rows
// better, so a model whose FVU at a mean L0 of k is not below PCA-k's has
// learnt nothing a linear map would not.
//
// V is found by subspace iteration on C with p = k + pcaOversample columns
// (Y = C Q, Q = orth(Y), until trace(Q^T C Q) changes by less than 1e-6
// of itself), then Rayleigh-Ritz:
// the top k eigenvectors W of the p x p matrix T = Q^T C Q give V = Q W.
// The FVU returned is measured on the reconstructions through the V found,
// in input units as Metrics.FVU is, so an unconverged V could only make the
// baseline look worse than PCA, never better.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sae-go/sae/internal/kernels"
)

const (
	// pcaFitRows bounds the rows C is computed from; more rows are
	// sampled evenly. The FVU is then measured on every row.
	pcaFitRows = 20000
	// pcaOversample columns beyond k speed the iteration's convergence.
	pcaOversample = 10
	pcaMaxIter    = 200
	pcaTol        = 1e-6 // relative change of trace(Q^T C Q) that stops it
	// PCAMaxCols is the widest data PCAFVU takes: C alone, d x d float32,
	// is then 256 MiB.
	PCAMaxCols = 8192
)

// PCAFVU is the fraction of the variance of x (input units, as Metrics.FVU
// measures it) that k principal components leave unexplained, the PCA fit
// on x in m's scaled units (its Normalizer) on up to 20000 evenly spaced
// rows. Data wider than PCAMaxCols columns is refused. k = 0 reconstructs every row by the mean (FVU 1); k >= the number
// of columns explains everything (FVU 0 up to rounding). The FVU is NaN
// when the rows do not vary. A transcoder has no such baseline (its
// targets are not its inputs): an error.
func (m *Model) PCAFVU(x Matrix, k int) (float64, error) {
	if err := checkSource(x, "pca input", m.Inputs); err != nil {
		return 0, err
	}
	if m.Transcoder() {
		return 0, errTranscoder
	}
	if k < 0 {
		return 0, fmt.Errorf("pca: %d components", k)
	}
	d := x.Cols
	if d > PCAMaxCols {
		return 0, fmt.Errorf("pca: %d columns, more than %d (the covariance alone would take %d MiB)", d, PCAMaxCols, int64(d)*int64(d)*4>>20)
	}
	if x.Rows == 0 {
		return math.NaN(), nil
	}
	k = min(k, d)
	mu, c := scaledCovariance(m.Norm, x)
	v := topEigenvectors(c, d, k)
	return pcaFVU(m.Norm, x, mu, v, k), nil
}

// scaledCovariance returns the mean mu (d) and covariance C (d x d, row
// major) of x's rows scaled by nz, from up to pcaFitRows of them.
func scaledCovariance(nz *Normalizer, x Matrix) (mu []float64, c []float32) {
	d := x.Cols
	rows := make([]int, 0, min(x.Rows, pcaFitRows))
	for i := 0; i < min(x.Rows, pcaFitRows); i++ {
		rows = append(rows, int(int64(i)*int64(x.Rows)/int64(min(x.Rows, pcaFitRows))))
	}
	z := make([]float32, len(rows)*d)
	for i, r := range rows {
		nz.apply(z[i*d:(i+1)*d], x.Row(r), d)
	}
	mu = make([]float64, d)
	for i := range rows {
		for j, v := range z[i*d : (i+1)*d] {
			mu[j] += float64(v)
		}
	}
	for j := range mu {
		mu[j] /= float64(len(rows))
	}
	for i := range rows {
		for j := range d {
			z[i*d+j] -= float32(mu[j])
		}
	}
	c = make([]float32, d*d)
	kernels.Gemm(true, false, d, d, len(rows), 1/float32(len(rows)), z, d, z, d, 0, c, d)
	return mu, c
}

// topEigenvectors returns the top k eigenvectors of the symmetric d x d
// matrix c as the columns of a d x k row-major matrix.
func topEigenvectors(c []float32, d, k int) []float32 {
	if k == 0 {
		return nil
	}
	p := min(k+pcaOversample, d)
	// The p vectors are the rows of qt (p x d): Y^T = Q^T C is one GEMM,
	// C being symmetric, and each vector is contiguous.
	rng := rand.New(rand.NewPCG(7, 0x9ca))
	qt := make([]float32, p*d)
	for i := range qt {
		qt[i] = float32(rng.NormFloat64())
	}
	o := newOrthonormalizer(p, d)
	o.apply(qt, 2)
	yt := make([]float32, p*d)
	prev := math.Inf(1)
	for it := 0; it < pcaMaxIter; it++ {
		kernels.Gemm(false, false, p, d, d, 1, qt, d, c, d, 0, yt, d)
		var tr float64 // trace(Q^T C Q)
		for i := range qt {
			tr += float64(qt[i]) * float64(yt[i])
		}
		qt, yt = yt, qt
		o.apply(qt, 1)
		if math.Abs(tr-prev) <= pcaTol*math.Abs(tr) {
			break
		}
		prev = tr
	}
	o.apply(qt, 2)
	// Rayleigh-Ritz: T = Q^T (C Q), its top k eigenvectors W, V = Q W.
	kernels.Gemm(false, false, p, d, d, 1, qt, d, c, d, 0, yt, d)
	t := make([]float64, p*p)
	for a := range p {
		for b := range p {
			t[a*p+b] = dot32(qt[a*d:(a+1)*d], yt[b*d:(b+1)*d])
		}
	}
	vals, w := jacobiEigen(t, p)
	order := make([]int, p)
	for i := range order {
		order[i] = i
	}
	sortByDesc(order, vals)
	v := make([]float32, d*k)
	col := make([]float64, d)
	for j, e := range order[:k] {
		clear(col)
		for a := range p {
			wa := w[a*p+e]
			for i, q := range qt[a*d : (a+1)*d] {
				col[i] += wa * float64(q)
			}
		}
		for i := range d {
			v[i*k+j] = float32(col[i])
		}
	}
	return v
}

// dot32 is the float64 dot product of two float32 vectors.
func dot32(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// sortByDesc orders the indices by their values, largest first.
func sortByDesc(order []int, vals []float64) {
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && vals[order[j]] > vals[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// orthonormalizer makes p vectors of length d (the rows of a p x d
// row-major matrix) orthonormal by modified Gram-Schmidt in float64; a
// vector that vanishes (the span has fewer than p dimensions) is left
// zero.
type orthonormalizer struct {
	p, d int
	vec  [][]float64
}

func newOrthonormalizer(p, d int) *orthonormalizer {
	o := &orthonormalizer{p: p, d: d, vec: make([][]float64, p)}
	for j := range o.vec {
		o.vec[j] = make([]float64, d)
	}
	return o
}

// apply orthonormalises the rows of q with passes rounds of projections
// (two restore orthogonality to rounding even for ill-conditioned rows).
func (o *orthonormalizer) apply(q []float32, passes int) {
	d := o.d
	for j, v := range o.vec {
		for i := range v {
			v[i] = float64(q[j*d+i])
		}
	}
	for j, v := range o.vec {
		for pass := 0; pass < passes; pass++ {
			for _, u := range o.vec[:j] {
				var dot float64
				for i := range v {
					dot += u[i] * v[i]
				}
				for i := range v {
					v[i] -= dot * u[i]
				}
			}
		}
		var n float64
		for _, x := range v {
			n += x * x
		}
		n = math.Sqrt(n)
		if n < 1e-30 {
			clear(v) // the span has fewer dimensions: this vector adds none
			continue
		}
		for i := range v {
			v[i] /= n
		}
	}
	for j, v := range o.vec {
		for i, x := range v {
			q[j*d+i] = float32(x)
		}
	}
}

// jacobiEigen diagonalises the symmetric p x p matrix a (row major, which
// it overwrites) by cyclic Jacobi rotations: the eigenvalues, and the
// eigenvectors as the columns of a p x p row-major matrix.
func jacobiEigen(a []float64, p int) (vals, vecs []float64) {
	vecs = make([]float64, p*p)
	for i := range p {
		vecs[i*p+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for i := range p {
			diag += a[i*p+i] * a[i*p+i]
			for j := i + 1; j < p; j++ {
				off += a[i*p+j] * a[i*p+j]
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for i := 0; i < p; i++ {
			for j := i + 1; j < p; j++ {
				if a[i*p+j] != 0 {
					rotate(a, vecs, p, i, j)
				}
			}
		}
	}
	vals = make([]float64, p)
	for i := range p {
		vals[i] = a[i*p+i]
	}
	return vals, vecs
}

// rotate applies the Jacobi rotation that zeroes a[i][j] (Golub and Van
// Loan, Algorithm 8.5.1), accumulating it into the columns of v.
func rotate(a, v []float64, p, i, j int) {
	theta := (a[j*p+j] - a[i*p+i]) / (2 * a[i*p+j])
	t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
	if theta < 0 {
		t = -t
	}
	c := 1 / math.Sqrt(t*t+1)
	s := t * c
	for r := range p { // columns i and j: A J
		ai, aj := a[r*p+i], a[r*p+j]
		a[r*p+i], a[r*p+j] = c*ai-s*aj, s*ai+c*aj
	}
	for r := range p { // rows i and j: J^T A
		ai, aj := a[i*p+r], a[j*p+r]
		a[i*p+r], a[j*p+r] = c*ai-s*aj, s*ai+c*aj
	}
	for r := range p {
		vi, vj := v[r*p+i], v[r*p+j]
		v[r*p+i], v[r*p+j] = c*vi-s*vj, s*vi+c*vj
	}
}

// pcaFVU reconstructs every row of x through the k columns of v (d x k)
// about mu, in nz's scaled units, and returns the FVU in input units.
func pcaFVU(nz *Normalizer, x Matrix, mu []float64, v []float32, k int) float64 {
	d := x.Cols
	mean := make([]float64, d) // input units
	for i := range x.Rows {
		for j, u := range x.Row(i) {
			mean[j] += float64(u)
		}
	}
	for j := range mean {
		mean[j] /= float64(x.Rows)
	}
	var sse, sst float64
	chunk := inferChunk
	z := make([]float32, chunk*d)
	code := make([]float32, chunk*max(k, 1))
	for lo := 0; lo < x.Rows; lo += chunk {
		hi := min(lo+chunk, x.Rows)
		rows := hi - lo
		zs := z[:rows*d]
		nz.apply(zs, x.Data[lo*d:hi*d], d)
		for i := range rows {
			for j := range d {
				zs[i*d+j] -= float32(mu[j])
			}
		}
		if k > 0 {
			kernels.Gemm(false, false, rows, k, d, 1, zs, d, v, k, 0, code[:rows*k], k)
			kernels.Gemm(false, true, rows, d, k, 1, code[:rows*k], k, v, k, 0, zs, d)
		} else {
			clear(zs)
		}
		for i := range rows {
			for j := range d {
				zs[i*d+j] += float32(mu[j])
			}
		}
		nz.invert(zs, d)
		for i, r := range zs {
			u := float64(x.Data[lo*d+i])
			e := float64(r) - u
			sse += e * e
			dm := u - mean[i%d]
			sst += dm * dm
		}
	}
	if sst == 0 {
		return math.NaN()
	}
	return sse / sst
}
