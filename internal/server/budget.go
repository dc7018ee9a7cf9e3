package server

// One memory budget over every request in flight: a request reserves the
// bytes of its buffers before it allocates them (its body as it arrives,
// its parsed rows, the model's working memory, its answer) and releases
// them when it ends. A reservation that would take the total above the
// budget fails, and the request is refused.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
)

// ConnMemory is what one open connection may hold besides its requests'
// buffers: a goroutine, read and write buffers, and headers of up to
// 16 KiB being read (measured: about 38 KiB for each of 1000 connections
// sending 15 KB of headers).
const ConnMemory = 48 << 10

// budgetSlack is left over in a process budget twice: between the
// runtime's soft limit and the budget, and for the runtime's own growth.
const budgetSlack = 8 << 20

// splitBudget gives requests what the process budget leaves once the
// model is loaded (see Options.ProcessMemory).
func (s *Server) splitBudget() error {
	goMem := goRuntimeMemory()
	rss, ok := residentBytes()
	if !ok || rss < goMem {
		rss = goMem + 16<<20 // the binary's own pages, roughly
	}
	nonGo := rss - goMem
	conns := int64(s.opt.MaxConns) * ConnMemory
	if s.opt.ProcessMemory <= 0 {
		s.limit = goMem + conns + s.opt.MaxMemory + budgetSlack
		return nil
	}
	// The runtime's limit is soft: keep a margin below the budget.
	s.limit = s.opt.ProcessMemory - nonGo - budgetSlack
	left := s.limit - goMem - conns - budgetSlack
	if left < s.opt.MaxBody {
		return fmt.Errorf("a memory budget of %d bytes is too small: the process takes %d with the model loaded, %d connections %d, and the largest body needs %d", s.opt.ProcessMemory, rss, s.opt.MaxConns, conns, s.opt.MaxBody)
	}
	s.opt.MaxMemory = left
	return nil
}

// MemoryLimit is the limit for the Go runtime's memory
// (debug.SetMemoryLimit) that keeps the process within its budget, the
// model's memory and the requests' one, or within ProcessMemory.
func (s *Server) MemoryLimit() int64 { return s.limit }

// goRuntimeMemory is the memory the Go runtime holds from the system.
func goRuntimeMemory() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 || sample[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64() - sample[1].Value.Uint64())
}

// budget counts reserved bytes against max.
type budget struct {
	max  int64
	used atomic.Int64
	peak atomic.Int64 // the most used at once since the start
}

// reserve adds n bytes to the request's reservation if the total stays
// within the budget, and reports whether it did.
func (b *budget) reserve(st *reqState, n int64) bool {
	if n <= 0 {
		return true
	}
	for {
		u := b.used.Load()
		if u+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			st.reserved += n
			for p := b.peak.Load(); u+n > p && !b.peak.CompareAndSwap(p, u+n); p = b.peak.Load() {
			}
			return true
		}
	}
}

// release gives back n bytes (the caller adjusts its reservation).
func (b *budget) release(n int64) {
	if n > 0 {
		b.used.Add(-n)
	}
}

// idSource makes request ids: a random prefix for this process and a
// counter, such as "5f0c9a1e-2b".
type idSource struct {
	prefix string
	n      *atomic.Uint64
}

func newIDSource() idSource {
	var b [4]byte
	rand.Read(b[:])
	return idSource{prefix: hex.EncodeToString(b[:]) + "-", n: new(atomic.Uint64)}
}

// next returns a new id.
func (s idSource) next() string {
	var buf [32]byte
	out := append(buf[:0], s.prefix...)
	return string(strconv.AppendUint(out, s.n.Add(1), 36))
}

// fromHeader returns the client's X-Request-Id when it is 1 to 128
// characters of letters, digits and ._:/+=@-, and a new id otherwise.
func (s idSource) fromHeader(h string) string {
	if len(h) == 0 || len(h) > 128 {
		return s.next()
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '/' || c == '+' || c == '=' || c == '@' || c == '-') {
			return s.next()
		}
	}
	return h
}
