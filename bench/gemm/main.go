// Command gemm times the float32 GEMM of internal/kernels on the shapes a
// training step runs, beside OpenBLAS's cblas_sgemm when built with
//
//	go run -tags openblas ./bench/gemm -threads 2
//
// (cgo and libopenblas-dev needed). Without the tag it times ours alone.
// Each shape is timed for reps rounds, one sample (about 50 ms of calls) of
// each library per round; the table shows medians.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sae-go/sae/internal/kernels"
)

type shape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

var shapes = []shape{
	{"4096x784 . 784x1024", false, false, 4096, 1024, 784},
	{"4096x1024 . (784x1024)^T", false, true, 4096, 784, 1024},
	{"(4096x784)^T . 4096x1024", true, false, 784, 1024, 4096},
	{"4096x768 . 768x8192", false, false, 4096, 8192, 768},
	{"4096x8192 . (768x8192)^T", false, true, 4096, 768, 8192},
	{"(4096x768)^T . 4096x8192", true, false, 768, 8192, 4096},
	{"256x784 . 784x256", false, false, 256, 256, 784},
	// A training step at batch 256 on a 784 -> 1024 layer.
	{"256x784 . 784x1024", false, false, 256, 1024, 784},
	{"256x1024 . (784x1024)^T", false, true, 256, 784, 1024},
	{"(256x784)^T . 256x1024", true, false, 784, 1024, 256},
}

func main() {
	threads := flag.Int("threads", runtime.GOMAXPROCS(0), "threads for both libraries")
	reps := flag.Int("reps", 11, "timed rounds per shape (one sample of each library per round)")
	only := flag.String("shapes", "", "time only the shapes whose name contains this")
	clock := flag.String("clock", "wall", "wall: elapsed time; cpu: the process's CPU time (a steadier\nmeasure of efficiency on a busy machine, meaningful at 1 thread)")
	flag.Parse()

	switch *clock {
	case "wall":
	case "cpu":
		now = cpuTime
	default:
		fmt.Fprintln(os.Stderr, "gemm: -clock must be wall or cpu")
		os.Exit(2)
	}
	kernels.SetThreads(*threads)
	if haveOpenBLAS {
		openblasSetThreads(*threads)
		fmt.Printf("OpenBLAS: %s\n", openblasConfig())
	}
	fmt.Printf("threads %d, reps %d, GOMAXPROCS %d, clock %s, median GFLOP/s\n\n", *threads, *reps, runtime.GOMAXPROCS(0), *clock)
	fmt.Printf("| %-26s | %8s | %8s | %6s | %6s |\n", "C = op(A) . op(B)", "ours", "OpenBLAS", "ratio", "paired")
	fmt.Printf("|%s|%s|%s|%s|%s|\n", "----------------------------", "---------:", "---------:", "-------:", "-------:")
	for _, s := range shapes {
		if !strings.Contains(s.name, *only) {
			continue
		}
		ours, ref, ratio := run(s, *reps)
		if haveOpenBLAS {
			fmt.Printf("| %-26s | %8.1f | %8.1f | %6.3f | %6.3f |\n", s.name, ours, ref, ours/ref, ratio)
		} else {
			fmt.Printf("| %-26s | %8.1f | %8s | %6s | %6s |\n", s.name, ours, "-", "-", "-")
		}
	}
	fmt.Println("\nratio: of the medians; paired: median of the per-round ratios.")
}

// run returns the median GFLOP/s of ours and of OpenBLAS on s, and the
// median of the per-round ratios ours/OpenBLAS.
func run(s shape, reps int) (ours, ref, ratio float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	ar, ac := s.m, s.k
	if s.transA {
		ar, ac = ac, ar
	}
	br, bc := s.k, s.n
	if s.transB {
		br, bc = bc, br
	}
	a := make([]float32, ar*ac)
	b := make([]float32, br*bc)
	c := make([]float32, s.m*s.n)
	c2 := make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	// Enough calls per sample for about 50 ms.
	calls := max(1, int(50e-3*150e9/flop))

	mine := func() {
		kernels.Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, ac, b, bc, 0, c, s.n)
	}
	theirs := func() {
		openblasSgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, ac, b, bc, 0, c2, s.n)
	}
	sample := func(f func()) float64 {
		t := now()
		for range calls {
			f()
		}
		return flop * float64(calls) / (now() - t) / 1e9
	}
	var xs, ys, rs []float64
	mine()
	if haveOpenBLAS {
		theirs()
		checkClose(s, c, c2)
		time.Sleep(pause)
	}
	// Samples alternate, one of each per round, so that the machine's noise
	// hits both alike; each round also gives a paired ratio. OpenBLAS's
	// threads spin for a while after a call, so pause before timing ours.
	for range reps {
		x := sample(mine)
		xs = append(xs, x)
		if haveOpenBLAS {
			y := sample(theirs)
			ys = append(ys, y)
			rs = append(rs, x/y)
			time.Sleep(pause)
		}
	}
	if !haveOpenBLAS {
		return median(xs), 0, 0
	}
	return median(xs), median(ys), median(rs)
}

// pause lets OpenBLAS's worker threads go back to sleep.
const pause = 250 * time.Millisecond

// now is the clock samples are timed with, in seconds.
var now = wallTime

var start = time.Now()

func wallTime() float64 { return time.Since(start).Seconds() }

// cpuTime is the CPU time of the whole process, all threads, in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func median(x []float64) float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	return x[len(x)/2]
}

func checkClose(s shape, c, c2 []float32) {
	for i := range c {
		d := c[i] - c2[i]
		if d < 0 {
			d = -d
		}
		if d > 1e-3*float32(s.k) {
			fmt.Fprintf(os.Stderr, "%s: results differ at %d: %g vs %g\n", s.name, i, c[i], c2[i])
			os.Exit(1)
		}
	}
}
