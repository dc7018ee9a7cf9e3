package kernels

import (
	"sync"
	"sync/atomic"
)

// The worker pool: goroutines started lazily, once, that stay parked on
// their channel between calls. A parallel kernel hands each worker one task
// (the same job, a different participant index) and runs participant 0
// itself; sending the tasks in a fixed worker order makes concurrent callers
// queue behind one another instead of deadlocking.

type poolTask struct {
	job poolJob
	w   int
}

type poolJob interface {
	run(w int)
	done()
}

var workers struct {
	mu    sync.Mutex
	chans []chan poolTask
}

// parallel runs job.run(w) for w in [0, nt): participant 0 on the calling
// goroutine, the others on pool workers; it returns when all have finished.
// job.done is called by each worker when its run returns; the job must wait
// for them (for example with a sync.WaitGroup primed with nt-1).
func parallel(nt int, job poolJob) {
	if nt > 1 {
		workers.mu.Lock()
		for len(workers.chans) < nt-1 {
			ch := make(chan poolTask)
			workers.chans = append(workers.chans, ch)
			go worker(ch)
		}
		chans := workers.chans[:nt-1]
		workers.mu.Unlock()
		for w, ch := range chans {
			ch <- poolTask{job, w + 1}
		}
	}
	job.run(0)
}

func worker(ch chan poolTask) {
	for t := range ch {
		t.job.run(t.w)
		t.job.done()
	}
}

// spinBarrier is a reusable barrier for the participants of one job. Waiting
// spins for a few microseconds (the participants normally arrive together),
// then sleeps, so that a participant whose core was taken by another process
// does not leave the others burning theirs.
type spinBarrier struct {
	n       int32
	arrived atomic.Int32
	_       [60]byte
	gen     atomic.Uint32
	_       [60]byte
	mu      sync.Mutex
	cond    sync.Cond
	waiting int
}

const barrierSpins = 1 << 14

// wait blocks until all n participants have called it; the last to arrive
// zeroes last (if non-nil) before releasing the others.
func (b *spinBarrier) wait(last *atomic.Int64) {
	g := b.gen.Load()
	if b.arrived.Add(1) == b.n {
		b.arrived.Store(0)
		if last != nil {
			last.Store(0)
		}
		b.mu.Lock()
		b.gen.Add(1)
		if b.waiting > 0 {
			b.cond.Broadcast()
		}
		b.mu.Unlock()
		return
	}
	for i := 0; i < barrierSpins; i++ {
		if b.gen.Load() != g {
			return
		}
	}
	b.mu.Lock()
	if b.cond.L == nil {
		b.cond.L = &b.mu
	}
	for b.gen.Load() == g {
		b.waiting++
		b.cond.Wait()
		b.waiting--
	}
	b.mu.Unlock()
}
