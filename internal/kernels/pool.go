package kernels

import (
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool: goroutines started lazily, once, that stay alive between
// calls. A parallel kernel hands each worker one task (the same job, a
// different participant index) and runs participant 0 itself.
//
// After a task a worker spins for a short while, watching its slot, so that
// the next call of a sequence (a training step runs several products back
// to back) reaches it without a wake-up; then it parks on its channel.
// Sending to the workers in a fixed order makes concurrent callers queue
// behind one another instead of deadlocking.

type poolTask struct {
	job poolJob
	w   int
}

type poolJob interface {
	run(w int)
	done()
}

const (
	workerSpin  = time.Millisecond     // idle spinning before parking
	barrierSpin = time.Millisecond     // spinning in a barrier before sleeping
	busySpin    = 5 * time.Microsecond // pure spinning, before yielding the core
)

// spinner paces a spin-wait: pure spinning at first, then a sched_yield on
// every check, and done once limit has passed.
type spinner struct {
	start time.Time
	i     int
	yield bool
}

// wait is called once per failed check; it reports false when the waiter
// should stop spinning and sleep.
func (s *spinner) wait(limit time.Duration) bool {
	s.i++
	if s.yield {
		osYield()
		return s.i%16 != 0 || time.Since(s.start) < limit
	}
	if s.i%64 != 0 {
		return true
	}
	if s.start.IsZero() {
		s.start = time.Now()
		return true
	}
	d := time.Since(s.start)
	s.yield = d > busySpin
	return d < limit
}

const (
	workerParked   = iota // blocked on ch, or about to be
	workerSpinning        // watching slot
	workerClaimed         // a caller is filling slot
)

type poolWorker struct {
	state atomic.Int32
	ready atomic.Bool
	slot  poolTask
	ch    chan poolTask
	_     [64]byte
}

var workers struct {
	mu   sync.Mutex
	list []*poolWorker
}

// parallel runs job.run(w) for w in [0, nt): participant 0 on the calling
// goroutine, the others on pool workers. Each worker calls job.done when its
// run returns; the job must wait for them (for example with a
// sync.WaitGroup primed with nt-1).
func parallel(nt int, job poolJob) {
	if nt > 1 {
		workers.mu.Lock()
		for len(workers.list) < nt-1 {
			pw := &poolWorker{ch: make(chan poolTask)}
			workers.list = append(workers.list, pw)
			go pw.loop()
		}
		list := workers.list[:nt-1]
		workers.mu.Unlock()
		for i, pw := range list {
			t := poolTask{job, i + 1}
			if pw.state.CompareAndSwap(workerSpinning, workerClaimed) {
				pw.slot = t
				pw.ready.Store(true)
			} else {
				pw.ch <- t
			}
		}
	}
	job.run(0)
}

func (pw *poolWorker) loop() {
	for {
		pw.state.Store(workerSpinning)
		var sp spinner
		for !pw.ready.Load() {
			if !sp.wait(workerSpin) {
				if pw.state.CompareAndSwap(workerSpinning, workerParked) {
					t := <-pw.ch
					pw.state.Store(workerClaimed)
					t.job.run(t.w)
					t.job.done()
					goto next
				}
				// A caller claimed the slot just now: wait for it.
			}
		}
		pw.ready.Store(false)
		{
			t := pw.slot
			pw.slot = poolTask{}
			t.job.run(t.w)
			t.job.done()
		}
	next:
	}
}

// spinBarrier is a reusable barrier for the participants of one job. Waiting
// spins for a while (the participants normally arrive close together), then
// sleeps, so that a participant whose core was taken by another process does
// not leave the others burning theirs.
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

// wait blocks until all n participants have called it; the last to arrive
// zeroes the counters c1 and c2 before releasing the others.
func (b *spinBarrier) wait(c1, c2 *atomic.Int64) {
	g := b.gen.Load()
	if b.arrived.Add(1) == b.n {
		b.arrived.Store(0)
		c1.Store(0)
		c2.Store(0)
		b.mu.Lock()
		b.gen.Add(1)
		if b.waiting > 0 {
			b.cond.Broadcast()
		}
		b.mu.Unlock()
		return
	}
	var sp spinner
	for b.gen.Load() == g {
		if !sp.wait(barrierSpin) {
			break
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

// completion lets the caller wait for the pool workers of a job: like a
// sync.WaitGroup, but the waiter spins for a while first, since the workers
// usually finish within microseconds of the caller's own share.
type completion struct {
	pending  atomic.Int32
	mu       sync.Mutex
	cond     sync.Cond
	sleeping bool
}

func (c *completion) start(n int) { c.pending.Store(int32(n)) }

// done is a worker's last touch of the job.
func (c *completion) done() {
	c.mu.Lock()
	if c.pending.Add(-1) == 0 && c.sleeping {
		c.cond.Signal()
	}
	c.mu.Unlock()
}

func (c *completion) wait() {
	var sp spinner
	for c.pending.Load() > 0 {
		if !sp.wait(barrierSpin) {
			break
		}
	}
	c.mu.Lock()
	if c.cond.L == nil {
		c.cond.L = &c.mu
	}
	for c.pending.Load() > 0 {
		c.sleeping = true
		c.cond.Wait()
	}
	c.sleeping = false
	c.mu.Unlock()
}
