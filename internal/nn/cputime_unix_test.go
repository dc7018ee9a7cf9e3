//go:build unix

package nn

import "syscall"

// cpuSeconds is the CPU time (user and system) of the process so far, or
// -1 where it cannot be read. On a machine shared with other jobs a
// benchmark's CPU time per step moves less than its wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) * 1e-9
}
