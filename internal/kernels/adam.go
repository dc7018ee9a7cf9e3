package kernels

import (
	"math"
	"runtime"
	"sync"
)

// AdamUpdate does one Adam step over parameters p with gradient g and moment
// estimates m, v (all the same length), in one pass:
//
//	m[i] = beta1*m[i] + (1-beta1)*g[i]
//	v[i] = beta2*v[i] + (1-beta2)*g[i]*g[i]
//	p[i] -= lr * (m[i]/bc1) / (sqrt(v[i]/bc2) + eps)
//
// where bc1 = 1-beta1^t and bc2 = 1-beta2^t are the bias corrections of step
// t (1-based); pass 1 for both to skip the correction.
func AdamUpdate[T Float](p, g, m, v []T, lr, beta1, beta2, eps, bc1, bc2 T) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if p32, ok := any(p).([]float32); ok {
		adam32(p32, any(g).([]float32), any(m).([]float32), any(v).([]float32),
			float32(lr), float32(beta1), float32(beta2), float32(eps), float32(bc1), float32(bc2))
		return
	}
	step := lr / bc1
	ibc2 := 1 / bc2
	for i, gi := range g {
		mi := beta1*m[i] + (1-beta1)*gi
		vi := beta2*v[i] + (1-beta2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= step * mi / (T(math.Sqrt(float64(vi*ibc2))) + eps)
	}
}

// adamPerThread is the fewest parameters per participant worth a parallel
// update.
const adamPerThread = 1 << 16

// AdamParams are the constants of one Adam step (see AdamStep).
type AdamParams struct {
	LR, Beta1, Beta2, Eps float32
	// BC1 and BC2 are the bias corrections 1-Beta1^t and 1-Beta2^t of step
	// t (1-based); 1 skips the correction.
	BC1, BC2 float32
	// Scale multiplies the gradient (global-norm clipping); 0 means 1.
	Scale float32
	// ZeroGrad sets g to zero once read, saving the caller a pass over
	// it before accumulating the next gradient.
	ZeroGrad bool
	// Threads is the most cores the step uses (0: Threads()).
	Threads int
}

// AdamSpan gives the parameters [Lo, Hi) the L2 weight decay Decay: their
// gradient becomes g + Decay*p inside the step.
type AdamSpan struct {
	Lo, Hi int
	Decay  float32
}

// AdamStep does one Adam step over p with gradient g and moments m, v, in
// one pass over memory, with gradient scaling and weight decay fused in:
//
//	g' = Scale*(g[i] + Decay*p[i])   (Decay of the span holding i, else 0)
//	m[i] = Beta1*m[i] + (1-Beta1)*g'
//	v[i] = Beta2*v[i] + (1-Beta2)*g'*g'
//	p[i] -= LR * (m[i]/BC1) / (sqrt(v[i]/BC2) + Eps)
//
// Spans must be in order and not overlap; parameters outside every span
// get no decay. It returns the sum over the spans with Decay != 0 of
// Decay*p[i]^2 before the step (twice the decay term of the loss). g is
// left as it is, or zeroed with ZeroGrad. Large vectors are split over the
// worker pool.
func AdamStep(p, g, m, v []float32, a AdamParams, spans []AdamSpan) float64 {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if a.Scale == 0 {
		a.Scale = 1
	}
	jp := adamJobs.Get().(*adamJob)
	jp.adamArgs = adamArgs{p: p, g: g, m: m, v: v, spans: spans,
		step: a.LR / a.BC1, b1: a.Beta1, c1: 1 - a.Beta1, b2: a.Beta2, c2: 1 - a.Beta2, ibc2: 1 / a.BC2, eps: a.Eps, scale: a.Scale, zero: a.ZeroGrad}
	nt := max(1, min(orThreads(a.Threads), runtime.GOMAXPROCS(0), n/adamPerThread, len(jp.sums)))
	jp.nt = nt
	if nt <= 1 {
		jp.run(0)
	} else {
		jp.fin.start(nt - 1)
		parallel(nt, jp)
		jp.fin.wait()
	}
	var s float64
	for _, v := range jp.sums[:nt] {
		s += v
	}
	jp.p, jp.g, jp.m, jp.v, jp.spans = nil, nil, nil, nil, nil
	adamJobs.Put(jp)
	return s
}

func adam32(p, g, m, v []float32, lr, beta1, beta2, eps, bc1, bc2 float32) {
	AdamStep(p, g, m, v, AdamParams{LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps, BC1: bc1, BC2: bc2}, nil)
}

// adamJob is one Adam step split over the worker pool in 16-float aligned
// ranges; sums[w] is participant w's share of the decay sum.
type adamJob struct {
	adamArgs
	nt   int
	sums [64]float64
	fin  completion
}

type adamArgs struct {
	p, g, m, v                             []float32
	spans                                  []AdamSpan
	step, b1, c1, b2, c2, ibc2, eps, scale float32
	zero                                   bool
}

var adamJobs = sync.Pool{New: func() any { return new(adamJob) }}

func (j *adamJob) run(w int) {
	n := len(j.p)
	chunk := ceilDiv(ceilDiv(n, j.nt), 16) * 16
	lo := min(w*chunk, n)
	hi := min(lo+chunk, n)
	// Walk [lo, hi) piece by piece: the spans' parts and the gaps between.
	var s float64
	at := lo
	for _, sp := range j.spans {
		if sp.Hi <= at {
			continue
		}
		if sp.Lo >= hi {
			break
		}
		if sp.Lo > at {
			j.update(at, sp.Lo, 0)
			at = sp.Lo
		}
		e := min(sp.Hi, hi)
		s += j.update(at, e, sp.Decay)
		at = e
	}
	if at < hi {
		j.update(at, hi, 0)
	}
	j.sums[w] = s
}

func (j *adamJob) done() { j.fin.done() }

// adamPiece bounds the floats one kernel call sums in float32 lanes.
const adamPiece = 1 << 14

// update steps [lo, hi) with weight decay decay and returns the decay
// times the sum of squares of the parameters there (0 when decay is 0).
func (j *adamJob) update(lo, hi int, decay float32) float64 {
	var s float64
	for ; lo < hi; lo += adamPiece {
		e := min(lo+adamPiece, hi)
		p, g, m, v := j.p[lo:e], j.g[lo:e], j.m[lo:e], j.v[lo:e]
		if hasAVX512 {
			var sq [16]float32
			n := len(p)
			var zmask uint16
			if j.zero {
				zmask = 0xffff
			}
			adamAVX512(&p[0], &g[0], &m[0], &v[0], n, uint16(1)<<(n%16)-1, j.step, j.b1, j.c1, j.b2, j.c2, j.ibc2, j.eps, j.scale, j.scale*decay, &sq, zmask)
			if decay != 0 {
				var part float64
				for _, x := range sq {
					part += float64(x)
				}
				s += float64(decay) * part
			}
			continue
		}
		step, b1, c1, b2, c2, ibc2, eps, scale, sd := j.step, j.b1, j.c1, j.b2, j.c2, j.ibc2, j.eps, j.scale, j.scale*decay
		g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
		var part float32
		for i, gi := range g {
			pi := p[i]
			gi = scale*gi + sd*pi
			part += pi * pi
			mi := b1*m[i] + c1*gi
			vi := b2*v[i] + c2*gi*gi
			m[i], v[i] = mi, vi
			p[i] = pi - step*mi/(float32(math.Sqrt(float64(vi*ibc2)))+eps)
		}
		if j.zero {
			clear(g)
		}
		if decay != 0 {
			s += float64(decay) * float64(part)
		}
	}
	return s
}
