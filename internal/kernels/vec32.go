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
