package server

// Serve: the listener (connection limits, TLS, JSON for the errors
// net/http writes itself), reload on a signal without blocking the loop,
// and the drain at shutdown.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxHeaderBytes bounds a request's headers (431 beyond).
const maxHeaderBytes = 16 << 10

// Serve answers on ln until ctx is done, then drains and stops (see the
// package documentation). Each value received on reload reloads the
// model, tokens and certificate (see Reload) in the background; a signal
// that arrives during a reload is answered by one more reload after it.
// It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener, reload <-chan os.Signal) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opt.ReadHeaderTimeout,
		ReadTimeout:       s.opt.ReadTimeout,
		WriteTimeout:      s.opt.WriteTimeout,
		IdleTimeout:       s.opt.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	l := &listener{Listener: ln, s: s, perClient: map[string]int{}}
	scheme := "http"
	if s.cert.Load() != nil {
		l.tls = s.tlsConfig()
		scheme = "https"
	}
	m := s.model.Load()
	s.log.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "model", m.Description, "source", m.Source,
		"max_batch", s.opt.MaxBatch, "max_body_bytes", s.opt.MaxBody, "max_inflight", s.opt.MaxInFlight, "request_memory_bytes", s.opt.MaxMemory, "process_memory_bytes", s.opt.ProcessMemory,
		"max_conns", s.opt.MaxConns, "max_conns_per_client", s.opt.MaxConnsPerClient, "auth", s.tokens.Load() != nil)
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && (ta.IP == nil || ta.IP.IsUnspecified()) {
		s.log.Warn("listening on every network interface: any host that reaches this port can use the service",
			"addr", ln.Addr().String(), "auth", s.tokens.Load() != nil, "tls", l.tls != nil)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	reloaded := make(chan struct{}, 1)
	reloading, pending := false, false
	startReload := func() {
		reloading = true
		s.log.Info("reloading", "source", s.model.Load().Source)
		go func() {
			s.Reload()
			reloaded <- struct{}{}
		}()
	}
	for {
		select {
		case <-reload:
			if reloading {
				pending = true
				s.log.Info("a reload is running; another will follow it")
				continue
			}
			startReload()
		case <-reloaded:
			reloading = false
			if pending {
				pending = false
				startReload()
			}
		case err := <-errc:
			return fmt.Errorf("serve %s: %w", ln.Addr(), err)
		case <-ctx.Done():
			if reloading {
				s.log.Warn("shutting down with a reload still running (a model file that does not answer?)")
			}
			return s.shutdown(hs, l, errc)
		}
	}
}

// shutdown drains: answers say Connection: close for up to DrainTimeout
// (less once no connection is open), then the listener and idle
// connections are closed and the requests in flight get ShutdownTimeout.
func (s *Server) shutdown(hs *http.Server, l *listener, errc <-chan error) error {
	s.draining.Store(true)
	s.log.Info("draining: answers carry Connection: close", "open_connections", l.open.Load(), "drain", s.opt.DrainTimeout.String())
	deadline := time.Now().Add(s.opt.DrainTimeout)
	for l.open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	s.log.Info("shutting down: no new connections, waiting for requests in flight", "open_connections", l.open.Load(), "timeout", s.opt.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.opt.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(ctx)
	<-errc
	if err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: requests still running after %v were cut off", s.opt.ShutdownTimeout)
	}
	s.log.Info("stopped")
	return nil
}

// listener admits connections within the limits and wraps them.
type listener struct {
	net.Listener
	s    *Server
	tls  *tls.Config // nil: plain HTTP
	open atomic.Int64

	mu        sync.Mutex
	perClient map[string]int
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client := hostOf(c.RemoteAddr())
		if why := l.admit(client); why != reasonNone {
			go l.refuse(c, why)
			continue
		}
		wc := &conn{Conn: c, raw: c, l: l, client: client}
		if l.tls != nil {
			wc.tls = tls.Server(c, l.tls)
			wc.Conn = wc.tls
		}
		return wc, nil
	}
}

// admit counts a new connection from client, or says why it is refused.
func (l *listener) admit(client string) reason {
	o := l.s.opt
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open.Load() >= int64(o.MaxConns) {
		return reasonConnections
	}
	if o.MaxConnsPerClient > 0 && l.perClient[client] >= o.MaxConnsPerClient {
		return reasonClientConnections
	}
	l.open.Add(1)
	l.s.metrics.conns.Add(1)
	l.perClient[client]++
	return reasonNone
}

func (l *listener) release(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open.Add(-1)
	l.s.metrics.conns.Add(-1)
	if l.perClient[client]--; l.perClient[client] <= 0 {
		delete(l.perClient, client)
	}
}

// refuse answers a connection over the limits with a 503 and closes it.
func (l *listener) refuse(c net.Conn, why reason) {
	s := l.s
	s.metrics.rejected[why].Add(1)
	msg := fmt.Sprintf("overloaded: %d connections are open; retry later", s.opt.MaxConns)
	if why == reasonClientConnections {
		msg = fmt.Sprintf("too many connections: %d are open from your address; reuse them", s.opt.MaxConnsPerClient)
	}
	id := s.ids.next()
	s.logConn(c.RemoteAddr().String(), id, http.StatusServiceUnavailable, why, msg)
	c.SetDeadline(time.Now().Add(time.Second))
	if l.tls != nil {
		c.Close() // a TLS client would not read a plain answer
		return
	}
	c.Write(jsonResponse(http.StatusServiceUnavailable, id, msg, "Retry-After: 1\r\n"))
	// Half-close and read what the client sent, so that closing does not
	// reset the connection before the answer is read.
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
		io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}
	c.Close()
}

// logConn logs a refusal made before any request was read, as the access
// log does (sampled).
func (s *Server) logConn(remote, id string, code int, why reason, msg string) {
	if s.opt.LogSample < 1 && (s.opt.LogSample <= 0 || randFloat() >= s.opt.LogSample) {
		return
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", slog.String("id", id), slog.String("route", "-"),
		slog.Int("status", code), slog.String("remote", remote), slog.String("reason", reasonNames[why]), slog.String("error", msg))
}

// jsonResponse is a whole HTTP/1.1 answer {"error": msg} that closes the
// connection.
func jsonResponse(code int, id, msg, extra string) []byte {
	body := errorBody(msg)
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: %d\r\nContent-Type: application/json\r\n%sX-Content-Type-Options: nosniff\r\nX-Request-Id: %s\r\n\r\n",
		code, http.StatusText(code), len(body), extra, id)
	b.Write(body)
	return b.Bytes()
}

func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// conn is an accepted connection: the TLS handshake happens on its first
// read (so that a client speaking plain HTTP gets a JSON 400), and the
// plain-text answers net/http writes for requests it cannot parse are
// rewritten as JSON.
type conn struct {
	net.Conn           // raw, or tls over raw
	raw       net.Conn // the TCP connection
	tls       *tls.Conn
	l         *listener
	client    string
	handshook bool
	closed    atomic.Bool
}

func (c *conn) Read(p []byte) (int, error) {
	if c.tls != nil && !c.handshook {
		if err := c.tls.Handshake(); err != nil {
			c.handshakeFailed(err)
			return 0, io.EOF
		}
		c.handshook = true
	}
	return c.Conn.Read(p)
}

// ConnectionState lets net/http fill Request.TLS.
func (c *conn) ConnectionState() tls.ConnectionState {
	if c.tls == nil {
		return tls.ConnectionState{}
	}
	return c.tls.ConnectionState()
}

// CloseWrite half-closes the connection, as net/http does before closing
// one whose request body it did not read, so that the client reads the
// answer before the close.
func (c *conn) CloseWrite() error {
	if c.tls != nil {
		return c.tls.CloseWrite()
	}
	if cw, ok := c.raw.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *conn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.l.release(c.client)
	}
	return c.Conn.Close()
}

// handshakeFailed counts and logs a failed handshake, and answers a
// client that spoke plain HTTP to the TLS port.
func (c *conn) handshakeFailed(err error) {
	s := c.l.s
	s.metrics.rejected[reasonTLSHandshake].Add(1)
	id := s.ids.next()
	var re tls.RecordHeaderError
	if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader[:]) {
		msg := "this port speaks HTTPS: the request was sent as plain HTTP"
		s.logConn(c.raw.RemoteAddr().String(), id, http.StatusBadRequest, reasonTLSHandshake, msg)
		c.raw.SetWriteDeadline(time.Now().Add(time.Second))
		c.raw.Write(jsonResponse(http.StatusBadRequest, id, msg, ""))
		return
	}
	s.logConn(c.raw.RemoteAddr().String(), id, 0, reasonTLSHandshake, "TLS handshake: "+err.Error())
}

func looksLikeHTTP(h []byte) bool {
	for _, m := range []string{"GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH", "CONNE"} {
		if string(h) == m {
			return true
		}
	}
	return false
}

// libErrorHeaders are the headers of the answers net/http writes itself
// for a request it cannot read: "HTTP/1.1 <code> <text>" + libErrorHeaders
// + a one-line message. (Handlers' answers carry their headers sorted,
// Connection before Content-Type, so they never hold this sequence.)
const libErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *conn) Write(p []byte) (int, error) {
	if len(p) < 512 && bytes.HasPrefix(p, []byte("HTTP/1.1 ")) {
		if i := bytes.Index(p, []byte(libErrorHeaders)); i > 0 {
			if code, err := strconv.Atoi(string(p[9:12])); err == nil && code >= 400 && code < 600 {
				c.Conn.Write(c.l.s.rewriteLibError(c.raw.RemoteAddr().String(), code, string(p[i+len(libErrorHeaders):])))
				return len(p), nil
			}
		}
	}
	return c.Conn.Write(p)
}

// rewriteLibError turns net/http's own plain-text error answer into
// JSON, counted and logged like the others.
func (s *Server) rewriteLibError(remote string, code int, text string) []byte {
	var msg string
	switch code {
	case http.StatusRequestHeaderFieldsTooLarge:
		msg = fmt.Sprintf("request headers: larger than the limit of %d bytes", maxHeaderBytes)
	case http.StatusNotImplemented:
		msg = "Transfer-Encoding: not supported; send the body with Content-Length or chunked"
	case http.StatusHTTPVersionNotSupported:
		msg = "HTTP version: not supported; use HTTP/1.1"
	default:
		prefix := strconv.Itoa(code) + " " + http.StatusText(code)
		detail, _ := bytes.CutPrefix([]byte(text), []byte(prefix))
		msg = "malformed HTTP request"
		if d := string(bytes.TrimPrefix(detail, []byte(": "))); d != "" {
			msg += ": " + clipString(d, 200)
		}
	}
	s.metrics.rejected[reasonMalformedHTTP].Add(1)
	id := s.ids.next()
	s.logConn(remote, id, code, reasonMalformedHTTP, msg)
	return jsonResponse(code, id, msg, "")
}
