package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guard is written into every padding element (beyond a row's width, and
// after the last row) of every matrix. In inputs it is NaN so that reading
// padding poisons the result; in C it is a sentinel that must survive.
var (
	guardIn  = float32(math.NaN())
	guardOut = float32(-7777.25)
)

// mat is a row-major rows x cols matrix with leading dimension ld, followed
// by tail guard elements.
type mat struct {
	rows, cols, ld int
	data           []float32
}

const tailGuard = 37

func newMat(rng *rand.Rand, rows, cols, extraLd int, guard float32) mat {
	ld := cols + extraLd
	if ld == 0 {
		ld = 1
	}
	size := 0
	if rows > 0 {
		size = (rows-1)*ld + cols
	}
	d := make([]float32, size+tailGuard)
	for i := range d {
		d[i] = guard
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			d[i*ld+j] = float32(rng.NormFloat64())
		}
	}
	return mat{rows, cols, ld, d}
}

func (x mat) body() []float32 { return x.data[:len(x.data)-tailGuard] }

func (x mat) inside(idx int) bool {
	if idx >= len(x.data)-tailGuard {
		return false
	}
	return idx%x.ld < x.cols
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	extra          int // added to every leading dimension
}

func (tc gemmCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/m%d,n%d,k%d/a%g,b%g/ld+%d", t(tc.transA), t(tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.extra)
}

// gemmFunc is the signature of Gemm[float32] and GemmBF16.
type gemmFunc = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// runGemmCase runs gemm on a random instance of tc and compares it with a
// float64 reference, checking guards and that inputs are untouched.
func runGemmCase(t testing.TB, rng *rand.Rand, tc gemmCase, gemm gemmFunc) {
	t.Helper()
	runGemmCaseIn(t, rng, tc, gemm, false)
}

// runGemmCaseIn is runGemmCase for Gemm[float32] or, with bf16, for
// GemmBF16. Each element is checked against the float64 sum of the
// products of the operands as the product rounds them (none, or
// RoundBF16): within float32 summation error, (k+2)*2^-24 of the sum of
// the terms' magnitudes. With bf16 it is also checked against the exact
// float64 product of the unrounded operands, within the worst-case bound
// derived in bf16_test.go.
func runGemmCaseIn(t testing.TB, rng *rand.Rand, tc gemmCase, gemm gemmFunc, bf16 bool) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	a := newMat(rng, ar, ac, tc.extra, guardIn)
	b := newMat(rng, br, bc, tc.extra, guardIn)
	c := newMat(rng, tc.m, tc.n, tc.extra, guardOut)
	if tc.beta == 0 {
		// beta == 0 must overwrite: NaN in C must not propagate.
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				c.data[i*c.ld+j] = float32(math.NaN())
			}
		}
	}
	a0 := append([]float32(nil), a.data...)
	b0 := append([]float32(nil), b.data...)
	c0 := append([]float32(nil), c.data...)

	gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.body(), a.ld, b.body(), b.ld, tc.beta, c.body(), c.ld)

	opA, opB, rndA, rndB := operands64(tc, a0, a.ld, b0, b.ld, bf16)
	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			// s, mag: the rounded operands' sum and magnitude; x, xmag:
			// the exact operands'.
			var s, mag, x, xmag float64
			ra, rb := rndA[i], rndB[j][:len(rndA[i])]
			for p, av := range ra {
				y := av * rb[p]
				s += y
				mag += math.Abs(y)
			}
			if bf16 {
				xa, xb := opA[i], opB[j][:len(opA[i])]
				for p, av := range xa {
					y := av * xb[p]
					x += y
					xmag += math.Abs(y)
				}
			}
			alpha := float64(tc.alpha)
			want, exact := alpha*s, alpha*x
			bound := math.Abs(alpha) * mag
			if tc.beta != 0 {
				cv := float64(tc.beta) * float64(c0[i*c.ld+j])
				want += cv
				exact += cv
				bound += math.Abs(cv)
			}
			got := float64(c.data[i*c.ld+j])
			tol := bound*float64(tc.k+2)*eps + 1e-30
			if !(math.Abs(got-want) <= tol) {
				if bad < 5 {
					t.Errorf("%v: C[%d,%d] = %g, want %g (tol %g)", tc, i, j, got, want, tol)
				}
				bad++
			}
			if bf16 {
				if tolX := bf16Bound(math.Abs(alpha)*xmag) + tol; !(math.Abs(got-exact) <= tolX) {
					if bad < 5 {
						t.Errorf("%v: C[%d,%d] = %g, exact product %g (tol %g)", tc, i, j, got, exact, tolX)
					}
					bad++
				}
			}
		}
	}
	for idx, v := range c.data {
		if !c.inside(idx) && math.Float32bits(v) != math.Float32bits(c0[idx]) {
			t.Fatalf("%v: write outside C at %d (row %d col %d): %g", tc, idx, idx/c.ld, idx%c.ld, v)
		}
	}
	same := func(name string, x, x0 []float32) {
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(x0[i]) {
				t.Fatalf("%v: %s modified at %d", tc, name, i)
			}
		}
	}
	same("A", a.data, a0)
	same("B", b.data, b0)
	if bad > 0 {
		t.Fatalf("%v: %d wrong elements", tc, bad)
	}
}

// operands64 returns the rows of op(A) and the columns of op(B) in
// float64, and the same as the product rounds them (RoundBF16 with bf16,
// else the same slices).
func operands64(tc gemmCase, a []float32, lda int, b []float32, ldb int, bf16 bool) (opA, opB, rndA, rndB [][]float64) {
	opA, opB = make([][]float64, tc.m), make([][]float64, tc.n)
	for i := range opA {
		opA[i] = make([]float64, tc.k)
		for p := range opA[i] {
			if tc.transA {
				opA[i][p] = float64(a[p*lda+i])
			} else {
				opA[i][p] = float64(a[i*lda+p])
			}
		}
	}
	for j := range opB {
		opB[j] = make([]float64, tc.k)
		for p := range opB[j] {
			if tc.transB {
				opB[j][p] = float64(b[j*ldb+p])
			} else {
				opB[j][p] = float64(b[p*ldb+j])
			}
		}
	}
	if !bf16 {
		return opA, opB, opA, opB
	}
	round := func(x [][]float64) [][]float64 {
		r := make([][]float64, len(x))
		for i, row := range x {
			r[i] = make([]float64, len(row))
			for p, v := range row {
				r[i][p] = float64(RoundBF16(float32(v)))
			}
		}
		return r
	}
	return opA, opB, round(opA), round(opB)
}

var gemmSizes = []int{1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 16, 17, 23, 31, 32, 33, 47, 48, 63, 64, 65, 97, 131}

func randomCases(rng *rand.Rand, count int) []gemmCase {
	alphas := []float32{1, 0, -1, 0.5, 2.25}
	betas := []float32{0, 1, -1, 0.75}
	var cs []gemmCase
	for i := 0; i < count; i++ {
		cs = append(cs, gemmCase{
			transA: rng.IntN(2) == 1,
			transB: rng.IntN(2) == 1,
			m:      gemmSizes[rng.IntN(len(gemmSizes))],
			n:      gemmSizes[rng.IntN(len(gemmSizes))],
			k:      gemmSizes[rng.IntN(len(gemmSizes))],
			alpha:  alphas[rng.IntN(len(alphas))],
			beta:   betas[rng.IntN(len(betas))],
			extra:  []int{0, 0, 1, 3, 16}[rng.IntN(5)],
		})
	}
	// Every layout and alpha/beta combination at least once, on awkward sizes.
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, al := range alphas[:3] {
				for _, be := range betas[:3] {
					cs = append(cs, gemmCase{ta, tb, 37, 29, 41, al, be, 2})
				}
			}
			// Shapes that cross the cache blocking: k > KC, m > MC, and
			// large enough to run the parallel driver.
			cs = append(cs,
				gemmCase{ta, tb, 211, 75, 1031, 1, 0, 1},
				// bfloat16 pairs take twice the depth per block: three
				// depth blocks of an odd length, the last ending in a half
				// pair.
				gemmCase{ta, tb, 29, 70, 2053, 1, 0.5, 0},
				// A shared by the participants, several column and depth blocks.
				gemmCase{ta, tb, 100, 1030, 600, 1, 0.75, 1},
				gemmCase{ta, tb, 397, 131, 67, -0.5, 1, 0},
				gemmCase{ta, tb, 1, 300, 257, 1, 0.5, 3},
				gemmCase{ta, tb, 300, 1, 257, 1, 0, 0},
				gemmCase{ta, tb, 7, 4099, 3, 1, 0, 0},
				gemmCase{ta, tb, 256, 256, 0, 1, 0.5, 1},
				gemmCase{ta, tb, 0, 5, 5, 1, 0.5, 1},
			)
		}
	}
	return cs
}

// testGemm checks Gemm against the reference; the test of the dispatcher
// below runs it and so does every per-kernel test.
func testGemm(t *testing.T, gemm gemmFunc) {
	testGemmIn(t, gemm, false)
}

// testGemmIn is testGemm for Gemm[float32] or, with bf16, GemmBF16.
func testGemmIn(t *testing.T, gemm gemmFunc, bf16 bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range randomCases(rng, 150) {
		runGemmCaseIn(t, rng, tc, gemm, bf16)
	}
}

func TestGemmFloat32(t *testing.T) {
	for _, th := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("threads%d", th), func(t *testing.T) {
			defer SetThreads(Threads())
			SetThreads(th)
			testGemm(t, Gemm[float32])
		})
	}
}

func TestGemmFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range randomCases(rng, 20) {
		ar, ac := tc.m, tc.k
		if tc.transA {
			ar, ac = ac, ar
		}
		br, bc := tc.k, tc.n
		if tc.transB {
			br, bc = bc, br
		}
		lda, ldb, ldc := max(ac, 1), max(bc, 1), max(tc.n, 1)
		a := make([]float64, ar*lda)
		b := make([]float64, br*ldb)
		c := make([]float64, tc.m*ldc)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		for i := range c {
			c[i] = rng.NormFloat64()
		}
		want := append([]float64(nil), c...)
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				var s float64
				for p := 0; p < tc.k; p++ {
					var av, bv float64
					if tc.transA {
						av = a[p*lda+i]
					} else {
						av = a[i*lda+p]
					}
					if tc.transB {
						bv = b[j*ldb+p]
					} else {
						bv = b[p*ldb+j]
					}
					s += av * bv
				}
				w := float64(tc.alpha) * s
				if tc.beta != 0 {
					w += float64(tc.beta) * want[i*ldc+j]
				}
				want[i*ldc+j] = w
			}
		}
		Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, float64(tc.alpha), a, lda, b, ldb, float64(tc.beta), c, ldc)
		for i := range c {
			if math.Abs(c[i]-want[i]) > 1e-12*float64(tc.k+1)*10 {
				t.Fatalf("%v: c[%d] = %g, want %g", tc, i, c[i], want[i])
			}
		}
	}
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6)
	for _, f := range []func(){
		func() { Gemm(false, false, 2, 3, 3, 1, a, 3, a, 3, 0, a[:5], 3) },
		func() { Gemm(false, false, 2, 3, 3, 1, a, 2, a, 3, 0, a, 3) },
		func() { Gemm(false, false, -1, 3, 3, 1, a, 3, a, 3, 0, a, 3) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on misuse")
				}
			}()
			f()
		}()
	}
}

// FuzzGemm checks a product of the fuzzer's shape against the float64
// reference. flags: bits 0 and 1 transpose A and B, bits 2-4 are added to
// the leading dimensions, bit 5 runs GemmBF16 instead of Gemm[float32].
func FuzzGemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(13), uint8(33), uint8(7), uint8(3), uint8(5), uint64(2))
	f.Add(uint8(200), uint8(65), uint8(129), uint8(1), uint8(14), uint64(3))
	f.Add(uint8(37), uint8(70), uint8(65), uint8(0x20|2), uint8(7), uint64(4))
	f.Add(uint8(13), uint8(100), uint8(255), uint8(0x20|0x4|1), uint8(0), uint64(5))
	f.Fuzz(func(t *testing.T, m, n, k, flags, ab uint8, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 7))
		alphas := []float32{1, 0, -1, 0.5}
		betas := []float32{0, 1, -1, 0.75}
		tc := gemmCase{
			transA: flags&1 != 0,
			transB: flags&2 != 0,
			m:      int(m), n: int(n), k: int(k),
			alpha: alphas[ab&3],
			beta:  betas[(ab>>2)&3],
			extra: int(flags>>2) & 7,
		}
		if flags&0x20 != 0 {
			runGemmCaseIn(t, rng, tc, GemmBF16, true)
		} else {
			runGemmCase(t, rng, tc, Gemm[float32])
		}
	})
}

// TestGemmKernels runs the driver around every micro-kernel this machine
// has, not only the one Gemm picks.
func TestGemmKernels(t *testing.T) {
	for _, kern := range sgemmKernels() {
		for _, nt := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads%d", kern.name, nt), func(t *testing.T) {
				testGemm(t, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
					checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
					if m == 0 || n == 0 {
						return
					}
					sgemmPacked(kern, nt, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				})
			})
		}
	}
}

// TestPack checks the packing routines (including any assembly transposes)
// against their definitions, with guards after the destination.
func TestPack(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, w := range []int{4, 6, 8, 12, 16, 32, 64} {
		for _, rows := range []int{1, 3, w / 2, w - 1, w} {
			for _, kc := range []int{1, 15, 16, 17, 33, 64, 100} {
				if rows < 1 {
					continue
				}
				ld := kc + rng.IntN(3)
				src := make([]float32, (rows-1)*ld+kc)
				for i := range src {
					src[i] = float32(rng.NormFloat64())
				}
				dst := make([]float32, kc*w+tailGuard)
				for i := range dst {
					dst[i] = guardOut
				}
				packStrided(dst[:kc*w], src, ld, rows, kc, w)
				for p := 0; p < kc; p++ {
					for r := 0; r < w; r++ {
						want := guardOut
						if r < rows {
							want = src[r*ld+p]
						}
						if got := dst[p*w+r]; got != want {
							t.Fatalf("packStrided w=%d rows=%d kc=%d: dst[%d,%d]=%g want %g", w, rows, kc, p, r, got, want)
						}
					}
				}
				for _, v := range dst[kc*w:] {
					if v != guardOut {
						t.Fatalf("packStrided w=%d rows=%d kc=%d wrote past the end", w, rows, kc)
					}
				}
			}
		}
	}
}

// TestPackPanels checks both source orders of packPanels, with partial last
// panels, against X(i, p).
func TestPackPanels(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, w := range []int{4, 6, 8, 12, 16, 32, 64} {
		for _, cnt := range []int{1, w - 1, w, w + 1, 3*w + 5} {
			for _, kc := range []int{1, 16, 37} {
				for _, alongI := range []bool{false, true} {
					if cnt < 1 {
						continue
					}
					i0, pc := rng.IntN(3), rng.IntN(3)
					// X(i, p) = src[p*ld+i] (alongI) or src[i*ld+p].
					rows, cols := i0+cnt, pc+kc
					if alongI {
						rows, cols = cols, rows
					}
					ld := cols + rng.IntN(3)
					src := make([]float32, (rows-1)*ld+cols)
					for i := range src {
						src[i] = float32(rng.NormFloat64())
					}
					panels := ceilDiv(cnt, w)
					dst := make([]float32, panels*kc*w+tailGuard)
					for i := range dst {
						dst[i] = guardOut
					}
					packPanels(dst[:panels*kc*w], src, ld, alongI, i0, cnt, pc, kc, w)
					for q := 0; q < panels; q++ {
						for p := 0; p < kc; p++ {
							for r := 0; r < w; r++ {
								i := q*w + r
								var want float32
								if i < cnt {
									if alongI {
										want = src[(pc+p)*ld+i0+i]
									} else {
										want = src[(i0+i)*ld+pc+p]
									}
								}
								if got := dst[q*kc*w+p*w+r]; got != want {
									t.Fatalf("packPanels w=%d cnt=%d kc=%d alongI=%v: panel %d p %d r %d = %g want %g", w, cnt, kc, alongI, q, p, r, got, want)
								}
							}
						}
					}
					for _, v := range dst[panels*kc*w:] {
						if v != guardOut {
							t.Fatalf("packPanels wrote past the end")
						}
					}
				}
			}
		}
	}
}

// TestGemmNoAlloc checks that products, float32 and bfloat16, allocate
// nothing once the pack buffers and the workers exist.
func TestGemmNoAlloc(t *testing.T) {
	for _, s := range []gemmShape{{"", false, false, 256, 300, 200}, {"", true, true, 100, 64, 600}, {"", true, false, 4, 300, 97}} {
		for name, gemm := range map[string]gemmFunc{"Gemm": Gemm[float32], "GemmBF16": GemmBF16} {
			a, lda, b, ldb, c := benchOperands(s)
			f := func() { gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) }
			f()
			if n := testing.AllocsPerRun(20, f); n != 0 {
				t.Errorf("%s %v: %g allocations per call", name, s, n)
			}
		}
	}
}

// TestGemmConcurrent runs products from several goroutines at once, half
// of them float32 and half bfloat16: they share the worker pool and must
// neither deadlock nor mix up their work.
func TestGemmConcurrent(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	s := gemmShape{"", false, true, 150, 170, 300}
	a, lda, b, ldb, _ := benchOperands(s)
	want32 := make([]float32, s.m*s.n)
	gemmRef(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, want32, s.n)
	want16 := make([]float32, s.m*s.n)
	gemmRefBF16(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, want16, s.n)
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		gemm, want := Gemm[float32], want32
		if g%2 == 1 {
			gemm, want = GemmBF16, want16
		}
		go func() {
			c := make([]float32, s.m*s.n)
			for it := 0; it < 30; it++ {
				gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
				for i := range c {
					if d := c[i] - want[i]; d > 1e-3 || d < -1e-3 {
						errs <- fmt.Errorf("c[%d] = %g, want %g", i, c[i], want[i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
