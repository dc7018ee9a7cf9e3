package kernels

import "math"

// Axpy computes y += alpha*x. Reference: y[i] += alpha*x[i].
func Axpy[T Float](alpha T, x, y []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Dot returns sum_i x[i]*y[i].
func Dot[T Float](x, y []T) T {
	y = y[:len(x)]
	var s T
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// Scale computes x *= alpha.
func Scale[T Float](alpha T, x []T) {
	for i := range x {
		x[i] *= alpha
	}
}

// AddRows adds the row vector v to every row of the rows x len(v) matrix a
// (row-major, leading dimension len(v)). Reference: a[i*n+j] += v[j].
func AddRows[T Float](a []T, rows int, v []T) {
	n := len(v)
	a = a[:rows*n]
	if a32, ok := any(a).([]float32); ok && hasAVX512 {
		biasAct32(Identity, a32, rows, any(v).([]float32))
		return
	}
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		for j, b := range v {
			r[j] += b
		}
	}
}

// ColSums sets dst[j] = sum_i a[i*n+j] for the rows x n matrix a, n = len(dst).
func ColSums[T Float](dst []T, a []T, rows int) {
	clear(dst)
	AddColSums(dst, a, rows)
}

// AddColSums adds the column sums of the rows x len(dst) matrix a to dst.
func AddColSums[T Float](dst []T, a []T, rows int) {
	n := len(dst)
	a = a[:rows*n]
	if d32, ok := any(dst).([]float32); ok && hasAVX512 {
		addColSumsAVX512(d32, any(a).([]float32), rows)
		return
	}
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		for j, v := range r {
			dst[j] += v
		}
	}
}

// SumSq returns sum_i x[i]^2, accumulated in float64.
func SumSq[T Float](x []T) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// RowNorms sets dst[i] to the Euclidean norm of row i of the len(dst) x n
// matrix a (row-major, leading dimension n), accumulated in float64:
// dst[i] = sqrt(sum_j a[i*n+j]^2).
func RowNorms[T Float](dst []T, a []T, n int) {
	a = a[:len(dst)*n]
	for i := range dst {
		r := a[i*n : i*n+n]
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+4 <= len(r); j += 4 {
			x0, x1, x2, x3 := float64(r[j]), float64(r[j+1]), float64(r[j+2]), float64(r[j+3])
			s0 += x0 * x0
			s1 += x1 * x1
			s2 += x2 * x2
			s3 += x3 * x3
		}
		for ; j < len(r); j++ {
			x := float64(r[j])
			s0 += x * x
		}
		dst[i] = T(math.Sqrt((s0 + s1) + (s2 + s3)))
	}
}
