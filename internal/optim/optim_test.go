package optim

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sae-go/sae/internal/kernels"
)

// params returns n random parameters and weight spans covering most of
// them: [0, 3n/5) and [3n/5+7, n-5), the gaps standing for biases.
func params(rng *rand.Rand, n int) ([]float32, []Span) {
	p := make([]float32, n)
	for i := range p {
		p[i] = float32(rng.NormFloat64())
	}
	return p, []Span{{0, 3 * n / 5}, {3*n/5 + 7, n - 5}}
}

// TestAdamFusedDecayAndClip checks the fused Adam step against the
// unfused definition: decay added to the weights' gradient (not the
// biases'), the decayed gradient clipped to the global norm, then a plain
// Adam step; and the decay term it returns against Decay's.
func TestAdamFusedDecayAndClip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		n        int
		wd, clip float64
		wantClip bool
	}{
		{777, 1e-2, 0, false},
		{777, 3e-1, 0, false},
		{1500, 1e-1, 0.05, true},
		{777, 0, 0, false},
	} {
		p, spans := params(rng, tc.n)
		g := make([]float32, tc.n)
		for i := range g {
			g[i] = float32(rng.NormFloat64() * 0.1)
		}
		// Reference: decay into a copy of the gradient, clip, plain Adam.
		ref, gr := slices.Clone(p), slices.Clone(g)
		wantDecay := Decay(ref, gr, spans, tc.wd)
		norm := Clip(gr, tc.clip)
		if tc.wantClip != (tc.clip > 0 && norm > tc.clip) {
			t.Fatalf("test case does not exercise clipping as meant: norm %g clip %g", norm, tc.clip)
		}
		m, v := make([]float32, tc.n), make([]float32, tc.n)
		kernels.AdamUpdate(ref, gr, m, v, 1e-2, 0.9, 0.999, 1e-8, 0.1, 0.001)

		o := NewAdam(tc.n, spans)
		p0 := slices.Clone(p)
		decay, finite := o.Step(p, g, 1e-2, tc.wd, tc.clip)
		if !finite {
			t.Fatal("finite gradient reported as not finite")
		}
		for i, x := range g {
			if x != 0 {
				t.Fatalf("the step left g[%d] = %g, want it zeroed", i, x)
			}
		}
		if math.Abs(decay-wantDecay) > 1e-5*math.Abs(wantDecay)+1e-12 {
			t.Fatalf("decay term %g, want %g", decay, wantDecay)
		}
		for i := range p0 {
			// Adam's step is lr*m/sqrt(v) ~ lr*sign: compare to a fraction of lr.
			if d := math.Abs(float64(p[i] - ref[i])); d > 1e-4*1e-2+1e-6*math.Abs(float64(p0[i])) {
				t.Fatalf("%+v: param %d is %g, unfused %g (start %g)", tc, i, p[i], ref[i], p0[i])
			}
		}
	}
}

// Decay touches the spans only, and its value is lambda/2 ||W||².
func TestDecaySpansOnly(t *testing.T) {
	p, spans := params(rand.New(rand.NewPCG(1, 1)), 100)
	g := make([]float32, 100)
	v := Decay(p, g, spans, 0.5)
	var want float64
	in := make([]bool, 100)
	for _, s := range spans {
		for i := s.Lo; i < s.Hi; i++ {
			in[i] = true
			want += 0.25 * float64(p[i]) * float64(p[i])
		}
	}
	if math.Abs(v-want) > 1e-5*want {
		t.Fatalf("decay %g, want %g", v, want)
	}
	for i := range g {
		if w := map[bool]float32{true: 0.5 * p[i], false: 0}[in[i]]; g[i] != w {
			t.Fatalf("g[%d] = %g, want %g", i, g[i], w)
		}
	}
}

// TestAdamReportsNonFiniteGradientWhenClipping: the clipping pass sees the
// whole gradient, so a NaN in it is reported at once.
func TestAdamReportsNonFiniteGradientWhenClipping(t *testing.T) {
	p, spans := params(rand.New(rand.NewPCG(1, 2)), 30)
	g := make([]float32, len(p))
	g[len(g)-1] = float32(math.NaN())
	if _, finite := NewAdam(len(p), spans).Step(p, g, 1e-3, 1e-4, 1); finite {
		t.Fatal("a NaN gradient was reported finite")
	}
}

// SGD leaves the gradient zeroed too, as the trainer relies on, and its
// first step is -lr*(g + wd*W).
func TestSGDStep(t *testing.T) {
	p, spans := params(rand.New(rand.NewPCG(1, 2)), 30)
	p0 := slices.Clone(p)
	g := make([]float32, len(p))
	for i := range g {
		g[i] = 1
	}
	want := slices.Clone(p0)
	gw := slices.Clone(g)
	Decay(want, gw, spans, 1e-3)
	for i := range want {
		want[i] -= 1e-2 * gw[i]
	}
	NewSGD(len(p), 0.9, spans).Step(p, g, 1e-2, 1e-3, 0)
	for i, x := range g {
		if x != 0 {
			t.Fatalf("g[%d] = %g after an SGD step", i, x)
		}
		if math.Abs(float64(p[i]-want[i])) > 1e-7 {
			t.Fatalf("p[%d] = %g, want %g", i, p[i], want[i])
		}
	}
}

func TestLRSchedule(t *testing.T) {
	for _, tc := range []struct {
		step, total, warm int
		decay             string
		want              float64
	}{
		{0, 100, 10, Cosine, 0.1},  // warm-up: 1/10 of the peak
		{9, 100, 10, Cosine, 1},    // end of warm-up
		{10, 100, 10, Cosine, 1},   // start of the decay
		{99, 100, 10, Cosine, 0.1}, // cosine ends at 10%
		{99, 100, 10, Linear, 0},   // linear ends at 0
		{55, 101, 10, Linear, 0.5}, // half-way
		{60, 100, 10, "none", 1},   // constant
		{0, 1, 0, Cosine, 1},       // a one-step phase
	} {
		if got := LR(1, tc.step, tc.total, tc.warm, tc.decay); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LR(step %d of %d, warm %d, %s) = %g, want %g", tc.step, tc.total, tc.warm, tc.decay, got, tc.want)
		}
	}
}

// rosenbrock is f(x) = Σ 100(x_{i+1} - x_i²)² + (1 - x_i)², minimum 0 at 1.
func rosenbrock[T kernels.Float](x, g []T) (float64, error) {
	clear(g)
	var f float64
	for i := 0; i+1 < len(x); i++ {
		a, b := float64(x[i]), float64(x[i+1])
		f += 100*(b-a*a)*(b-a*a) + (1-a)*(1-a)
		g[i] += T(-400*a*(b-a*a) - 2*(1-a))
		g[i+1] += T(200 * (b - a*a))
	}
	return f, nil
}

// L-BFGS reaches the minimum of the Rosenbrock function in float64 and
// float32 with either line search, calls done once per accepted iteration
// with the objective it returns, and stops when done says so.
func TestLBFGSRosenbrock(t *testing.T) {
	for _, interp := range []bool{false, true} {
		x := []float64{-1.2, 1, -1.2, 1, 0.5, -0.3}
		calls, last := 0, math.NaN()
		done := func(it int, f float64, g []float64) (bool, error) {
			if it != calls {
				t.Fatalf("done called for iteration %d, want %d", it, calls)
			}
			calls++
			last = f
			var gn float64
			for _, v := range g {
				gn = max(gn, math.Abs(v))
			}
			return gn < 1e-9, nil
		}
		res, err := LBFGS[float64]{Interpolate: interp}.Minimize(context.Background(), rosenbrock[float64], x, 500, done)
		if err != nil {
			t.Fatal(err)
		}
		if res.F != last || res.F > 1e-14 || calls != res.Iter+1 {
			t.Fatalf("interpolate %v: f %g (last reported %g), %d iterations, %d calls", interp, res.F, last, res.Iter, calls)
		}
		for i, v := range x {
			if math.Abs(v-1) > 1e-6 {
				t.Fatalf("interpolate %v: x[%d] = %g, want 1", interp, i, v)
			}
		}
	}
	x32 := []float32{-1.2, 1, -1.2, 1}
	res, err := LBFGS[float32]{MinCurvature: 1e-10}.Minimize(context.Background(), rosenbrock[float32], x32, 500,
		func(int, float64, []float32) (bool, error) { return false, nil })
	if err != nil || res.F > 1e-6 {
		t.Fatalf("float32: f %g after %d iterations (stalled %v), err %v", res.F, res.Iter, res.Stall, err)
	}
	if !res.Stall && res.Iter != 500 {
		t.Fatalf("float32: ended after %d iterations without stalling", res.Iter)
	}
}

// An exact preconditioner (the inverse Hessian of a quadratic) finds the
// minimum in one step; a cancelled context ends the run with its error.
func TestLBFGSPreconditionerAndContext(t *testing.T) {
	scale := []float64{1, 100, 1e4}
	quad := func(x, g []float64) (float64, error) {
		var f float64
		for i, v := range x {
			f += 0.5 * scale[i] * (v - 1) * (v - 1)
			g[i] = scale[i] * (v - 1)
		}
		return f, nil
	}
	inv := func(dst, src []float64) {
		for i, v := range src {
			dst[i] = v / scale[i]
		}
	}
	x := []float64{0, 0, 0}
	never := func(int, float64, []float64) (bool, error) { return false, nil }
	res, err := LBFGS[float64]{Precond: inv}.Minimize(context.Background(), quad, x, 3, never)
	if err != nil || res.F > 1e-20 {
		t.Fatalf("preconditioned quadratic: f %g after %d iterations, err %v", res.F, res.Iter, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (LBFGS[float64]{}).Minimize(ctx, quad, []float64{0, 0, 0}, 3, never); err != context.Canceled {
		t.Fatalf("cancelled context: err %v", err)
	}
}
