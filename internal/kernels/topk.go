package kernels

// TopK selects the k largest entries of every row of the rows x n matrix a
// (row-major, leading dimension n): for row i, idx[i*k:(i+1)*k] receives
// their column indices and val[i*k:(i+1)*k] their values, largest first, ties
// broken by the smaller index. k must be in [0, n]. Rows with NaN give an
// unspecified selection.
//
// Each row is one pass with a k-element min-heap: an entry enters only if it
// beats the heap's smallest, so with k << n most entries cost one compare.
func TopK[T Float](a []T, rows, n, k int, idx []int32, val []T) {
	if k < 0 || k > n {
		panic("kernels: TopK k out of range")
	}
	a = a[:rows*n]
	idx = idx[:rows*k]
	val = val[:rows*k]
	if k == 0 {
		return
	}
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		hi := idx[i*k : i*k+k]
		hv := val[i*k : i*k+k]
		for j := 0; j < k; j++ {
			hv[j], hi[j] = r[j], int32(j)
			siftUp(hv, hi, j)
		}
		for j := k; j < n; j++ {
			if x := r[j]; x > hv[0] {
				hv[0], hi[0] = x, int32(j)
				siftDown(hv, hi, 0)
			}
		}
		// Heap sort: repeatedly move the smallest to the end.
		for end := k - 1; end > 0; end-- {
			hv[0], hv[end] = hv[end], hv[0]
			hi[0], hi[end] = hi[end], hi[0]
			siftDown(hv[:end], hi[:end], 0)
		}
	}
}

// less orders heap entries: smaller value first, and among equal values the
// larger index first (so that the smaller index is kept and sorts first).
func less[T Float](v []T, x []int32, i, j int) bool {
	return v[i] < v[j] || (v[i] == v[j] && x[i] > x[j])
}

func siftUp[T Float](v []T, x []int32, j int) {
	for j > 0 {
		p := (j - 1) / 2
		if !less(v, x, j, p) {
			return
		}
		v[j], v[p] = v[p], v[j]
		x[j], x[p] = x[p], x[j]
		j = p
	}
}

func siftDown[T Float](v []T, x []int32, j int) {
	n := len(v)
	for {
		c := 2*j + 1
		if c >= n {
			return
		}
		if c+1 < n && less(v, x, c+1, c) {
			c++
		}
		if !less(v, x, c, j) {
			return
		}
		v[j], v[c] = v[c], v[j]
		x[j], x[c] = x[c], x[j]
		j = c
	}
}
