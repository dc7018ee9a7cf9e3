//go:build noasm || !amd64

package kernels

func saxpyAVX512(alpha float32, x, y *float32, n int, tail uint16) { panic("unreachable") }

func atLeastAVX512(x *float32, n int, thr float32) int { panic("unreachable") }

func sdotAVX512(x, y *float32, n int, tail uint16) float32 { panic("unreachable") }

func packT16(dst, src *float32, ld, kc, dstStride, rows int, mask uint16) { panic("unreachable") }
