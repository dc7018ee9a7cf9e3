//go:build amd64 && !noasm

package kernels

import (
	"time"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The bfloat16 micro-kernels (bf16_amd64.s, written by gen_sgemm_amd64.go):
// the tile of sgemmKernAVX512x12x32 and its edge variants on panels of
// bfloat16 pairs, kc2 pairs deep, one VDPBF16PS per pair and vector:
//
//	c[i*ldc+j] = alpha*sum_{p<kc2} (lo(a[p*12+i])*lo(b[p*32+j]) + hi(a[p*12+i])*hi(b[p*32+j])) + beta*c[i*ldc+j]
//
// with the products and sums in float32 (subnormal sums flushed to zero),
// not reading c when beta == 0.

//go:noescape
func bf16KernAVX512x12x32(kc2 int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func bf16KernAVX512x4x32(kc2 int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func bf16KernAVX512x8x32(kc2 int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func bf16KernAVX512x12x16(kc2 int, a, b, c *float32, ldc int, alpha, beta float32)

// packBF16Runs is packBF16RunsFast's assembly (bf16_amd64.s): for
// p2 < ceil(kc/2), q < panels and x < w,
// dst[q*panelStride + p2*w + x] = pairBF16(src[2*p2*ld + q*w + x], src[(2*p2+1)*ld + q*w + x]),
// the second zero when 2*p2+1 == kc; mask has the low w%16 bits set.
//
//go:noescape
func packBF16Runs(dst *uint32, src *float32, ld, kc, w, panels, panelStride int, mask uint16)

// packBF16T is packBF16TFast's assembly (bf16_amd64.s): for r < rows and
// p2 < kc/32*16, dst[p2*dstStride + r] = pairBF16(src[r*ld + 2*p2], src[r*ld + 2*p2+1]);
// mask has the low rows bits set.
//
//go:noescape
func packBF16T(dst *uint32, src *float32, ld, kc, dstStride, rows int, mask uint16)

// hasBF16 reports AVX512_BF16 (and AVX512BW, for the packing's word
// permutes), with the OS saving the registers.
var hasBF16 = cpu.X86.HasAVX512BF16 && cpu.X86.HasAVX512BW

var kernBF16x12x32 = &microKernel{name: "avx512bf16-12x32", mr: 12, nr: 32, fn: bf16KernAVX512x12x32,
	edges: []edgeKernel{
		{4, 32, bf16KernAVX512x4x32},
		{8, 32, bf16KernAVX512x8x32},
		{12, 16, bf16KernAVX512x12x16},
	},
	pack: panelBF16Pairs}

// bf16Kernels lists the micro-kernels GemmBF16 can run on this machine,
// best first: the VDPBF16PS kernel where the CPU has AVX512_BF16, then
// every float32 kernel on rounded panels.
func bf16Kernels() []*microKernel {
	var ks []*microKernel
	if hasBF16 {
		ks = append(ks, kernBF16x12x32)
	}
	for _, k := range sgemmKernels() {
		ks = append(ks, emulateBF16(k))
	}
	return ks
}

// packBF16RunsFast does the full panels of packPanelsBF16's contiguous-runs
// case and reports how many it did.
func packBF16RunsFast(dst []uint32, src []float32, ld, kc, w, panels int) int {
	if !hasBF16 || panels == 0 {
		return 0
	}
	packBF16Runs(&dst[0], &src[0], ld, kc, w, panels, (kc+1)/2*w, uint16(1)<<(w%16)-1)
	return panels
}

// packBF16TFast does the first kc&^31 columns of packStridedBF16 and
// reports how many it did.
func packBF16TFast(dst []uint32, src []float32, ld, rows, kc, w int) int {
	kc32 := kc &^ 31
	if !hasBF16 || kc32 == 0 {
		return 0
	}
	for r := 0; r < rows; r += 16 {
		n := min(16, rows-r)
		packBF16T(&dst[r], &src[r*ld], ld, kc32, w, n, uint16(1)<<n-1)
	}
	return kc32
}

// bf16Speedup times the VDPBF16PS micro-kernel against the float32 one on
// panels in L1 cache: trials of calls alternate, and the fastest trial of
// each counts. It returns 1 where GemmBF16 runs the float32 kernels.
func bf16Speedup() float64 {
	if !BF16Native() {
		return 1
	}
	const kc, calls, trials = 128, 50, 25
	f32, b16 := sgemmKernel, bf16Kernel
	a := make([]uint32, kc*max(f32.mr, b16.mr))
	b := make([]uint32, kc*max(f32.nr, b16.nr))
	c := make([]float32, max(f32.mr*f32.nr, b16.mr*b16.nr))
	// Pairs of 0.5 and of 0.25, which as float32 are near 0.5 and 0.25.
	for i := range a {
		a[i] = 0x3f003f00
	}
	for i := range b {
		b[i] = 0x3e803e80
	}
	pa, pb := (*float32)(unsafe.Pointer(&a[0])), (*float32)(unsafe.Pointer(&b[0]))
	best := func(d *time.Duration, kern *microKernel, depth int) {
		t := time.Now()
		for range calls {
			kern.fn(depth, pa, pb, &c[0], kern.nr, 1, 0)
		}
		if e := time.Since(t); *d == 0 || e < *d {
			*d = e
		}
	}
	var t32, t16 time.Duration
	for range trials {
		best(&t32, f32, kc)
		best(&t16, b16, kc/2)
	}
	rate32 := float64(f32.mr*f32.nr) / t32.Seconds()
	rate16 := float64(b16.mr*b16.nr) / t16.Seconds()
	return rate16 / rate32
}
