package kernels

// Float32 vector operations for the sparse paths, where every call is one
// short row (a dictionary row of width d): AVX-512 where the CPU has it,
// with fused multiply-adds, plain Go otherwise.

// Saxpy computes y += alpha*x. Reference: y[i] += alpha*x[i].
func Saxpy(alpha float32, x, y []float32) {
	n := len(x)
	if n == 0 {
		return
	}
	y = y[:n]
	if hasAVX512 && n >= 16 {
		saxpyAVX512(alpha, &x[0], &y[0], n, uint16(1)<<(n%16)-1)
		return
	}
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Sdot returns sum_i x[i]*y[i] (in an unspecified order of summation).
func Sdot(x, y []float32) float32 {
	n := len(x)
	if n == 0 {
		return 0
	}
	y = y[:n]
	if hasAVX512 && n >= 16 {
		return sdotAVX512(&x[0], &y[0], n, uint16(1)<<(n%16)-1)
	}
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < n; i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// AddTransposed adds the transpose of the rows x cols matrix src (leading
// dimension lds) into the cols x rows matrix dst (leading dimension ldd)
// and zeroes src, in one pass. Reference:
//
//	dst[c*ldd+r] += src[r*lds+c]; src[r*lds+c] = 0
//
// With use non-nil, only the rows r with use[r] take part; the others are
// left alone (in both). Blocks of 16 rows go through the AVX-512 16x16 transpose where
// the CPU has it.
func AddTransposed(dst []float32, ldd int, src []float32, lds, rows, cols int, use []bool) {
	var tmp [16 * 64]float32 // one block: 16 rows x up to 64 columns, transposed
	// Column blocks outside, row blocks inside: the 64 rows of dst a column
	// block writes stay in the cache (and TLB) while every row block adds
	// its 16 values to each.
	for c0 := 0; c0 < cols; c0 += 64 {
		nc := min(64, cols-c0)
		for r0 := 0; r0 < rows; r0 += 16 {
			nr := min(16, rows-r0)
			some, all := false, true
			for r := r0; r < r0+nr; r++ {
				u := use == nil || use[r]
				some, all = some || u, all && u
			}
			if !some {
				continue
			}
			done := 0
			if hasAVX512 && nc >= 16 {
				packT16(&tmp[0], &src[r0*lds+c0], lds, nc, 16, nr, uint16(1)<<nr-1)
				done = nc &^ 15
			}
			for c := done; c < nc; c++ {
				for r := 0; r < nr; r++ {
					tmp[c*16+r] = src[(r0+r)*lds+c0+c]
				}
			}
			for c := 0; c < nc; c++ {
				d := dst[(c0+c)*ldd+r0 : (c0+c)*ldd+r0+nr]
				t := tmp[c*16 : c*16+nr]
				if all {
					Saxpy(1, t, d)
					continue
				}
				for r, v := range t {
					if use[r0+r] {
						d[r] += v
					}
				}
			}
		}
	}
	for r := 0; r < rows; r++ {
		if use == nil || use[r] {
			clear(src[r*lds : r*lds+cols])
		}
	}
}
