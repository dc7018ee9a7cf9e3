//go:build amd64 && !noasm

package kernels

// saxpyAVX512 is Saxpy on n floats (vec_amd64.s); tail has the low n%16
// bits set.
//
//go:noescape
func saxpyAVX512(alpha float32, x, y *float32, n int, tail uint16)

// atLeastAVX512 is the index of the first x[i] >= thr among the first
// n&^15 floats, or n&^15 when there is none (vec_amd64.s).
//
//go:noescape
func atLeastAVX512(x *float32, n int, thr float32) int

// sdotAVX512 is Sdot on n floats (vec_amd64.s).
//
//go:noescape
func sdotAVX512(x, y *float32, n int, tail uint16) float32
