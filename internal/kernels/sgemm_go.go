package kernels

import "unsafe"

// sgemmKernGo is the portable micro-kernel: a 4x8 tile in plain Go, used
// without assembly and as a second opinion in tests.
var sgemmKernGo = &microKernel{name: "go4x8", mr: 4, nr: 8, fn: sgemmKernGo4x8}

func sgemmKernGo4x8(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	const mr, nr = 4, 8
	as := unsafe.Slice(a, kc*mr)
	bs := unsafe.Slice(b, kc*nr)
	var acc [mr][nr]float32
	for p := 0; p < kc; p++ {
		ap := (*[mr]float32)(as[p*mr:])
		bp := (*[nr]float32)(bs[p*nr:])
		for i := 0; i < mr; i++ {
			x := ap[i]
			r := &acc[i]
			r[0] += x * bp[0]
			r[1] += x * bp[1]
			r[2] += x * bp[2]
			r[3] += x * bp[3]
			r[4] += x * bp[4]
			r[5] += x * bp[5]
			r[6] += x * bp[6]
			r[7] += x * bp[7]
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for i := 0; i < mr; i++ {
		cr := (*[nr]float32)(cs[i*ldc:])
		for j := 0; j < nr; j++ {
			if beta == 0 {
				cr[j] = alpha * acc[i][j]
			} else {
				cr[j] = alpha*acc[i][j] + beta*cr[j]
			}
		}
	}
}
