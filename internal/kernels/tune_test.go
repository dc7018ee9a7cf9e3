package kernels

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
)

func TestTuneSweep(t *testing.T) {
	if os.Getenv("SWEEP") == "" {
		t.Skip()
	}
	th, _ := strconv.Atoi(os.Getenv("TH"))
	for _, s := range benchShapes {
		a, lda, bm, ldb, c := benchOperands(s)
		for _, kern := range sgemmKernels()[:2] {
			for _, kc := range []int{192, 256, 384, 512} {
				for _, mc := range []int{96, 192, 384} {
					gemmKC, gemmMC = kc, mc
					runtime.LockOSThread()
					best := 0.0
					for rep := 0; rep < 3; rep++ {
						t0 := threadCPU()
						for i := 0; i < 4; i++ {
							sgemmPacked(kern, th, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
						}
						best = max(best, 4*2*float64(s.m*s.n*s.k)/(threadCPU()-t0)/1e9)
					}
					runtime.UnlockOSThread()
					fmt.Printf("%-20s %-14s kc %4d mc %4d %6.1f\n", s.name, kern.name, kc, mc, best)
				}
			}
		}
		if os.Getenv("ALL") == "" {
			break
		}
	}
}

func TestTuneKernel(t *testing.T) {
	if os.Getenv("SWEEP") == "" {
		t.Skip()
	}
	for _, kern := range sgemmKernels() {
		for _, kc := range []int{64, 256, 512} {
			a := make([]float32, kc*kern.mr)
			b := make([]float32, kc*kern.nr)
			c := make([]float32, kern.mr*kern.nr)
			runtime.LockOSThread()
			n := 30000000000 / (2 * kc * kern.mr * kern.nr)
			if kern == sgemmKernGo {
				n /= 50
			}
			best := 0.0
			for rep := 0; rep < 3; rep++ {
				t0 := threadCPU()
				for i := 0; i < n; i++ {
					kern.fn(kc, &a[0], &b[0], &c[0], kern.nr, 1, 1)
				}
				gf := 2 * float64(kc*kern.mr*kern.nr) * float64(n) / (threadCPU() - t0) / 1e9
				best = max(best, gf)
			}
			runtime.UnlockOSThread()
			fmt.Printf("%-14s kc %4d %6.1f\n", kern.name, kc, best)
		}
	}
}

func threadCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func runtimeLock()   { runtime.LockOSThread() }
func runtimeUnlock() { runtime.UnlockOSThread() }
