package kernels

import (
	"math"
	"sync"
	"unsafe"
)

// bfloat16 products. A bfloat16 is the top half of a float32: sign, the
// same 8-bit exponent, 7 stored bits of significand (8 with the implicit
// one). GemmBF16 rounds every operand to it and accumulates in float32,
// as AVX512_BF16 hardware (and PyTorch's autocast) does: the product of two
// bfloat16 values is exact in float32, so the only errors are the two
// roundings of the operands (relative 2^-8 each at most) and the float32
// sums.
//
// Where the CPU has AVX512_BF16 the driver of sgemm.go runs a VDPBF16PS
// micro-kernel (bf16_amd64.s) on panels of bfloat16 pairs; elsewhere, and
// under the noasm tag, it runs the float32 micro-kernel on panels whose
// values are rounded to bfloat16, which gives the same products and the
// same float32 sums in another order.

// GemmBF16 is Gemm[float32] with the products in bfloat16: each element of
// op(A) and op(B) is rounded to bfloat16 (RoundBF16), the products are
// summed in float32, and C = alpha*sum + beta*C in float32. The arguments
// and the layouts are Gemm's; C and beta are float32 as there.
//
// Reference: c[i*ldc+j] = alpha*sum_p RoundBF16(opA(i,p))*RoundBF16(opB(p,j)) + beta*c[i*ldc+j].
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	GemmBF16N(0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmBF16N is GemmBF16 on at most threads cores (0: Threads()); the
// result does not depend on threads.
func GemmBF16N(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemmPacked(bf16Kernel, orThreads(threads), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// BF16Native reports whether GemmBF16 runs on bfloat16 instructions
// (AVX512_BF16). When false it computes the same products with float32
// instructions, at the speed of Gemm.
func BF16Native() bool { return bf16Kernel.pack == panelBF16Pairs }

var bf16Kernel = bf16Kernels()[0]

// BF16Speedup reports how many times faster GemmBF16's micro-kernel
// multiplies than Gemm's on this machine. It is a measurement, made once at
// the first call (a few milliseconds: both kernels on panels in L1 cache,
// the fastest of several alternating trials), because the answer depends
// on the core, not only on its features: a VDPBF16PS does the work of two
// float32 FMAs, so where it issues as often as an FMA the speedup
// approaches 2, and on Intel Xeons of family 6 model 207 (Emerald
// Rapids), which issue it at a quarter of their FMA rate, it is 0.5.
// Without AVX512_BF16 (BF16Native false) GemmBF16 runs the float32
// kernels and BF16Speedup is 1. GemmBF16's results never depend on it.
func BF16Speedup() float64 {
	bf16SpeedupOnce.Do(func() { bf16SpeedupValue = bf16Speedup() })
	return bf16SpeedupValue
}

var (
	bf16SpeedupOnce  sync.Once
	bf16SpeedupValue float64
)

// RoundBF16 returns x rounded to bfloat16, as a float32: to nearest, ties
// to even; subnormals become zero of the same sign (as the hardware's
// conversions do); infinities stay; a NaN stays a NaN.
//
// Reference: the top 16 bits of x + 0x7fff + (bit 16 of x), as integers.
func RoundBF16(x float32) float32 { return math.Float32frombits(uint32(toBF16(x)) << 16) }

// toBF16 is the conversion of VCVTNEPS2BF16 (Intel SDM,
// convert_fp32_to_bfloat16).
func toBF16(x float32) uint16 {
	u := math.Float32bits(x)
	switch {
	case u&0x7f800000 == 0: // zero or subnormal
		return uint16(u>>16) & 0x8000
	case u&0x7fffffff > 0x7f800000: // NaN: keep it quiet
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// pairBF16 packs two values into one 32-bit word, lo in the low half.
func pairBF16(lo, hi float32) uint32 { return uint32(toBF16(lo)) | uint32(toBF16(hi))<<16 }

// roundBF16 rounds every element of x to bfloat16 in place.
func roundBF16(x []float32) {
	for i, v := range x {
		x[i] = RoundBF16(v)
	}
}

// emulateBF16 returns kern for GemmBF16: the same float32 micro-kernel on
// panels rounded to bfloat16.
func emulateBF16(kern *microKernel) *microKernel {
	e := *kern
	e.name += "/bf16-rounded"
	e.pack = panelBF16
	return &e
}

// gemmRefBF16 is the plain-Go reference of GemmBF16, the loop of its doc.
func gemmRefBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += RoundBF16(av) * RoundBF16(bv)
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// words views a packed buffer as the 32-bit words of bfloat16 pairs.
func words(f []float32) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(f))), len(f))
}

// packPanelsBF16 is packPanels into panels of bfloat16 pairs along p: with
// kd = ceil(kc/2) pairs,
//
//	dst[q*kd*w + p2*w + r] = pairBF16(X(i0+q*w+r, pc+2*p2), X(i0+q*w+r, pc+2*p2+1))
//
// where X is as in packPanels, zero past cnt and past kc.
func packPanelsBF16(dst, src []float32, ld int, alongI bool, i0, cnt, pc, kc, w int) {
	kd := (kc + 1) / 2
	d := words(dst)
	panels := ceilDiv(cnt, w)
	if last := cnt - (panels-1)*w; last < w {
		clear(d[(panels-1)*kd*w : panels*kd*w])
	}
	if !alongI {
		for q := 0; q < panels; q++ {
			packStridedBF16(d[q*kd*w:(q+1)*kd*w], src[(i0+q*w)*ld+pc:], ld, min(w, cnt-q*w), kc, w)
		}
		return
	}
	full := cnt / w
	rest := cnt - full*w
	_ = d[panels*kd*w-1]
	_ = src[(pc+kc-1)*ld+i0+cnt-1]
	done := packBF16RunsFast(d, src[pc*ld+i0:], ld, kc, w, full)
	if done == full && rest == 0 {
		return
	}
	for p2 := 0; p2 < kd; p2++ {
		r0 := src[(pc+2*p2)*ld+i0:]
		var r1 []float32
		if 2*p2+1 < kc {
			r1 = src[(pc+2*p2+1)*ld+i0:]
		}
		for q := done; q < panels; q++ {
			run := d[q*kd*w+p2*w : q*kd*w+p2*w+min(w, cnt-q*w)]
			for x := range run {
				var hi float32
				if r1 != nil {
					hi = r1[q*w+x]
				}
				run[x] = pairBF16(r0[q*w+x], hi)
			}
		}
	}
}

// packStridedBF16 transposes into pairs: dst[p2*w + r] =
// pairBF16(src[r*ld + 2*p2], src[r*ld + 2*p2+1]) for r < rows and
// p2 < ceil(kc/2), the second zero when 2*p2+1 == kc.
func packStridedBF16(dst []uint32, src []float32, ld, rows, kc, w int) {
	kd := (kc + 1) / 2
	_ = dst[(kd-1)*w+rows-1]
	_ = src[(rows-1)*ld+kc-1]
	done := packBF16TFast(dst, src, ld, rows, kc, w) // columns, a multiple of 32
	for r := 0; r < rows; r++ {
		s := src[r*ld : r*ld+kc]
		for p := done; p < kc; p += 2 {
			var hi float32
			if p+1 < kc {
				hi = s[p+1]
			}
			dst[p/2*w+r] = pairBF16(s[p], hi)
		}
	}
}
