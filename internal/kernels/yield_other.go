//go:build !linux

package kernels

import "runtime"

// osYield lets other goroutines run; without sched_yield it is the best a
// portable spinning waiter can do.
func osYield() { runtime.Gosched() }
