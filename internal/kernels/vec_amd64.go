//go:build amd64 && !noasm

package kernels

// saxpyAVX512 is Saxpy on n floats (vec_amd64.s); tail has the low n%16
// bits set.
//
//go:noescape
func saxpyAVX512(alpha float32, x, y *float32, n int, tail uint16)

// sdotAVX512 is Sdot on n floats (vec_amd64.s).
//
//go:noescape
func sdotAVX512(x, y *float32, n int, tail uint16) float32
