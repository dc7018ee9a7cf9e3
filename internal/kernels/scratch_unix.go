//go:build unix

package kernels

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapFloats maps n zeroed floats of private anonymous memory; false when
// the OS refuses (the caller then uses the Go heap).
func mapFloats(n int) ([]float32, bool) {
	if n <= 0 {
		return nil, false
	}
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(n)*4, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, false
	}
	return unsafe.Slice((*float32)(p), n), true
}

// unmapFloats returns the memory of a mapFloats slice to the OS.
func unmapFloats(f []float32) {
	f = f[:cap(f)]
	if err := unix.MunmapPtr(unsafe.Pointer(&f[0]), uintptr(len(f))*4); err != nil {
		panic("kernels: munmap: " + err.Error())
	}
}
