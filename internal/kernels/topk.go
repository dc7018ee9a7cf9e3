package kernels

import "math"

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
	if a32, ok := any(a).([]float32); ok {
		topK32(a32, rows, n, k, idx, any(val).([]float32))
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

// topK32 is TopK for float32 with a heap of packed keys: the value's bits
// made order-preserving as an unsigned integer in the high half and the
// complemented index in the low half, so that one integer compare orders
// by value and then by smaller index.
//
// Where the CPU has AVX-512 (fast), the entries below the heap's smallest
// are skipped 64 at a time; the selection is the same.
func topK32(a []float32, rows, n, k int, idx []int32, val []float32) {
	topK32With(hasAVX512, a, rows, n, k, idx, val)
}

func topK32With(fast bool, a []float32, rows, n, k int, idx []int32, val []float32) {
	var local [64]uint64
	heap := local[:0]
	if k > len(local) {
		heap = make([]uint64, k)
	}
	heap = heap[:k]
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		for j := 0; j < k; j++ {
			heap[j] = topKey(r[j], j)
			siftUp64(heap, j)
		}
		low := uint32(heap[0] >> 32)
		for j := k; j < n; j++ {
			if fast && n-j >= 16 {
				// Skip to the next entry >= the heap's smallest as a
				// float: a superset of those that enter (it lets
				// equal values and signed zeros through to the exact
				// test below).
				if j += atLeastAVX512(&r[j], n-j, unord32(low)); j >= n {
					break
				}
			}
			if ord32(r[j]) > low {
				heap[0] = topKey(r[j], j)
				siftDown64(heap)
				low = uint32(heap[0] >> 32)
			}
		}
		// Largest first: pop the smallest to the end.
		for end := k - 1; end > 0; end-- {
			heap[0], heap[end] = heap[end], heap[0]
			siftDown64(heap[:end])
		}
		for j, key := range heap {
			x := ^int32(uint32(key))
			idx[i*k+j] = x
			val[i*k+j] = r[x]
		}
	}
}

// ord32 maps float32 bits to a uint32 with the same order (for non-NaN).
func ord32(x float32) uint32 {
	u := math.Float32bits(x)
	if u>>31 != 0 {
		return ^u
	}
	return u | 1<<31
}

// unord32 is ord32's inverse.
func unord32(o uint32) float32 {
	if o>>31 != 0 {
		return math.Float32frombits(o &^ (1 << 31))
	}
	return math.Float32frombits(^o)
}

func topKey(x float32, j int) uint64 {
	return uint64(ord32(x))<<32 | uint64(^uint32(j))
}

func siftUp64(h []uint64, j int) {
	for j > 0 {
		p := (j - 1) / 2
		if h[j] >= h[p] {
			return
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
}

func siftDown64(h []uint64) {
	n := len(h)
	j := 0
	x := h[0]
	for {
		c := 2*j + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1] < h[c] {
			c++
		}
		if h[c] >= x {
			break
		}
		h[j] = h[c]
		j = c
	}
	h[j] = x
}
