// Command gemm times the GEMMs of internal/kernels on the shapes a training
// step runs, Gemm (float32) and GemmBF16 (bfloat16 operands, float32 sums),
// beside OpenBLAS's cblas_sgemm when built with
//
//	go run -tags openblas ./bench/gemm -threads 2
//
// (cgo and libopenblas-dev needed) and beside PyTorch's matmul (float32,
// bfloat16 tensors, and float32 tensors under bfloat16 autocast) with
// -torch python3: the program starts bench/gemm/torch_peer.py and asks it
// for its samples in turn with ours. Without them it times ours alone.
// Each shape is timed for reps rounds, one sample (about 50 ms of calls) of
// each implementation per round, in a different order each round; the
// table shows medians, and the ratios both of the medians and as medians
// of the per-round ratios ("paired"). The bf16 error is the relative
// Frobenius distance of GemmBF16's product from Gemm's.
//
// With -accuracy FILE it times nothing and measures instead how far
// GemmBF16 and Gemm are from float64 on the products of a training step on
// FILE's data (accuracy.go).
package main

import (
	"flag"
	"fmt"
	"math"
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
	threads := flag.Int("threads", runtime.GOMAXPROCS(0), "threads for every implementation")
	reps := flag.Int("reps", 11, "timed rounds per shape (one sample of each implementation per round)")
	only := flag.String("shapes", "", "time only the shapes whose name contains this")
	clock := flag.String("clock", "wall", "wall: elapsed time; cpu: the process's CPU time (a steadier\nmeasure of efficiency on a busy machine, meaningful at 1 thread; not with -torch)")
	torchPython := flag.String("torch", "", "a Python with PyTorch: time its matmul too (torch_peer.py)")
	torchScript := flag.String("torch-script", "bench/gemm/torch_peer.py", "the peer script, for -torch")
	accData := flag.String("accuracy", "", "instead of timing, measure the errors of a training step's products on this data file")
	accRows := flag.Int("rows", 4096, "rows of the -accuracy data")
	accHidden := flag.Int("hidden", 1024, "latents of the -accuracy autoencoder")
	flag.Parse()

	if *accData != "" {
		kernels.SetThreads(*threads)
		if err := accuracy(*accData, *accRows, *accHidden); err != nil {
			fmt.Fprintln(os.Stderr, "gemm:", err)
			os.Exit(1)
		}
		return
	}

	switch *clock {
	case "wall":
	case "cpu":
		if *torchPython != "" {
			fmt.Fprintln(os.Stderr, "gemm: -clock cpu does not count PyTorch's process; use -clock wall with -torch")
			os.Exit(2)
		}
		now = cpuTime
	default:
		fmt.Fprintln(os.Stderr, "gemm: -clock must be wall or cpu")
		os.Exit(2)
	}
	kernels.SetThreads(*threads)
	fmt.Printf("GemmBF16 on bfloat16 instructions (AVX512_BF16): %v; its micro-kernel at %.2fx the float32 one (kernels.BF16Speedup)\n", kernels.BF16Native(), kernels.BF16Speedup())
	if haveOpenBLAS {
		openblasSetThreads(*threads)
		fmt.Printf("OpenBLAS: %s\n", openblasConfig())
	}
	var torch *torchPeer
	if *torchPython != "" {
		var err error
		if torch, err = startTorch(*torchPython, *torchScript, *threads); err != nil {
			fmt.Fprintln(os.Stderr, "gemm:", err)
			os.Exit(1)
		}
		defer torch.close()
		fmt.Printf("PyTorch: %s\n", torch.version)
	}
	fmt.Printf("threads %d, reps %d, GOMAXPROCS %d, clock %s, median GFLOP/s\n\n", *threads, *reps, runtime.GOMAXPROCS(0), *clock)
	fmt.Printf("| %-26s | %6s | %6s | %-11s | %8s | %-11s | %7s | %7s | %8s | %7s |\n",
		"C = op(A) . op(B)", "fp32", "bf16", "bf16/fp32", "OpenBLAS", "fp32/OBLAS", "torch32", "torch16", "autocast", "bf16 err")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "----------------------------", "-------:", "-------:", "------------:", "---------:", "------------:", "--------:", "--------:", "---------:", "--------:")
	for _, s := range shapes {
		if !strings.Contains(s.name, *only) {
			continue
		}
		r := run(s, *reps, torch)
		cell := func(name string) string {
			if v, ok := r.median[name]; ok {
				return fmt.Sprintf("%.1f", v)
			}
			return "-"
		}
		ratio := func(x, y string) string {
			if _, ok := r.median[y]; !ok {
				return "-"
			}
			return fmt.Sprintf("%.2f (%.2f)", r.median[x]/r.median[y], r.paired(x, y))
		}
		fmt.Printf("| %-26s | %6s | %6s | %-11s | %8s | %-11s | %7s | %7s | %8s | %7.2g |\n", s.name,
			cell("fp32"), cell("bf16"), ratio("bf16", "fp32"), cell("OpenBLAS"), ratio("fp32", "OpenBLAS"),
			cell("torch fp32"), cell("torch bf16"), cell("torch autocast"), r.bf16Err)
	}
	fmt.Println("\nratios: of the medians, and (in brackets) the median of the per-round ratios.")
	fmt.Println("torch32: PyTorch float32; torch16: bfloat16 tensors; autocast: float32 tensors under bfloat16 autocast.")
}

// contender is one implementation of a shape's product.
type contender struct {
	name  string
	time  func(calls int) float64 // seconds for calls products
	pause bool                    // sleep after its samples (spinning threads)
}

// result holds a shape's samples, GFLOP/s by contender and round.
type result struct {
	gflops  map[string][]float64
	median  map[string]float64
	bf16Err float64
}

// paired is the median over rounds of x's GFLOP/s over y's.
func (r *result) paired(x, y string) float64 {
	var q []float64
	for i, v := range r.gflops[x] {
		q = append(q, v/r.gflops[y][i])
	}
	return median(q)
}

// run times every contender on s for reps rounds.
func run(s shape, reps int, torch *torchPeer) *result {
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
	c16 := make([]float32, s.m*s.n)
	c2 := make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	// Enough calls per sample for about 50 ms at 150 GFLOP/s.
	calls := max(1, int(50e-3*150e9/flop))

	timed := func(f func()) func(int) float64 {
		return func(calls int) float64 {
			t := now()
			for range calls {
				f()
			}
			return now() - t
		}
	}
	cs := []contender{
		{"fp32", timed(func() { kernels.Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, ac, b, bc, 0, c, s.n) }), false},
		{"bf16", timed(func() { kernels.GemmBF16(s.transA, s.transB, s.m, s.n, s.k, 1, a, ac, b, bc, 0, c16, s.n) }), false},
	}
	for _, x := range cs {
		x.time(1)
	}
	r := &result{gflops: map[string][]float64{}, median: map[string]float64{}, bf16Err: relErr(c16, c)}
	if r.bf16Err > 1e-2 {
		fmt.Fprintf(os.Stderr, "%s: GemmBF16 is %.3g from Gemm (relative Frobenius)\n", s.name, r.bf16Err)
		os.Exit(1)
	}
	if haveOpenBLAS {
		ob := contender{"OpenBLAS", timed(func() { openblasSgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, ac, b, bc, 0, c2, s.n) }), true}
		ob.time(1)
		checkClose(s, c, c2)
		time.Sleep(pause)
		cs = append(cs, ob)
	}
	if torch != nil {
		if err := torch.shape(s); err != nil {
			fmt.Fprintln(os.Stderr, "gemm:", err)
			os.Exit(1)
		}
		for _, op := range []string{"fp32", "bf16", "autocast"} {
			cs = append(cs, contender{"torch " + op, func(calls int) float64 { return torch.time(op, calls) }, false})
		}
	}
	// Samples alternate, one of each per round, starting with a different
	// one each round, so that the machine's noise hits all alike.
	for round := range reps {
		for i := range cs {
			x := cs[(round+i)%len(cs)]
			r.gflops[x.name] = append(r.gflops[x.name], flop*float64(calls)/x.time(calls)/1e9)
			if x.pause {
				time.Sleep(pause)
			}
		}
	}
	for name, v := range r.gflops {
		r.median[name] = median(v)
	}
	return r
}

// relErr is ||x - ref||_F / ||ref||_F.
func relErr(x, ref []float32) float64 {
	var num, den float64
	for i, v := range ref {
		d := float64(x[i]) - float64(v)
		num += d * d
		den += float64(v) * float64(v)
	}
	return math.Sqrt(num / den)
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
