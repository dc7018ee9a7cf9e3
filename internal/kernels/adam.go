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

func adam32(p, g, m, v []float32, lr, beta1, beta2, eps, bc1, bc2 float32) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	jp := adamJobs.Get().(*adamJob)
	jp.adamArgs = adamArgs{p: p, g: g, m: m, v: v,
		step: lr / bc1, b1: beta1, c1: 1 - beta1, b2: beta2, c2: 1 - beta2, ibc2: 1 / bc2, eps: eps}
	nt := min(Threads(), runtime.GOMAXPROCS(0), n/adamPerThread)
	if nt <= 1 {
		jp.update(0, n)
		jp.p, jp.g, jp.m, jp.v = nil, nil, nil, nil
		adamJobs.Put(jp)
		return
	}
	jp.nt = nt
	jp.fin.start(nt - 1)
	parallel(nt, jp)
	jp.fin.wait()
	jp.p, jp.g, jp.m, jp.v = nil, nil, nil, nil
	adamJobs.Put(jp)
}

// adamJob is one Adam step split over the worker pool in 16-float aligned
// ranges.
type adamJob struct {
	adamArgs
	nt  int
	fin completion
}

type adamArgs struct {
	p, g, m, v                      []float32
	step, b1, c1, b2, c2, ibc2, eps float32
}

var adamJobs = sync.Pool{New: func() any { return new(adamJob) }}

func (j *adamJob) run(w int) {
	n := len(j.p)
	chunk := ceilDiv(ceilDiv(n, j.nt), 16) * 16
	lo := min(w*chunk, n)
	j.update(lo, min(lo+chunk, n))
}

func (j *adamJob) done() { j.fin.done() }

func (j *adamJob) update(lo, hi int) {
	if lo >= hi {
		return
	}
	p, g, m, v := j.p[lo:hi], j.g[lo:hi], j.m[lo:hi], j.v[lo:hi]
	if hasAVX512 {
		n := len(p)
		adamAVX512(&p[0], &g[0], &m[0], &v[0], n, uint16(1)<<(n%16)-1, j.step, j.b1, j.c1, j.b2, j.c2, j.ibc2, j.eps)
		return
	}
	step, b1, c1, b2, c2, ibc2, eps := j.step, j.b1, j.c1, j.b2, j.c2, j.ibc2, j.eps
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= step * mi / (float32(math.Sqrt(float64(vi*ibc2))) + eps)
	}
}
