package server

// Tests of what a service facing clients it does not control needs: real
// sockets, bounded in time (every read and write has a deadline).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sae-go/sae/internal/malformed"
)

// serving is a Server running Serve on a loopback port.
type serving struct {
	s      *Server
	addr   string
	cancel context.CancelFunc
	done   chan struct{} // closed when Serve has returned err
	err    error
	reload chan os.Signal
}

// wait waits up to d for Serve to return and returns its error.
func (sv *serving) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-sv.done:
		return sv.err
	case <-time.After(d):
		t.Fatalf("Serve has not returned after %v", d)
		return nil
	}
}

// serve starts s on 127.0.0.1 and stops it when the test ends.
func serve(t *testing.T, s *Server) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{s: s, addr: ln.Addr().String(), cancel: cancel, done: make(chan struct{}), reload: make(chan os.Signal, 1)}
	go func() {
		sv.err = s.Serve(ctx, ln, sv.reload)
		close(sv.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sv.done:
		case <-time.After(20 * time.Second):
			t.Errorf("Serve has not returned 20 s after the test")
		}
	})
	return sv
}

// dial opens a raw connection with a deadline of d for everything on it.
func dial(t *testing.T, addr string, d time.Duration) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(d))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes a raw request and reads the answer.
func roundTrip(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	c := dial(t, addr, 10*time.Second)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%.60q: %v", req, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// scoreRequest is a raw keep-alive request for /v1/score.
func scoreRequest(body string) string {
	return fmt.Sprintf("POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

const goodBody = `{"inputs":[[1,2,3,4,5,6,7,8]]}`

// Defect 1: a request that trickles its body holds a connection, not one
// of the MaxInFlight slots. 20 such requests against 4 slots used to get
// every good request a 503 while /healthz said ok; now the good requests
// are answered and /readyz stays ready.
func TestSlowBodiesTakeNoSlot(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{MaxInFlight: 4, ReadTimeout: 20 * time.Second})
	sv := serve(t, s)
	for i := 0; i < 20; i++ {
		c := dial(t, sv.addr, 20*time.Second)
		io.WriteString(c, "POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"inputs\":[[")
	}
	eventually(t, "20 slow requests received", func() bool {
		return s.metrics.reading.Load()+int64(s.metrics.rejected[reasonOverloaded].Load()) == 20
	})
	for i := 0; i < 20; i++ {
		resp, b := roundTrip(t, sv.addr, scoreRequest(goodBody))
		if resp.StatusCode != 200 {
			t.Fatalf("good request %d with 20 slow bodies open: %d %s", i, resp.StatusCode, b)
		}
	}
	if resp, b := roundTrip(t, sv.addr, "GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n"); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"status":"ready"`)) {
		t.Errorf("/readyz with slow bodies open: %d %s", resp.StatusCode, b)
	}
}

// /readyz says saturated while every slot computes, and ready again after.
func TestReadyzReflectsSaturation(t *testing.T) {
	m := trainModel(t, 1)
	bs := &blockingScorer{Model: m, entered: make(chan struct{}, 2), release: make(chan struct{})}
	s, err := New(func() (*Model, error) {
		mm := FromSAE(m, "test-model")
		mm.Scorer = bs
		return mm, nil
	}, Options{MaxInFlight: 2})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	ready := func() (int, Readiness) {
		code, b := do(t, h, "GET", "/readyz", "", nil)
		var rd Readiness
		if err := json.Unmarshal(b, &rd); err != nil {
			t.Fatalf("/readyz: %v %s", err, b)
		}
		return code, rd
	}
	if code, rd := ready(); code != 200 || rd.Status != "ready" {
		t.Fatalf("idle: %d %+v", code, rd)
	}
	bs.armed.Store(true)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(t, h, "POST", "/v1/score", "application/json", []byte(goodBody))
		}()
		<-bs.entered
	}
	if code, rd := ready(); code != 503 || rd.Status != "saturated" || rd.InFlight != 2 {
		t.Errorf("two slots of two computing: %d %+v", code, rd)
	}
	if got := metricValue(t, h, "sae_ready"); got != 0 {
		t.Errorf("sae_ready %g while saturated", got)
	}
	close(bs.release)
	wg.Wait()
	if code, rd := ready(); code != 200 || rd.InFlight != 0 || rd.MemoryBytes != 0 {
		t.Errorf("after: %d %+v", code, rd)
	}
	s.draining.Store(true)
	if code, rd := ready(); code != 503 || rd.Status != "draining" {
		t.Errorf("draining: %d %+v", code, rd)
	}
}

// Defect 2: 30 requests that declare 16 MiB bodies and send 12 bytes used
// to make the server allocate 30 x 16 MiB at once; the buffers now grow
// with the bytes that arrive.
func TestDeclaredLengthAllocatesNothing(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{MaxBody: 16 << 20, ReadTimeout: 20 * time.Second})
	sv := serve(t, s)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 30; i++ {
		c := dial(t, sv.addr, 20*time.Second)
		io.WriteString(c, "POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 16777216\r\n\r\n{\"inputs\":[[")
	}
	eventually(t, "30 bodies being read", func() bool { return s.metrics.reading.Load() == 30 })
	runtime.ReadMemStats(&after)
	if a := after.TotalAlloc - before.TotalAlloc; a > 8<<20 {
		t.Errorf("30 requests of 12 bytes declaring 16 MiB each: %d MiB allocated", a>>20)
	}
	if r := s.mem.used.Load(); r > 30*4096 {
		t.Errorf("%d bytes reserved for 30 bodies of 12 bytes", r)
	}
}

// One memory budget over all requests in flight: bodies beyond it are
// refused with 503 (reason memory), the reservations never exceed it,
// /readyz says saturated meanwhile, and everything is given back after.
func TestMemoryBudget(t *testing.T) {
	m := trainModel(t, 1)
	const budgetBytes = 4 << 20
	s := newTestServer(t, m, Options{MaxBody: 2 << 20, MaxMemory: budgetBytes, ReadTimeout: 20 * time.Second})
	sv := serve(t, s)
	runtime.GC() // twice: empties the buffer pool, whose buffers would count
	runtime.GC()
	chunk := `{"inputs":[[` + strings.Repeat("0.5,", (3<<19)/4) // 1.5 MiB
	var refused atomic.Int32
	var wg sync.WaitGroup
	conns := make([]net.Conn, 5)
	for i := range conns {
		c := dial(t, sv.addr, 20*time.Second)
		conns[i] = c
		io.WriteString(c, fmt.Sprintf("POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 2<<20-1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.WriteString(c, chunk) // fails once the server has answered 503
		}()
		// Each body that fits holds a 2 MiB buffer: two fit, the others
		// are refused.
		eventually(t, fmt.Sprintf("body %d held or refused", i), func() bool {
			u, held := s.mem.used.Load(), int64(min(i+1, 2))*(2<<20)
			return s.metrics.reading.Load() == int64(min(i+1, 2)) && u >= held && u < held+64<<10 &&
				s.metrics.rejected[reasonMemory].Load() == uint64(max(0, i-1))
		})
	}
	for _, c := range conns[2:] {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 503 || !bytes.Contains(b, []byte("memory budget")) {
			t.Errorf("answer %d %s", resp.StatusCode, b)
		}
		refused.Add(1)
	}
	if refused.Load() != 3 {
		t.Errorf("%d connections got the 503, want 3", refused.Load())
	}
	if p := s.mem.peak.Load(); p > budgetBytes {
		t.Errorf("peak reservation %d > budget %d", p, budgetBytes)
	}
	code, b := do(t, s.Handler(), "GET", "/readyz", "", nil)
	if code != 503 || !bytes.Contains(b, []byte("memory budget")) {
		t.Errorf("/readyz with the budget spent: %d %s", code, b)
	}
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	eventually(t, "the budget given back", func() bool { return s.mem.used.Load() == 0 })
	if resp, b := roundTrip(t, sv.addr, scoreRequest(goodBody)); resp.StatusCode != 200 {
		t.Errorf("after: %d %s", resp.StatusCode, b)
	}
}

// A batch whose working memory alone exceeds the budget is a 413 that
// says so, not a 503 to retry.
func TestBatchLargerThanBudget(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{MaxBody: 64 << 10, MaxMemory: 64 << 10})
	rows, _ := randomRows(rand.New(rand.NewPCG(1, 1)), 400, testWidth)
	for i := range rows {
		for j := range rows[i] {
			rows[i][j] = 0
		}
	}
	code, b := do(t, s.Handler(), "POST", "/v1/encode", "application/json", inputsBody(rows))
	checkError(t, code, b, 413, "more than the memory budget of 65536")
}

// Defect 5: SIGTERM used to close keep-alive connections between two
// requests of a client, which lost the request it had just sent (15 of 16
// clients under load). Now answers say Connection: close for a while
// first: every client is told, none loses a request.
func TestShutdownDrainsKeepAlive(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{DrainTimeout: 10 * time.Second})
	sv := serve(t, s)
	const clients = 16
	var dropped, told, answered atomic.Int64
	var wg sync.WaitGroup
	var errs sync.Map
	req := scoreRequest(goodBody)
	for i := 0; i < clients; i++ {
		c := dial(t, sv.addr, 20*time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReader(c)
			for {
				if _, err := io.WriteString(c, req); err != nil {
					dropped.Add(1)
					errs.Store(err.Error(), true)
					return
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					dropped.Add(1)
					errs.Store(err.Error(), true)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered.Add(1)
				if resp.Close {
					told.Add(1)
					return
				}
			}
		}()
	}
	eventually(t, "some load", func() bool { return answered.Load() > 200 })
	sv.cancel()
	wg.Wait()
	if err := sv.wait(t, 15*time.Second); err != nil {
		t.Errorf("Serve: %v", err)
	}
	if dropped.Load() != 0 || told.Load() != clients {
		var msgs []string
		errs.Range(func(k, _ any) bool { msgs = append(msgs, k.(string)); return true })
		t.Errorf("%d of %d keep-alive clients lost a request (%v), %d were told Connection: close", dropped.Load(), clients, msgs, told.Load())
	}
}

// Defect 4, the server's part: a reload that never returns (a model file
// on a hung mount) used to block the loop that also waits for SIGTERM.
// Requests are still answered meanwhile and shutdown still works.
func TestReloadHangKeepsServing(t *testing.T) {
	m := trainModel(t, 1)
	var calls atomic.Int32
	entered, hang := make(chan struct{}), make(chan struct{})
	defer close(hang)
	s, err := New(func() (*Model, error) {
		if calls.Add(1) > 1 {
			close(entered)
			<-hang
			return nil, errors.New("hung")
		}
		return FromSAE(m, "test-model"), nil
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sv := serve(t, s)
	sv.reload <- syscall.SIGHUP
	<-entered
	if resp, b := roundTrip(t, sv.addr, scoreRequest(goodBody)); resp.StatusCode != 200 {
		t.Fatalf("during a hung reload: %d %s", resp.StatusCode, b)
	}
	sv.reload <- syscall.SIGHUP // coalesced behind the hung one
	sv.cancel()
	if err := sv.wait(t, 10*time.Second); err != nil { // fails the test if Serve ignores the shutdown
		t.Errorf("Serve: %v", err)
	}
}

// Acceptance 4, the server's part: a reload from each malformed model
// directory of the table is refused within seconds, in one line naming
// the file, and the old model keeps answering exactly as before.
func TestReloadMalformed(t *testing.T) {
	root := t.TempDir()
	good, served := filepath.Join(root, "good"), filepath.Join(root, "served")
	m := trainModel(t, 1)
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(served); err != nil {
		t.Fatal(err)
	}
	gm, err := malformed.Read(good)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(LoadDir(served), Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	rows, x := randomRows(rand.New(rand.NewPCG(3, 3)), 4, testWidth)
	for i, c := range malformed.Cases() {
		os.RemoveAll(served)
		closer, err := c.Build(served, gm)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Reload() }()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the reload has not returned after 10 s", c.Name)
		}
		closer()
		path := served
		if c.File != "" {
			path = filepath.Join(served, c.File)
		}
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), path+":") || !strings.Contains(err.Error(), c.Want) {
			t.Errorf("%s: reload error %v, want one line starting %s: and holding %q", c.Name, err, path, c.Want)
		}
		checkAnswers(t, h, m, rows, x)
		if got := s.metrics.reloadsFailed.Load(); got != uint64(i+1) {
			t.Fatalf("%s: %d failed reloads counted, want %d", c.Name, got, i+1)
		}
	}
}

// Defect 8: what net/http answers itself for a request it cannot read is
// JSON with a request id, like every other refusal, and counted.
func TestLibraryErrorsAreJSON(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{})
	sv := serve(t, s)
	for _, c := range []struct {
		name, req string
		status    int
		msg       string
	}{
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 431, "request headers: larger than the limit of 16384 bytes"},
		{"HTTP version", "GET /healthz HTTP/3.0\r\nHost: test\r\n\r\n", 505, "HTTP version: not supported"},
		{"two lengths", "POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "malformed HTTP request"},
		{"transfer encoding", "POST /v1/score HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "Transfer-Encoding: not supported"},
		{"no host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "malformed HTTP request: missing required Host header"},
		{"garbage", "\x16\x03\x01 hello\r\n\r\n", 400, "malformed HTTP request"},
		{"request target *", "GET * HTTP/1.1\r\nHost: test\r\n\r\n", 400, "request target *"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, b := roundTrip(t, sv.addr, c.req)
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q: %s", ct, b)
			}
			if id := resp.Header.Get("X-Request-Id"); id == "" {
				t.Errorf("no X-Request-Id")
			}
			checkError(t, resp.StatusCode, b, c.status, c.msg)
		})
	}
	if got := metricValue(t, s.Handler(), `sae_http_requests_rejected_total{reason="malformed_http"}`); got != 6 {
		t.Errorf("malformed_http refusals counted %g, want 6", got)
	}
}

// Defect 8: listening on every interface is said in the log.
func TestAllInterfacesWarning(t *testing.T) {
	m := trainModel(t, 1)
	for _, c := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		var logs syncBuffer
		s := newTestServer(t, m, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		ln, err := net.Listen("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Serve(ctx, ln, nil); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "listening on every network interface"); got != c.warn {
			t.Errorf("%s: warning %v, want %v:\n%s", c.addr, got, c.warn, logs.String())
		}
	}
}

// A body that does not arrive within ReadTimeout is a 408 in JSON, even
// when WriteTimeout, counted from the end of the headers, would have run
// out as well (the answer was lost, and the connection closed silently).
func TestBodyTimeout(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	sv := serve(t, s)
	c := dial(t, sv.addr, 10*time.Second)
	io.WriteString(c, "POST /v1/score HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inp")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	checkError(t, resp.StatusCode, b, 408, "body: not received within the read timeout (300ms)")
	if got := metricValue(t, s.Handler(), `sae_http_requests_rejected_total{reason="body_timeout"}`); got != 1 {
		t.Errorf("body_timeout counted %g", got)
	}
}

// Connections beyond MaxConns, or MaxConnsPerClient from one address, get
// a 503 in JSON and are closed; the others are served.
func TestConnectionLimits(t *testing.T) {
	m := trainModel(t, 1)
	for _, c := range []struct {
		opt    Options
		reason string
		msg    string
	}{
		{Options{MaxConns: 2}, "connections", "overloaded: 2 connections are open"},
		{Options{MaxConnsPerClient: 2}, "client_connections", "too many connections: 2 are open from your address"},
	} {
		s := newTestServer(t, m, c.opt)
		sv := serve(t, s)
		a, b := dial(t, sv.addr, 10*time.Second), dial(t, sv.addr, 10*time.Second)
		eventually(t, "two connections", func() bool { return s.metrics.conns.Load() == 2 })
		third := dial(t, sv.addr, 10*time.Second)
		resp, err := http.ReadResponse(bufio.NewReader(third), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		checkError(t, resp.StatusCode, body, 503, c.msg)
		if resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("headers %v", resp.Header)
		}
		a.Close()
		eventually(t, "a connection freed", func() bool { return s.metrics.conns.Load() == 1 })
		if resp, body := roundTrip(t, sv.addr, scoreRequest(goodBody)); resp.StatusCode != 200 {
			t.Errorf("after one closed: %d %s", resp.StatusCode, body)
		}
		b.Close()
		if got := metricValue(t, s.Handler(), `sae_http_requests_rejected_total{reason="`+c.reason+`"}`); got != 1 {
			t.Errorf("%s counted %g", c.reason, got)
		}
	}
}

// Every answer has an X-Request-Id: the client's when sane, else a new
// one.
func TestRequestID(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{})
	h := s.Handler()
	send := func(method, path, ct, id string, body []byte) string {
		r, _ := http.NewRequest(method, path, bytes.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		if id != "" {
			r.Header.Set("X-Request-Id", id)
		}
		w := &recorder{h: http.Header{}}
		h.ServeHTTP(w, r)
		return w.h.Get("X-Request-Id")
	}
	generated := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-z]+$`)
	if got := send("POST", "/v1/score", "application/json", "trace-42:a/b+c=@.", []byte(goodBody)); got != "trace-42:a/b+c=@." {
		t.Errorf("client id became %q", got)
	}
	seen := map[string]bool{}
	for _, c := range []struct{ method, path, ct, id string }{
		{"POST", "/v1/score", "application/json", ""},
		{"POST", "/v1/score", "text/plain", ""},
		{"GET", "/nowhere", "", ""},
		{"GET", "/healthz", "", "has space"},
		{"GET", "/metrics", "", strings.Repeat("a", 129)},
		{"GET", "/v1/model", "", "new\nline"},
	} {
		got := send(c.method, c.path, c.ct, c.id, []byte(goodBody))
		if !generated.MatchString(got) || seen[got] {
			t.Errorf("%s %s with id %q: answer's id %q", c.method, c.path, c.id, got)
		}
		seen[got] = true
	}
}

// recorder is a minimal ResponseWriter.
type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// One access log line per request, with the fields an operator needs;
// LogSample < 0 keeps only the 5xx.
func TestAccessLog(t *testing.T) {
	m := trainModel(t, 1)
	var logs syncBuffer
	s := newTestServer(t, m, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h := s.Handler()
	do(t, h, "POST", "/v1/score", "application/json", []byte(`{"inputs":[[1,2,3,4,5,6,7,8],[0,0,0,0,0,0,0,0]]}`))
	do(t, h, "POST", "/v1/encode", "application/json", []byte(`{"inputs":[[1]]}`))
	do(t, h, "GET", "/nowhere/"+strings.Repeat("x", 300), "", nil)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if e["msg"] == "request" {
			lines = append(lines, e)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d request lines:\n%s", len(lines), logs.String())
	}
	for i, want := range []map[string]any{
		{"level": "INFO", "method": "POST", "route": "/v1/score", "status": 200.0, "rows": 2.0, "bytes_in": 48.0},
		{"level": "INFO", "method": "POST", "route": "/v1/encode", "status": 400.0, "rows": 0.0, "reason": "bad_request"},
		{"level": "INFO", "method": "GET", "route": "other", "status": 404.0, "reason": "not_found"},
	} {
		for k, v := range want {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v (%v)", i, k, lines[i][k], v, lines[i])
			}
		}
		for _, k := range []string{"id", "duration_ms", "remote", "time"} {
			if _, ok := lines[i][k]; !ok {
				t.Errorf("line %d has no %s: %v", i, k, lines[i])
			}
		}
	}
	if p, _ := lines[2]["path"].(string); len(p) != 203 {
		t.Errorf("a 404's path is logged clipped to 200 bytes: %q", p)
	}

	var quiet syncBuffer
	fake := &fakeScorer{out: 1}
	s, err := New(func() (*Model, error) {
		return &Model{Scorer: fake, Inputs: 2, Hidden: 2, Threshold: 0.5, Source: "fake"}, nil
	}, Options{Logger: slog.New(slog.NewJSONHandler(&quiet, nil)), LogSample: -1})
	if err != nil {
		t.Fatal(err)
	}
	do(t, s.Handler(), "POST", "/v1/score", "application/json", []byte(`{"inputs":[[1,2]]}`))
	do(t, s.Handler(), "GET", "/nowhere", "", nil)
	fake.panic = true
	do(t, s.Handler(), "POST", "/v1/encode", "application/json", []byte(`{"inputs":[[1,2]]}`))
	if n := strings.Count(quiet.String(), `"msg":"request"`); n != 1 || !strings.Contains(quiet.String(), `"status":500`) {
		t.Errorf("with LogSample -1, want only the 500 logged:\n%s", quiet.String())
	}
}

// With a process budget, requests get what the model, the runtime and
// the connections leave; a budget that leaves less than a body is refused
// at the start.
func TestProcessMemory(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{ProcessMemory: 512 << 20, MaxConns: 100})
	rss, _ := residentBytes()
	left := int64(512<<20) - rss - 100*ConnMemory - budgetSlack
	if d := s.mem.max - left; d < -16<<20 || d > 16<<20 || s.MemoryLimit() > 512<<20 || s.MemoryLimit() < 400<<20 {
		t.Errorf("requests get %d of 512 MiB (about %d expected), the runtime limit is %d", s.mem.max, left, s.MemoryLimit())
	}
	_, err := New(func() (*Model, error) { return FromSAE(m, "m"), nil }, Options{ProcessMemory: rss + 1<<20})
	if err == nil || !strings.Contains(err.Error(), "is too small") {
		t.Errorf("a budget below the process's size: %v", err)
	}
	s = newTestServer(t, m, Options{})
	if s.mem.max != 256<<20 || s.MemoryLimit() < 256<<20+1024*ConnMemory {
		t.Errorf("default: requests %d, limit %d", s.mem.max, s.MemoryLimit())
	}
}
