package kernels

import (
	"runtime"
	"sync/atomic"
)

var threads atomic.Int32

func init() { threads.Store(int32(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many cores the kernels use; n <= 0 means all of them.
func SetThreads(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int32(n))
}

// Threads reports how many cores the kernels use by default: a call that
// is given a number of cores (GemmN, AdamParams.Threads) uses that instead.
func Threads() int { return int(threads.Load()) }

// orThreads is n, or Threads() for n <= 0.
func orThreads(n int) int {
	if n > 0 {
		return n
	}
	return Threads()
}
