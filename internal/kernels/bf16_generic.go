//go:build noasm || !amd64

package kernels

// bf16Kernels lists the micro-kernels GemmBF16 can run: the plain-Go
// kernel on rounded panels.
func bf16Kernels() []*microKernel { return []*microKernel{emulateBF16(sgemmKernGo)} }

// packBF16RunsFast would do the full panels of packPanelsBF16's
// contiguous-runs case; here it does none.
func packBF16RunsFast(dst []uint32, src []float32, ld, kc, w, panels int) int { return 0 }

// packBF16TFast would do a leading part of packStridedBF16; here it does
// none.
func packBF16TFast(dst []uint32, src []float32, ld, rows, kc, w int) int { return 0 }

// bf16Speedup is 1: GemmBF16 runs the float32 kernel.
func bf16Speedup() float64 { return 1 }
