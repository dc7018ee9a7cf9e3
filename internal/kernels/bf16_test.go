package kernels

import (
	"bytes"
	"debug/elf"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// How far GemmBF16 may be from the exact product.
//
// RoundBF16 keeps 8 significant bits and rounds to nearest, so a normal
// value x becomes x(1+d) with |d| <= u = 2^-8. A product of two rounded
// operands, exact in float32, is ab(1+da)(1+db), off by at most
// |ab|(2u + u^2); summed over p, the rounded terms' sum is within
// (2u + u^2) * sum_p |a_p b_p| of the exact sum. The float32 sums of those
// terms add the error runGemmCaseIn allows any float32 product,
// (k+2)*2^-24 of the terms' magnitude. (Subnormal operands, which become
// zero, are not in the test data.)
//
// That bound is the worst case; on random data the errors are independent
// and mostly cancel. The relative error of a rounding has mean square
// E[d^2] = (ulp^2/12) / x^2 averaged over the significands m in [1, 2) of
// x = m*2^e, ulp = 2^(e-7): for significands spread as in most data
// (density 1/(m ln 2)), E[d^2] = 2^-14/12 * 0.375/ln 2 = 2.75e-6, d about
// 1.66e-3 r.m.s. A product carries two, 2.35e-3; for terms of random sign,
// the error of a sum relative to its size is the same, so
// ||C_bf16 - C||_F / ||C||_F is about 2.35e-3 (TestGemmBF16Error).
const bf16Unit = 1.0 / 256

// bf16Bound is the worst-case error of the rounded operands' sum for terms
// of total magnitude mag.
func bf16Bound(mag float64) float64 { return (2*bf16Unit + bf16Unit*bf16Unit) * mag }

// bf16Specials are float32 bit patterns at RoundBF16's edges, with the
// bfloat16 each must become.
var bf16Specials = []struct{ in, want uint32 }{
	{0x3f800000, 0x3f80}, // 1
	{0x3f807fff, 0x3f80}, // below the tie: down
	{0x3f808000, 0x3f80}, // tie, even below: down
	{0x3f808001, 0x3f81}, // above the tie: up
	{0x3f818000, 0x3f82}, // tie, odd below: up to even
	{0xbf818000, 0xbf82}, // the same, negative
	{0x3fffffff, 0x4000}, // carry into the exponent
	{0x7f7f7fff, 0x7f7f}, // largest that stays finite
	{0x7f7f8000, 0x7f80}, // tie at the top: odd, up to infinity
	{0x7f7fffff, 0x7f80}, // largest float32: infinity
	{0xff7fffff, 0xff80},
	{0x00800000, 0x0080}, // smallest normal
	{0x00ffffff, 0x0100},
	{0x007fffff, 0x0000}, // subnormal: zero
	{0x00000001, 0x0000},
	{0x807fffff, 0x8000}, // negative subnormal: negative zero
	{0x80000000, 0x8000},
	{0x00000000, 0x0000},
	{0x7f800000, 0x7f80}, // infinities
	{0xff800000, 0xff80},
	{0x7fc00000, 0x7fc0}, // quiet NaN
	{0x7f800001, 0x7fc0}, // signalling NaN: quieted
	{0xffa00000, 0xffe0},
	{0x7fffffff, 0x7fff},
}

func TestRoundBF16(t *testing.T) {
	for _, s := range bf16Specials {
		got := math.Float32bits(RoundBF16(math.Float32frombits(s.in)))
		if got != s.want<<16 {
			t.Errorf("RoundBF16(%#08x) = %#08x, want %#08x", s.in, got, s.want<<16)
		}
	}
	// Normal values against the definition: the nearer of the two
	// bfloat16 neighbours, the even one on a tie.
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100000; i++ {
		x := math.Float32frombits(rng.Uint32())
		if a := math.Abs(float64(x)); a < 0x1p-126 || a >= 0x1p127 || x != x {
			continue
		}
		down := math.Float32frombits(math.Float32bits(x) &^ 0xffff)
		up := math.Float32frombits(math.Float32bits(down) + 0x10000)
		dd, du := math.Abs(float64(x)-float64(down)), math.Abs(float64(up)-float64(x))
		want := down
		if du < dd || du == dd && math.Float32bits(down)&0x10000 != 0 {
			want = up
		}
		if got := RoundBF16(x); got != want {
			t.Fatalf("RoundBF16(%g) = %g, want %g", x, got, want)
		}
	}
}

// bf16Source fills n floats, normal random values with every special of
// bf16Specials among them.
func bf16Source(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		if rng.IntN(4) == 0 {
			s[i] = math.Float32frombits(bf16Specials[rng.IntN(len(bf16Specials))].in)
		} else {
			s[i] = float32(rng.NormFloat64())
		}
	}
	return s
}

// TestPackPanelsBF16 checks both source orders of packPanelsBF16, with
// partial panels and an odd depth, against pairBF16 of X(i, p), bit for
// bit: on AVX512_BF16 machines this checks the hardware's conversions
// (VCVTNE2PS2BF16, VCVTNEPS2BF16) against toBF16, on values at every edge
// of the rounding.
func TestPackPanelsBF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, w := range []int{4, 12, 16, 32} {
		for _, cnt := range []int{1, w - 1, w, w + 1, 3*w + 5, 17} {
			for _, kc := range []int{1, 2, 7, 31, 32, 33, 64, 97} {
				for _, alongI := range []bool{false, true} {
					if cnt < 1 {
						continue
					}
					i0, pc := rng.IntN(3), rng.IntN(3)
					rows, cols := i0+cnt, pc+kc
					if alongI {
						rows, cols = cols, rows
					}
					ld := cols + rng.IntN(3)
					src := bf16Source(rng, (rows-1)*ld+cols)
					panels := ceilDiv(cnt, w)
					kd := (kc + 1) / 2
					dst := make([]float32, panels*kd*w+tailGuard)
					for i := range dst {
						dst[i] = guardOut
					}
					packPanelsBF16(dst[:panels*kd*w], src, ld, alongI, i0, cnt, pc, kc, w)
					x := func(i, p int) float32 {
						if i >= cnt || p >= kc {
							return 0
						}
						if alongI {
							return src[(pc+p)*ld+i0+i]
						}
						return src[(i0+i)*ld+pc+p]
					}
					d := words(dst)
					for q := 0; q < panels; q++ {
						for p2 := 0; p2 < kd; p2++ {
							for r := 0; r < w; r++ {
								i := q*w + r
								want := pairBF16(x(i, 2*p2), x(i, 2*p2+1))
								if got := d[q*kd*w+p2*w+r]; got != want {
									t.Fatalf("packPanelsBF16 w=%d cnt=%d kc=%d alongI=%v: panel %d pair %d row %d = %#08x, want %#08x (from %#08x, %#08x)",
										w, cnt, kc, alongI, q, p2, r, got, want, math.Float32bits(x(i, 2*p2)), math.Float32bits(x(i, 2*p2+1)))
								}
							}
						}
					}
					for _, v := range dst[panels*kd*w:] {
						if v != guardOut {
							t.Fatalf("packPanelsBF16 w=%d cnt=%d kc=%d alongI=%v wrote past the end", w, cnt, kc, alongI)
						}
					}
				}
			}
		}
	}
}

func TestGemmBF16(t *testing.T) {
	for _, th := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("threads%d", th), func(t *testing.T) {
			defer SetThreads(Threads())
			SetThreads(th)
			testGemmIn(t, GemmBF16, true)
		})
	}
}

// TestGemmBF16Kernels runs the driver around every micro-kernel GemmBF16
// can use on this machine: the VDPBF16PS kernel with its edge variants
// where the CPU has it, and each float32 kernel on rounded panels.
func TestGemmBF16Kernels(t *testing.T) {
	ks := bf16Kernels()
	t.Logf("GemmBF16 runs %s; BF16Native %v", ks[0].name, BF16Native())
	for _, kern := range ks {
		for _, nt := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads%d", kern.name, nt), func(t *testing.T) {
				testGemmIn(t, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
					checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
					if m == 0 || n == 0 {
						return
					}
					sgemmPacked(kern, nt, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				}, true)
			})
		}
	}
}

func TestBF16Speedup(t *testing.T) {
	v := BF16Speedup()
	t.Logf("BF16Native %v, BF16Speedup %.3f", BF16Native(), v)
	if !(v > 0) || math.IsInf(v, 0) || !BF16Native() && v != 1 {
		t.Fatalf("BF16Speedup() = %g (BF16Native %v)", v, BF16Native())
	}
	if w := BF16Speedup(); w != v {
		t.Fatalf("BF16Speedup() = %g, then %g: not measured once", v, w)
	}
}

// relFrobenius is ||got - want||_F / ||want||_F.
func relFrobenius(got []float32, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	return math.Sqrt(num / den)
}

// TestGemmBF16Error checks the typical error on an SAE-sized product of
// random normal operands, in each layout: about 2.35e-3 relative
// (Frobenius) as derived above. The window fails a product that does not
// round (float32's error is ~1e-7) and one that rounds worse than to
// nearest (truncating doubles the error).
func TestGemmBF16Error(t *testing.T) {
	const m, n, k = 128, 512, 768
	rng := rand.New(rand.NewPCG(7, 8))
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	want := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			av := float64(a[i*k+p])
			for j := 0; j < n; j++ {
				want[i*n+j] += av * float64(b[p*n+j])
			}
		}
	}
	// The same operands in the transposed layouts.
	at := make([]float32, k*m)
	bt := make([]float32, n*k)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			at[p*m+i] = a[i*k+p]
		}
	}
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			bt[j*k+p] = b[p*n+j]
		}
	}
	c := make([]float32, m*n)
	for _, l := range []struct {
		name           string
		transA, transB bool
		a, b           []float32
		lda, ldb       int
	}{{"NN", false, false, a, b, k, n}, {"NT", false, true, a, bt, k, k}, {"TN", true, false, at, b, m, n}} {
		GemmBF16(l.transA, l.transB, m, n, k, 1, l.a, l.lda, l.b, l.ldb, 0, c, n)
		e := relFrobenius(c, want)
		Gemm(l.transA, l.transB, m, n, k, 1, l.a, l.lda, l.b, l.ldb, 0, c, n)
		e32 := relFrobenius(c, want)
		t.Logf("%s %dx%d . %dx%d: relative Frobenius error bf16 %.3g, float32 %.3g", l.name, m, k, k, n, e, e32)
		if e < 2.0e-3 || e > 2.7e-3 {
			t.Errorf("%s: bf16 relative error %.3g, want 2.35e-3 +- 15%%", l.name, e)
		}
	}
}

// TestGemmBF16NaN checks that a NaN or an infinity in an operand reaches
// C, so that a diverging run is seen as one.
func TestGemmBF16NaN(t *testing.T) {
	const m, n, k = 40, 70, 50
	rng := rand.New(rand.NewPCG(9, 10))
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	a[5*k+17] = float32(math.NaN())
	b[33*n+9] = float32(math.Inf(1))
	c := make([]float32, m*n)
	GemmBF16(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := float64(c[i*n+j])
			switch {
			case i == 5:
				if !math.IsNaN(v) {
					t.Fatalf("C[5,%d] = %g, want NaN", j, v)
				}
			case j == 9:
				if !math.IsInf(v, 0) && !math.IsNaN(v) {
					t.Fatalf("C[%d,9] = %g, want an infinity", i, v)
				}
			default:
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("C[%d,%d] = %g", i, j, v)
				}
			}
		}
	}
}

// TestBF16Encodings assembles, with the GNU assembler where there is one,
// every instruction that bf16_amd64.s spells as bytes (its "// intel: "
// comment) and compares the encodings: the generator's EVEX encoder
// against an independent one. The kernel and packing tests above check
// what the instructions compute.
func TestBF16Encodings(t *testing.T) {
	src, err := os.ReadFile("bf16_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	as, err := exec.LookPath("as")
	if err != nil {
		t.Skip("no GNU assembler")
	}
	re := regexp.MustCompile(`^\t(BYTE \$0x[0-9a-f]{2}(?:; BYTE \$0x[0-9a-f]{2})*) // intel: (.*)$`)
	var encs [][]byte
	var insts []string
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.Contains(line, "BYTE") {
			continue
		}
		mm := re.FindStringSubmatch(line)
		if mm == nil {
			t.Fatalf("bf16_amd64.s: a BYTE line without its instruction: %q", line)
		}
		var enc []byte
		for _, f := range strings.Split(mm[1], "; ") {
			v, err := strconv.ParseUint(strings.TrimPrefix(f, "BYTE $0x"), 16, 8)
			if err != nil {
				t.Fatal(err)
			}
			enc = append(enc, byte(v))
		}
		encs = append(encs, enc)
		insts = append(insts, mm[2])
	}
	if len(insts) == 0 {
		t.Fatal("bf16_amd64.s spells no instruction as bytes")
	}
	obj := filepath.Join(t.TempDir(), "enc.o")
	cmd := exec.Command(as, "-o", obj, "-")
	cmd.Stdin = strings.NewReader(".intel_syntax noprefix\n.text\n" + strings.Join(insts, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("the GNU assembler does not take these instructions: %v\n%s", err, out)
	}
	f, err := elf.Open(obj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".text")
	if sec == nil {
		t.Fatal("no .text in the assembler's output")
	}
	text, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	for i, enc := range encs {
		if !bytes.HasPrefix(text, enc) {
			t.Fatalf("%s: bf16_amd64.s has % x, the assembler % x", insts[i], enc, text[:min(len(text), len(enc))])
		}
		text = text[len(enc):]
	}
	if len(text) != 0 {
		t.Fatalf("the assembler wrote %d bytes more than bf16_amd64.s", len(text))
	}
	t.Logf("%d instructions encoded as the GNU assembler does", len(insts))
}

func TestGemmBF16N(t *testing.T) {
	for _, th := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("threads%d", th), func(t *testing.T) {
			testGemmIn(t, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
				GemmBF16N(th, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			}, true)
		})
	}
}
