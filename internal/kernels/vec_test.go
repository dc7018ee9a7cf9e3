package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

var vecSizes = []int{0, 1, 2, 3, 5, 7, 16, 17, 31, 64, 97, 1000}

// guarded returns a slice of n random values followed by guard elements
// (in the same backing array) and a function that checks them.
func guarded(t *testing.T, rng *rand.Rand, n int, scale float64) ([]float32, func()) {
	t.Helper()
	d := make([]float32, n+tailGuard)
	for i := range d {
		d[i] = guardOut
	}
	for i := 0; i < n; i++ {
		d[i] = float32(rng.NormFloat64() * scale)
	}
	return d[:n], func() {
		t.Helper()
		for i, v := range d[n:] {
			if v != guardOut {
				t.Fatalf("write past the end at +%d", i)
			}
		}
	}
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

const eps32 = 1.0 / (1 << 23)

func TestVecOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range vecSizes {
		x, _ := guarded(t, rng, n, 1)
		y, checkY := guarded(t, rng, n, 1)
		y0 := slices.Clone(y)
		Axpy(float32(0.75), x, y)
		checkY()
		var dot, mag, ss float64
		for i := range x {
			w := float64(y0[i]) + 0.75*float64(x[i])
			if !near(float64(y[i]), w, 4*eps32*(math.Abs(w)+1)) {
				t.Fatalf("Axpy n=%d: y[%d]=%g want %g", n, i, y[i], w)
			}
			dot += float64(x[i]) * float64(y[i])
			mag += math.Abs(float64(x[i]) * float64(y[i]))
			ss += float64(x[i]) * float64(x[i])
		}
		if got := Dot(x, y); !near(float64(got), dot, mag*float64(n+1)*eps32) {
			t.Fatalf("Dot n=%d: %g want %g", n, got, dot)
		}
		if got := SumSq(x); !near(got, ss, ss*1e-12) {
			t.Fatalf("SumSq n=%d: %g want %g", n, got, ss)
		}
		x0 := slices.Clone(x)
		Scale(float32(-2), x)
		for i := range x {
			if x[i] != -2*x0[i] {
				t.Fatalf("Scale n=%d", n)
			}
		}
	}
}

func TestRowOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, rows := range []int{1, 2, 5, 33} {
		for _, n := range vecSizes[1:] {
			a, checkA := guarded(t, rng, rows*n, 1)
			v, _ := guarded(t, rng, n, 1)
			a0 := slices.Clone(a)
			AddRows(a, rows, v)
			checkA()
			for i := 0; i < rows; i++ {
				for j := 0; j < n; j++ {
					if a[i*n+j] != a0[i*n+j]+v[j] {
						t.Fatalf("AddRows")
					}
				}
			}
			cs, checkCs := guarded(t, rng, n, 1)
			ColSums(cs, a, rows)
			checkCs()
			acc, checkAcc := guarded(t, rng, n, 1)
			for j := range acc {
				acc[j] = 0.5
			}
			AddColSums(acc, a, rows)
			checkAcc()
			for j := range acc {
				var m float64
				for i := 0; i < rows; i++ {
					m += math.Abs(float64(a[i*n+j]))
				}
				if !near(float64(acc[j]), float64(cs[j])+0.5, 2*(m+0.5)*float64(rows+1)*eps32) {
					t.Fatalf("AddColSums rows=%d n=%d: %g want %g", rows, n, acc[j], cs[j]+0.5)
				}
			}
			norms, checkN := guarded(t, rng, rows, 1)
			RowNorms(norms, a, n)
			checkN()
			for j := 0; j < n; j++ {
				var s, m float64
				for i := 0; i < rows; i++ {
					s += float64(a[i*n+j])
					m += math.Abs(float64(a[i*n+j]))
				}
				if !near(float64(cs[j]), s, m*float64(rows+1)*eps32) {
					t.Fatalf("ColSums rows=%d n=%d: %g want %g", rows, n, cs[j], s)
				}

			}
			for i := 0; i < rows; i++ {
				var s float64
				for j := 0; j < n; j++ {
					s += float64(a[i*n+j]) * float64(a[i*n+j])
				}
				if w := math.Sqrt(s); !near(float64(norms[i]), w, 2*eps32*w) {
					t.Fatalf("RowNorms rows=%d n=%d: %g want %g", rows, n, norms[i], w)
				}
			}
		}
	}
}

func refAct(act Act, x float64) float64 {
	switch act {
	case ReLU:
		return max(x, 0)
	case Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case Tanh:
		return math.Tanh(x)
	}
	return x
}

func TestBiasAct(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, act := range []Act{Identity, ReLU, Sigmoid, Tanh} {
		for _, scale := range []float64{0.01, 1, 10, 60} {
			for _, rows := range []int{1, 3, 17} {
				for _, n := range vecSizes[1:] {
					a, checkA := guarded(t, rng, rows*n, scale)
					bias, _ := guarded(t, rng, n, scale)
					a0 := slices.Clone(a)
					BiasAct(act, a, rows, bias)
					checkA()
					a64 := make([]float64, len(a))
					b64 := make([]float64, n)
					for i := range a0 {
						a64[i] = float64(a0[i])
					}
					for j := range bias {
						b64[j] = float64(bias[j])
					}
					BiasAct(act, a64, rows, b64)
					for i := 0; i < rows; i++ {
						for j := 0; j < n; j++ {
							x := float64(a0[i*n+j] + bias[j]) // the float32 sum is exact input
							want := refAct(act, x)
							got := float64(a[i*n+j])
							if !near(got, want, 8*eps32*math.Abs(want)+1e-38) {
								t.Fatalf("act %d x=%g: got %g want %g", act, x, got, want)
							}
							if !near(a64[i*n+j], want, 1e-6*math.Abs(want)+1e-9) {
								t.Fatalf("float64 act %d x=%g: got %g want %g", act, x, a64[i*n+j], want)
							}
						}
					}
				}
			}
		}
	}
	// Extremes and specials.
	for _, x := range []float32{0, -0, 1e-30, -1e-30, 88, -88, 89, -89, 1e6, -1e6, float32(math.Inf(1)), float32(math.Inf(-1))} {
		for _, act := range []Act{Sigmoid, Tanh} {
			a := []float32{x}
			BiasAct(act, a, 1, []float32{0})
			want := refAct(act, float64(x))
			if !near(float64(a[0]), want, 8*eps32*math.Abs(want)+1e-37) {
				t.Errorf("act %d(%g) = %g, want %g", act, x, a[0], want)
			}
		}
	}
}

func TestActGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, act := range []Act{Identity, ReLU, Sigmoid, Tanh} {
		for _, n := range vecSizes {
			x, _ := guarded(t, rng, n, 2)
			a := slices.Clone(x)
			BiasAct(act, a, 1, make([]float32, n))
			da, checkDa := guarded(t, rng, n, 1)
			da0 := slices.Clone(da)
			ActGrad(act, a, da)
			checkDa()
			for i := range x {
				av := float64(a[i])
				var d float64
				switch act {
				case Identity:
					d = 1
				case ReLU:
					if x[i] > 0 {
						d = 1
					}
				case Sigmoid:
					d = av * (1 - av)
				case Tanh:
					d = 1 - av*av
				}
				want := d * float64(da0[i])
				// 1-a*a and a*(1-a) round relative to 1, not to the result.
				if !near(float64(da[i]), want, 4*eps32*(math.Abs(d)+1)*math.Abs(float64(da0[i]))+1e-30) {
					t.Fatalf("ActGrad act %d: %g want %g", act, da[i], want)
				}
			}
		}
	}
}

func TestAdamUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	defer SetThreads(Threads())
	SetThreads(2)
	for _, n := range append(vecSizes, 3*adamPerThread+5) {
		p, checkP := guarded(t, rng, n, 1)
		g, _ := guarded(t, rng, n, 0.1)
		m, checkM := guarded(t, rng, n, 0.01)
		v, checkV := guarded(t, rng, n, 0.001)
		for i := range v {
			v[i] = v[i] * v[i]
		}
		p0, m0, v0 := slices.Clone(p), slices.Clone(m), slices.Clone(v)
		const lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
		t3 := 3.0
		bc1, bc2 := 1-math.Pow(b1, t3), 1-math.Pow(b2, t3)
		AdamUpdate(p, g, m, v, lr, b1, b2, eps, float32(bc1), float32(bc2))
		checkP()
		checkM()
		checkV()
		// The same step in float64 through the generic path.
		p64, g64, m64, v64 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for i := 0; i < n; i++ {
			p64[i], g64[i], m64[i], v64[i] = float64(p0[i]), float64(g[i]), float64(m0[i]), float64(v0[i])
		}
		AdamUpdate(p64, g64, m64, v64, lr, b1, b2, eps, bc1, bc2)
		// The float32 path sees the parameters rounded to float32.
		f := func(x float64) float64 { return float64(float32(x)) }
		b1f, b2f, bc1f, bc2f := f(b1), f(b2), f(bc1), f(bc2)
		for i := 0; i < n; i++ {
			gi := float64(g[i])
			wm := b1f*float64(m0[i]) + (1-b1f)*gi
			wv := b2f*float64(v0[i]) + (1-b2f)*gi*gi
			wp := float64(p0[i]) - f(lr)*(wm/bc1f)/(math.Sqrt(wv/bc2f)+f(eps))
			if !near(float64(m[i]), wm, 4*eps32*(math.Abs(wm)+math.Abs(gi))) ||
				!near(float64(v[i]), wv, 4*eps32*(wv+gi*gi)) ||
				!near(float64(p[i]), wp, 4*eps32*math.Abs(wp)+lr*1e-5) {
				t.Fatalf("Adam n=%d i=%d: p %g/%g m %g/%g v %g/%g", n, i, p[i], wp, m[i], wm, v[i], wv)
			}
			wm = b1*float64(m0[i]) + (1-b1)*gi
			wv = b2*float64(v0[i]) + (1-b2)*gi*gi
			wp = float64(p0[i]) - lr*(wm/bc1)/(math.Sqrt(wv/bc2)+eps)
			if !near(p64[i], wp, 1e-12) || !near(m64[i], wm, 1e-15) || !near(v64[i], wv, 1e-15) {
				t.Fatalf("Adam float64 n=%d i=%d", n, i)
			}
		}
	}
}

func TestTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, rows := range []int{1, 4} {
		for _, n := range vecSizes[1:] {
			for _, k := range []int{0, 1, 2, 5, 32, n} {
				if k > n {
					continue
				}
				a, _ := guarded(t, rng, rows*n, 1)
				if n > 3 {
					a[1] = a[2] // a tie
				}
				a0 := slices.Clone(a)
				idx := make([]int32, rows*k+tailGuard)
				val, checkVal := guarded(t, rng, rows*k, 1)
				TopK(a, rows, n, k, idx, val)
				checkVal()
				if !slices.Equal(a, a0) {
					t.Fatal("TopK modified its input")
				}
				for i := 0; i < rows; i++ {
					order := make([]int, n)
					for j := range order {
						order[j] = j
					}
					r := a[i*n : i*n+n]
					sort.SliceStable(order, func(x, y int) bool { return r[order[x]] > r[order[y]] })
					for j := 0; j < k; j++ {
						if int(idx[i*k+j]) != order[j] || val[i*k+j] != r[order[j]] {
							t.Fatalf("TopK rows=%d n=%d k=%d row %d: got %v want %v", rows, n, k, i, idx[i*k:i*k+k], order[:k])
						}
					}
				}
				for _, x := range idx[rows*k:] {
					if x != 0 {
						t.Fatal("TopK wrote past idx")
					}
				}
			}
		}
	}
}

// TestAdamStep checks the fused step: gradient scale, weight decay on the
// spans only (gaps between spans and after the last get none), and the
// returned decay sum, against a float64 reference, on sizes that split
// over the pool and spans that cut the kernel's 16-float blocks.
func TestAdamStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	defer SetThreads(Threads())
	SetThreads(2)
	for _, n := range append(vecSizes, 3*adamPerThread+5, adamPiece+17) {
		p, checkP := guarded(t, rng, n, 1)
		g, _ := guarded(t, rng, n, 0.1)
		m, checkM := guarded(t, rng, n, 0.01)
		v, checkV := guarded(t, rng, n, 0.001)
		for i := range v {
			v[i] = v[i] * v[i]
		}
		// Spans: [0, n/3) decay 0.01, a gap, [n/2, n-n/7) decay 0.5, a
		// zero-decay span at the end when there is room.
		spans := []AdamSpan{{0, n / 3, 0.01}, {n / 2, n - n/7, 0.5}}
		if n/7 > 1 {
			spans = append(spans, AdamSpan{n - n/7 + 1, n, 0})
		}
		decayOf := func(i int) float64 {
			for _, s := range spans {
				if i >= s.Lo && i < s.Hi {
					return float64(s.Decay)
				}
			}
			return 0
		}
		p0, m0, v0, g0 := slices.Clone(p), slices.Clone(m), slices.Clone(v), slices.Clone(g)
		const lr, b1, b2, eps, scale = 1e-3, 0.9, 0.999, 1e-8, 0.7
		bc1, bc2 := float32(1-math.Pow(b1, 5)), float32(1-math.Pow(b2, 5))
		got := AdamStep(p, g, m, v, AdamParams{LR: lr, Beta1: b1, Beta2: b2, Eps: eps, BC1: bc1, BC2: bc2, Scale: scale}, spans)
		checkP()
		checkM()
		checkV()
		if !slices.Equal(g, g0) {
			t.Fatalf("n=%d: AdamStep modified the gradient", n)
		}
		f := func(x float64) float64 { return float64(float32(x)) }
		var want, mag float64
		for i := 0; i < n; i++ {
			dc := decayOf(i)
			pi := float64(p0[i])
			want += dc * pi * pi
			mag += math.Abs(dc) * pi * pi
			gi := f(scale) * (float64(g0[i]) + dc*pi)
			wm := f(b1)*float64(m0[i]) + (1-f(b1))*gi
			wv := f(b2)*float64(v0[i]) + (1-f(b2))*gi*gi
			wp := pi - f(lr)*(wm/float64(bc1))/(math.Sqrt(wv/float64(bc2))+f(eps))
			// g' may cancel (scale*g against decay*p): its rounding is
			// relative to the terms, and carries through m, v and the step.
			gm := math.Abs(float64(g0[i])) + math.Abs(dc*pi)
			tolM, tolV := 6*eps32*(math.Abs(wm)+gm), 6*eps32*(wv+gm*gm)
			upd := math.Abs(wp - pi)
			tolP := 4*eps32*math.Abs(wp) + upd*(tolM/math.Abs(wm)+tolV/wv) + lr*1e-5
			if !near(float64(m[i]), wm, tolM) || !near(float64(v[i]), wv, tolV) || !near(float64(p[i]), wp, tolP) {
				t.Fatalf("n=%d i=%d (decay %g): p %g/%g m %g/%g v %g/%g", n, i, dc, p[i], wp, m[i], wm, v[i], wv)
			}
		}
		if !near(got, want, 1e-5*mag+1e-30) {
			t.Fatalf("n=%d: decay sum %g, want %g", n, got, want)
		}
		// ZeroGrad: the same step, and the gradient zeroed (only it).
		p2, m2, v2 := slices.Clone(p0), slices.Clone(m0), slices.Clone(v0)
		g2, checkG2 := guarded(t, rng, n, 0.1)
		copy(g2, g0)
		got2 := AdamStep(p2, g2, m2, v2, AdamParams{LR: lr, Beta1: b1, Beta2: b2, Eps: eps, BC1: bc1, BC2: bc2, Scale: scale, ZeroGrad: true}, spans)
		checkG2()
		if got2 != got || !slices.Equal(p2, p) || !slices.Equal(m2, m) || !slices.Equal(v2, v) {
			t.Fatalf("n=%d: ZeroGrad changed the step", n)
		}
		for i, x := range g2 {
			if x != 0 {
				t.Fatalf("n=%d: ZeroGrad left g[%d] = %g", n, i, x)
			}
		}
	}
}

// TestTopKSkip checks that the AVX-512 skip over entries below the heap's
// smallest selects exactly what the plain loop does, on rows with many
// ties, both zeros, negatives and infinities, at widths around the
// skip's 16- and 64-float steps and at an SAE's 12288.
func TestTopKSkip(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512: topK32 runs the plain loop only")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	levels := []float32{float32(math.Inf(-1)), -3, -1, float32(math.Copysign(0, -1)), 0, 0.5, 1, 2, 7, float32(math.Inf(1))}
	for _, n := range []int{16, 17, 31, 63, 64, 65, 127, 200, 1000, 12288} {
		for _, k := range []int{1, 2, 5, 16, 32, 64} {
			if k > n {
				continue
			}
			const rows = 3
			a := make([]float32, rows*n)
			for i := range a {
				switch i % 3 {
				case 0:
					a[i] = levels[rng.IntN(len(levels))]
				default:
					a[i] = float32(rng.NormFloat64())
				}
			}
			if n > 64 {
				a[n-1] = 100 // the largest last: the skip must reach the end
			}
			wantI, gotI := make([]int32, rows*k), make([]int32, rows*k)
			wantV, gotV := make([]float32, rows*k), make([]float32, rows*k)
			topK32With(false, a, rows, n, k, wantI, wantV)
			topK32With(true, a, rows, n, k, gotI, gotV)
			for e := range wantI {
				if wantI[e] != gotI[e] || math.Float32bits(wantV[e]) != math.Float32bits(gotV[e]) {
					t.Fatalf("n=%d k=%d entry %d: skip gave %d (%g), plain %d (%g)", n, k, e, gotI[e], gotV[e], wantI[e], wantV[e])
				}
			}
		}
	}
}
