package linear

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// The softmax objective's Hessian is about (Sigma (x) A) + L2*I, where
// Sigma = X'X/n is the second-moment matrix of the standardised features
// and A the curvature of the cross-entropy in the logits. Correlated
// features (neighbouring pixels, say) make Sigma badly conditioned, and
// plain L-BFGS then needs thousands of iterations. The preconditioner
// applies (Sigma + mu*I)^-1 to each class's column of W (a Cholesky solve),
// which removes that conditioning; L-BFGS learns the rest. The biases see
// a constant feature of second moment 1, so their block is the identity.

// maxPrecondFeatures bounds the features for which the d x d Cholesky
// factor is built (d^3/6 multiply-adds); wider problems run unpreconditioned.
const maxPrecondFeatures = 2048

// precondRows is the most rows Sigma is estimated from (evenly spaced):
// a preconditioner needs the shape of Sigma, not its last digit.
const precondRows = 16384

// precondCurvature is the assumed scale of the cross-entropy's curvature
// A: mu = L2 / precondCurvature.
const precondCurvature = 0.1

type precond struct {
	d, classes int
	l          []float64 // d x d, lower triangle: Cholesky factor of Sigma + mu*I
}

// newPrecond builds the preconditioner (Sigma + mu*I)^-1 for the
// standardised rows x, or returns nil when cols exceeds maxPrecondFeatures.
// mu is raised to 1e-6 at least (constant columns make Sigma singular).
func newPrecond(x []float32, rows, cols, classes int, mu float64) *precond {
	if cols > maxPrecondFeatures || cols == 0 || rows == 0 {
		return nil
	}
	// Sigma from every stride-th row.
	stride := max(1, rows/precondRows)
	m := (rows + stride - 1) / stride
	xs := x
	if stride > 1 {
		xs = make([]float32, m*cols)
		for k := 0; k < m; k++ {
			copy(xs[k*cols:(k+1)*cols], x[k*stride*cols:(k*stride+1)*cols])
		}
	}
	sigma := make([]float32, cols*cols)
	// sigma [d, d] = xs^T [d, m] · xs [m, d] / m
	kernels.Gemm(true, false, cols, cols, m, 1/float32(m), xs[:m*cols], cols, xs[:m*cols], cols, 0, sigma, cols)
	mu = math.Max(mu, 1e-6)
	for {
		l := make([]float64, cols*cols)
		for i, v := range sigma {
			l[i] = float64(v)
		}
		for j := 0; j < cols; j++ {
			l[j*cols+j] += mu
		}
		if cholesky(l, cols) {
			return &precond{d: cols, classes: classes, l: l}
		}
		mu *= 10 // rounding made Sigma + mu*I indefinite: damp more
	}
}

// cholesky factors the symmetric positive definite d x d matrix a in place
// into its lower triangle L (a = L L'); it reports false when a is not
// numerically positive definite.
func cholesky(a []float64, d int) bool {
	for j := 0; j < d; j++ {
		rj := a[j*d : j*d+j]
		s := a[j*d+j] - dot(rj, rj)
		if !(s > 0) {
			return false
		}
		ljj := math.Sqrt(s)
		a[j*d+j] = ljj
		for i := j + 1; i < d; i++ {
			a[i*d+j] = (a[i*d+j] - dot(a[i*d:i*d+j], rj)) / ljj
		}
	}
	return true
}

// apply sets dst = M src for parameter-shaped vectors ([W (d x classes); b]).
func (pc *precond) apply(dst, src []float64) {
	d, C, l := pc.d, pc.classes, pc.l
	copy(dst, src)
	v := dst[:d*C]
	// Forward: L z = q, all classes at once (rows of v are features).
	for i := 0; i < d; i++ {
		vi := v[i*C : (i+1)*C]
		for k, lik := range l[i*d : i*d+i] {
			if lik != 0 {
				axpy(-lik, v[k*C:(k+1)*C], vi)
			}
		}
		inv := 1 / l[i*d+i]
		for c := range vi {
			vi[c] *= inv
		}
	}
	// Backward: L' v = z.
	for i := d - 1; i >= 0; i-- {
		vi := v[i*C : (i+1)*C]
		for k := i + 1; k < d; k++ {
			if lki := l[k*d+i]; lki != 0 {
				axpy(-lki, v[k*C:(k+1)*C], vi)
			}
		}
		inv := 1 / l[i*d+i]
		for c := range vi {
			vi[c] *= inv
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}
