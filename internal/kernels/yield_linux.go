package kernels

import "syscall"

// osYield gives the core to another runnable thread, if any (sched_yield).
// Spinning waiters call it so that, on a machine with more runnable threads
// than cores, the participant they wait for can run.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
