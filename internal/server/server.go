// Package server is sae's HTTP service: JSON encode, reconstruct and score
// endpoints over a Scorer, health and model information, Prometheus
// metrics, model reload with an atomic swap, graceful shutdown.
//
// Routes:
//
//	POST /v1/encode       {"inputs": [[...], ...]} -> {"codes": [[...], ...]}
//	POST /v1/reconstruct  {"inputs": [[...], ...]} -> {"reconstructions": [[...], ...]}
//	POST /v1/score        {"inputs": [[...], ...]} -> {"scores": [...], "anomalous": [...], "threshold": t}
//	GET  /healthz         {"status": "ok"}
//	GET  /v1/model        the served model: widths, threshold, configuration, limits
//	GET  /metrics         Prometheus text format
//
// Every refusal is a 4xx with a JSON body {"error": "..."} that names the
// field at fault. The model is shared read-only by all requests; each
// request takes its buffers from a pool and the model pointer from an
// atomic load, so the request path takes no lock.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sae-go/sae"
)

// Scorer is what the service needs of a model: *sae.Model is one. The
// methods must be safe for concurrent use.
type Scorer interface {
	Encode(x sae.Matrix) (sae.Matrix, error)
	Reconstruct(x sae.Matrix) (sae.Matrix, error)
	Score(x sae.Source) ([]float64, error)
}

var _ Scorer = (*sae.Model)(nil)

// Model is a Scorer with what clients are told about it.
type Model struct {
	Scorer      Scorer
	Inputs      int     // values per input row
	Hidden      int     // values per code
	Threshold   float64 // rows scoring above it are anomalous
	Source      string  // where it was loaded from
	Description string  // one line
	Config      any     // training configuration, shown by /v1/model
	NoThreshold bool    // imported without a threshold: it is 0, every row with an error is anomalous

	loadedAt time.Time
}

// FromSAE describes m, loaded from dir.
func FromSAE(m *sae.Model, dir string) *Model {
	return &Model{Scorer: m, Inputs: m.Inputs, Hidden: m.Hidden(), Threshold: m.Threshold,
		Source: dir, Description: m.String(), Config: m.Config,
		NoThreshold: m.History == nil && m.Threshold == 0}
}

// Loader loads the model to serve; Reload calls it again.
type Loader func() (*Model, error)

// LoadDir loads the sae model directory dir.
func LoadDir(dir string) Loader {
	return func() (*Model, error) {
		m, err := sae.Load(dir)
		if err != nil {
			return nil, err
		}
		return FromSAE(m, dir), nil
	}
}

// Options are the service's limits and timeouts; zero fields take the
// defaults named.
type Options struct {
	MaxBody     int64 // largest request body in bytes (16 MiB)
	MaxBatch    int   // most rows in one request (1024)
	MaxInFlight int   // model requests answered at once; more get 503 (256)

	ReadHeaderTimeout time.Duration // to read a request's headers (5s)
	ReadTimeout       time.Duration // to read a whole request (30s)
	WriteTimeout      time.Duration // from the end of the headers to the end of the answer (30s)
	IdleTimeout       time.Duration // keep-alive connections idle this long are closed (120s)
	ShutdownTimeout   time.Duration // the wait for requests in flight at shutdown (30s)

	Logger *slog.Logger // nil: no logs
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 16 << 20
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1024
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 256
	}
	def(&o.ReadHeaderTimeout, 5*time.Second)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.IdleTimeout, 120*time.Second)
	def(&o.ShutdownTimeout, 30*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Server answers requests with the model it holds.
type Server struct {
	load    Loader
	opt     Options
	log     *slog.Logger
	model   atomic.Pointer[Model]
	metrics serverMetrics
	reload  sync.Mutex // one reload at a time
	handler http.Handler
}

// New loads the model and returns a server for it.
func New(load Loader, opt Options) (*Server, error) {
	opt.defaults()
	s := &Server{load: load, opt: opt, log: opt.Logger}
	m, err := s.loadChecked()
	if err != nil {
		return nil, err
	}
	s.model.Store(m)
	s.handler = s.routes()
	return s, nil
}

// Model returns the model being served.
func (s *Server) Model() *Model { return s.model.Load() }

// loadChecked loads a model and tries it on one row before it may serve.
func (s *Server) loadChecked() (*Model, error) {
	m, err := s.load()
	if err != nil {
		return nil, err
	}
	if m.Inputs < 1 || m.Hidden < 1 {
		return nil, fmt.Errorf("%s: model widths %d -> %d", m.Source, m.Inputs, m.Hidden)
	}
	if err := tryModel(m); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Source, err)
	}
	if m.NoThreshold {
		s.log.Warn("the model has no anomaly threshold (imported without --data): /v1/score marks every row with an error anomalous", "source", m.Source)
	}
	m.loadedAt = time.Now()
	return m, nil
}

// tryModel scores a row of zeros and checks the answers' shapes.
func tryModel(m *Model) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the model fails on a row of zeros: %v", r)
		}
	}()
	x := sae.NewMatrix(1, m.Inputs)
	scores, err := m.Scorer.Score(x)
	if err != nil {
		return err
	}
	if len(scores) != 1 || math.IsNaN(scores[0]) {
		return fmt.Errorf("the model scores a row of zeros as %v", scores)
	}
	codes, err := m.Scorer.Encode(x)
	if err != nil {
		return err
	}
	if codes.Rows != 1 || codes.Cols != m.Hidden {
		return fmt.Errorf("the model encodes a row as %d x %d, want 1 x %d", codes.Rows, codes.Cols, m.Hidden)
	}
	return nil
}

// Reload loads the model again and swaps it in. On any error the model
// being served stays; the error is logged, counted in /metrics and
// returned. Requests in flight finish with the model they started with.
func (s *Server) Reload() error {
	s.reload.Lock()
	defer s.reload.Unlock()
	old := s.model.Load()
	m, err := s.loadChecked()
	if err != nil {
		s.metrics.reloadsFailed.Add(1)
		s.metrics.lastReloadErr.Store(time.Now().Unix())
		s.log.Error("model reload failed; the old model keeps serving", "error", err.Error(), "model", old.Description, "source", old.Source)
		return err
	}
	s.model.Store(m)
	s.metrics.reloadsOK.Add(1)
	s.log.Info("model reloaded", "model", m.Description, "source", m.Source, "inputs", m.Inputs, "hidden", m.Hidden, "threshold", m.Threshold)
	if m.Inputs != old.Inputs {
		s.log.Warn("the reloaded model takes rows of a different width", "old_inputs", old.Inputs, "inputs", m.Inputs)
	}
	return nil
}

// Handler is the route table.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	post := func(path string, rt route) {
		mux.Handle("POST "+path, s.wrap(rt, func(w http.ResponseWriter, r *http.Request) int { return s.compute(rt, w, r) }))
		mux.Handle(path, s.wrap(rt, notAllowed("POST")))
	}
	get := func(path string, rt route, h func(w http.ResponseWriter, r *http.Request) int) {
		mux.Handle("GET "+path, s.wrap(rt, h))
		mux.Handle(path, s.wrap(rt, notAllowed("GET, HEAD")))
	}
	post("/v1/encode", routeEncode)
	post("/v1/reconstruct", routeReconstruct)
	post("/v1/score", routeScore)
	get("/healthz", routeHealthz, s.healthz)
	get("/v1/model", routeModel, s.modelInfo)
	get("/metrics", routeMetrics, s.metricsPage)
	mux.Handle("/", s.wrap(routeOther, func(w http.ResponseWriter, r *http.Request) int {
		return writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s; the service answers POST /v1/encode, /v1/reconstruct, /v1/score and GET /healthz, /v1/model, /metrics", r.Method, r.URL.Path))
	}))
	return mux
}

// wrap counts, times and logs a handler that returns the status it wrote,
// and turns a panic into a 500.
func (s *Server) wrap(rt route, h func(w http.ResponseWriter, r *http.Request) int) http.Handler {
	stats := &s.metrics.routes[rt]
	model := rt <= routeScore
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := http.StatusInternalServerError
		n := s.metrics.inFlight.Add(1)
		defer func() {
			s.metrics.inFlight.Add(-1)
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.metrics.panics.Add(1)
				s.log.Error("handler panic", "route", routeNames[rt], "panic", fmt.Sprint(p))
				code = writeError(w, http.StatusInternalServerError, "internal error")
			}
			d := time.Since(start)
			stats.observe(code, d)
			level := slog.LevelDebug
			if code >= 500 {
				level = slog.LevelError
			}
			if s.log.Enabled(r.Context(), level) {
				s.log.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", code), slog.Duration("duration", d), slog.String("remote", r.RemoteAddr))
			}
		}()
		if model && n > int64(s.opt.MaxInFlight) {
			s.metrics.rejected.Add(1)
			w.Header().Set("Retry-After", "1")
			code = writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("overloaded: %d requests in flight; retry later", s.opt.MaxInFlight))
			return
		}
		code = h(w, r)
	})
}

func notAllowed(allow string) func(w http.ResponseWriter, r *http.Request) int {
	return func(w http.ResponseWriter, r *http.Request) int {
		w.Header().Set("Allow", allow)
		return writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed; use %s", r.Method, r.URL.Path, allow))
	}
}

// scratch is one request's buffers.
type scratch struct {
	body []byte
	x    []float32
	out  []byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Buffers above these sizes are dropped instead of pooled, so that one
// large batch does not keep its memory for good.
const (
	poolMaxBytes  = 1 << 20
	poolMaxFloats = 1 << 18
)

func putScratch(sc *scratch) {
	if cap(sc.body) > poolMaxBytes {
		sc.body = nil
	}
	if cap(sc.x) > poolMaxFloats {
		sc.x = nil
	}
	if cap(sc.out) > poolMaxBytes {
		sc.out = nil
	}
	scratchPool.Put(sc)
}

var jsonContentType = []string{"application/json"}

// compute answers the three model routes.
func (s *Server) compute(rt route, w http.ResponseWriter, r *http.Request) int {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return writeRequestError(w, err)
	}
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	body, err := readBody(r, s.opt.MaxBody, sc.body[:0])
	if body != nil {
		sc.body = body
	}
	if err != nil {
		return writeRequestError(w, err)
	}
	m := s.model.Load()
	x, rows, err := parseInputs(body, m.Inputs, s.opt.MaxBatch, sc.x)
	if err != nil {
		return writeRequestError(w, err)
	}
	sc.x = x
	in := sae.Matrix{Rows: rows, Cols: m.Inputs, Data: x}
	out := sc.out[:0]
	switch rt {
	case routeScore:
		scores, err := m.Scorer.Score(in)
		if err != nil {
			return writeError(w, http.StatusInternalServerError, "score: "+err.Error())
		}
		for i, v := range scores {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("inputs[%d]: the score is not finite; are the values far outside the model's range?", i))
			}
		}
		out = append(out, `{"scores":[`...)
		for i, v := range scores {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendFloat(out, v, 'g', -1, 64)
		}
		out = append(out, `],"anomalous":[`...)
		flagged := 0
		for i, v := range scores {
			if i > 0 {
				out = append(out, ',')
			}
			if v > m.Threshold {
				out = append(out, "true"...)
				flagged++
			} else {
				out = append(out, "false"...)
			}
		}
		out = append(out, `],"threshold":`...)
		out = appendJSONFloat(out, m.Threshold)
		out = append(out, '}')
		s.metrics.flagged.Add(uint64(flagged))
	case routeEncode, routeReconstruct:
		f, key := m.Scorer.Encode, `{"codes":[`
		if rt == routeReconstruct {
			f, key = m.Scorer.Reconstruct, `{"reconstructions":[`
		}
		y, err := f(in)
		if err != nil {
			return writeError(w, http.StatusInternalServerError, routeNames[rt][4:]+": "+err.Error())
		}
		out = append(out, key...)
		for i := 0; i < y.Rows; i++ {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, '[')
			for j, v := range y.Row(i) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("inputs[%d]: the model's output is not finite; are the values far outside the model's range?", i))
				}
				if j > 0 {
					out = append(out, ',')
				}
				out = strconv.AppendFloat(out, float64(v), 'g', -1, 32)
			}
			out = append(out, ']')
		}
		out = append(out, "]}"...)
	}
	sc.out = out
	s.metrics.routes[rt].rows.Add(uint64(rows))
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	w.WriteHeader(http.StatusOK)
	w.Write(out)
	return http.StatusOK
}

// appendJSONFloat appends v, or null when JSON cannot hold it.
func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// checkContentType accepts application/json, with parameters or not.
func checkContentType(ct string) error {
	if ct == "application/json" {
		return nil
	}
	if ct == "" {
		return &requestError{http.StatusUnsupportedMediaType, "Content-Type: missing; send the body as application/json"}
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &requestError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type: %q is not application/json", ct)}
	}
	return nil
}

// readBody reads the request body into buf, up to limit bytes. It returns
// the buffer it used (grown or not) even with an error.
func readBody(r *http.Request, limit int64, buf []byte) ([]byte, error) {
	tooLarge := func() error {
		return &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than the limit of %d bytes; send smaller batches", limit)}
	}
	if r.ContentLength > limit {
		return buf, tooLarge()
	}
	if r.ContentLength > 0 && int64(cap(buf)) < r.ContentLength+1 {
		buf = make([]byte, 0, r.ContentLength+1)
	}
	rd := io.LimitReader(r.Body, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, tooLarge()
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, badRequest("body: %v", err)
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) int {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ModelInfo is the answer of GET /v1/model.
type ModelInfo struct {
	Source      string    `json:"source"`
	Description string    `json:"description"`
	Inputs      int       `json:"inputs"`
	Hidden      int       `json:"hidden"`
	Threshold   *float64  `json:"threshold"` // null if not finite
	LoadedAt    time.Time `json:"loaded_at"`
	Config      any       `json:"config,omitempty"`
	MaxBatch    int       `json:"max_batch"`
	MaxBody     int64     `json:"max_body_bytes"`
}

func (s *Server) modelInfo(w http.ResponseWriter, r *http.Request) int {
	m := s.model.Load()
	info := ModelInfo{Source: m.Source, Description: m.Description, Inputs: m.Inputs, Hidden: m.Hidden,
		LoadedAt: m.loadedAt.UTC().Truncate(time.Millisecond), Config: m.Config, MaxBatch: s.opt.MaxBatch, MaxBody: s.opt.MaxBody}
	if t := m.Threshold; !math.IsNaN(t) && !math.IsInf(t, 0) {
		info.Threshold = &t
	}
	return writeJSON(w, http.StatusOK, info)
}

func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) int {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := s.writeMetrics(w); err != nil {
		s.log.Debug("writing /metrics", "error", err.Error())
	}
	return http.StatusOK
}

func writeJSON(w http.ResponseWriter, code int, v any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "784 -> 256", not "784 -\u003e 256"
	if err := enc.Encode(v); err != nil {
		return writeError(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
	}
	b := buf.Bytes()
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(code)
	w.Write(b)
	return code
}

// writeError answers {"error": msg} with the status code.
func writeError(w http.ResponseWriter, code int, msg string) int {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	b = append(b, '\n')
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(code)
	w.Write(b)
	return code
}

func writeRequestError(w http.ResponseWriter, err error) int {
	var re *requestError
	if errors.As(err, &re) {
		return writeError(w, re.status, re.msg)
	}
	return writeError(w, http.StatusBadRequest, err.Error())
}

// Serve answers on ln until ctx is done, then stops accepting connections
// and waits up to ShutdownTimeout for the requests in flight to finish.
// Each value received on reload reloads the model (see Reload). It returns
// nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener, reload <-chan os.Signal) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opt.ReadHeaderTimeout,
		ReadTimeout:       s.opt.ReadTimeout,
		WriteTimeout:      s.opt.WriteTimeout,
		IdleTimeout:       s.opt.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	m := s.model.Load()
	s.log.Info("serving", "addr", ln.Addr().String(), "model", m.Description, "source", m.Source,
		"max_batch", s.opt.MaxBatch, "max_body_bytes", s.opt.MaxBody, "max_inflight", s.opt.MaxInFlight)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	for {
		select {
		case <-reload:
			s.log.Info("reloading the model", "source", s.model.Load().Source)
			s.Reload()
		case err := <-errc:
			return fmt.Errorf("serve %s: %w", ln.Addr(), err)
		case <-ctx.Done():
			s.log.Info("shutting down: no new connections, waiting for requests in flight", "timeout", s.opt.ShutdownTimeout.String())
			sctx, cancel := context.WithTimeout(context.Background(), s.opt.ShutdownTimeout)
			defer cancel()
			err := hs.Shutdown(sctx)
			<-errc
			if err != nil {
				hs.Close()
				return fmt.Errorf("shutdown: requests still running after %v were cut off", s.opt.ShutdownTimeout)
			}
			s.log.Info("stopped")
			return nil
		}
	}
}
