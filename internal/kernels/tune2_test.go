package kernels

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SWEEP2="shapeIndex" CFG="kc,mc,items;kc,mc,items"
func TestTuneConfigs(t *testing.T) {
	if os.Getenv("SWEEP2") == "" {
		t.Skip()
	}
	si, _ := strconv.Atoi(os.Getenv("SWEEP2"))
	s := benchShapes[si]
	a, lda, bm, ldb, c := benchOperands(s)
	var cfgs [][3]int
	for _, f := range strings.Split(os.Getenv("CFG"), ";") {
		var x [3]int
		fmt.Sscanf(f, "%d,%d,%d", &x[0], &x[1], &x[2])
		cfgs = append(cfgs, x)
	}
	res := make([][]float64, len(cfgs))
	flop := 2 * float64(s.m*s.n*s.k)
	calls := max(1, int(30e-3*200e9/flop))
	for rep := 0; rep < 7; rep++ {
		for i, cf := range cfgs {
			gemmKC, gemmMC, gemmItems = cf[0], cf[1], cf[2]
			Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			t0 := time.Now()
			for j := 0; j < calls; j++ {
				Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			res[i] = append(res[i], flop*float64(calls)/time.Since(t0).Seconds()/1e9)
		}
	}
	for i, cf := range cfgs {
		sort.Float64s(res[i])
		fmt.Printf("%s kc %d mc %d items %d: median %.1f max %.1f\n", s.name, cf[0], cf[1], cf[2], res[i][3], res[i][6])
	}
	gemmKC, gemmMC, gemmItems = 512, 192, 4
}

func TestTuneCPU(t *testing.T) {
	if os.Getenv("SWEEP3") == "" {
		t.Skip()
	}
	var cfgs [][3]int
	for _, f := range strings.Split(os.Getenv("CFG"), ";") {
		var x [3]int
		fmt.Sscanf(f, "%d,%d,%d", &x[0], &x[1], &x[2])
		cfgs = append(cfgs, x)
	}
	kerns := sgemmKernels()[:1]
	if os.Getenv("KERNS") != "" {
		kerns = sgemmKernels()[:2]
	}
	for _, s := range benchShapes {
		a, lda, bm, ldb, c := benchOperands(s)
		flop := 2 * float64(s.m*s.n*s.k)
		calls := max(1, int(60e-3*150e9/flop))
		res := make([][]float64, len(cfgs)*len(kerns))
		runtimeLock()
		for rep := 0; rep < 7; rep++ {
			for ki, kern := range kerns {
				for ci, cf := range cfgs {
					gemmKC, gemmMC, gemmItems = cf[0], cf[1], cf[2]
					t0 := threadCPU()
					for j := 0; j < calls; j++ {
						sgemmPacked(kern, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
					}
					res[ki*len(cfgs)+ci] = append(res[ki*len(cfgs)+ci], flop*float64(calls)/(threadCPU()-t0)/1e9)
				}
			}
		}
		runtimeUnlock()
		for ki, kern := range kerns {
			for ci, cf := range cfgs {
				xs := res[ki*len(cfgs)+ci]
				sort.Float64s(xs)
				fmt.Printf("%-20s %-13s kc %4d mc %4d: median %.1f max %.1f\n", s.name, kern.name, cf[0], cf[1], xs[3], xs[6])
			}
		}
	}
	gemmKC, gemmMC, gemmItems = 512, 192, 4
}

func TestTuneScaling(t *testing.T) {
	if os.Getenv("SWEEP4") == "" {
		t.Skip()
	}
	for _, s := range benchShapes {
		a, lda, bm, ldb, c := benchOperands(s)
		flop := 2 * float64(s.m*s.n*s.k)
		calls := max(1, int(30e-3*150e9/flop))
		var r1, r2, rr []float64
		var cpu [2][]float64
		for rep := 0; rep < 9; rep++ {
			var g [2]float64
			for i, th := range []int{1, 2} {
				t0 := time.Now()
				c0 := procCPU()
				for j := 0; j < calls; j++ {
					sgemmPacked(sgemmKernel, th, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				}
				g[i] = flop * float64(calls) / time.Since(t0).Seconds() / 1e9
				cpu[i] = append(cpu[i], flop*float64(calls)/(procCPU()-c0)/1e9)
			}
			r1, r2, rr = append(r1, g[0]), append(r2, g[1]), append(rr, g[1]/g[0])
		}
		sort.Float64s(r1)
		sort.Float64s(r2)
		sort.Float64s(rr)
		sort.Float64s(cpu[0])
		sort.Float64s(cpu[1])
		fmt.Printf("%-20s 1T %.1f (max %.1f) 2T %.1f (max %.1f) scaling %.2f; per CPU-second 1T %.1f 2T %.1f\n", s.name, r1[4], r1[8], r2[4], r2[8], rr[4], cpu[0][4], cpu[1][4])
	}
}

func procCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(0, &ru) // RUSAGE_SELF
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
