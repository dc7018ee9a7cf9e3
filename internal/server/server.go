// Package server is sae's HTTP service: JSON encode, reconstruct and score
// endpoints over a Scorer, health, readiness and model information,
// Prometheus metrics, model reload with an atomic swap, graceful drain.
//
// Routes:
//
//	POST /v1/encode       {"inputs": [[...], ...]} -> {"codes": [[...], ...]}
//	POST /v1/reconstruct  {"inputs": [[...], ...]} -> {"reconstructions": [[...], ...]} (a transcoder's predictions)
//	POST /v1/score        {"inputs": [[...], ...]} -> {"scores": [...], "anomalous": [...], "threshold": t}
//	POST /v1/predict      {"inputs": [[...], ...]} -> {"classes": [...], "probabilities": [[...], ...]} (a model trained with labels; 400 for others)
//	POST /v1/explain?top=N {"inputs": [[...], ...]} -> {"explanations": [{"score": s, "anomalous": b, "features": [{"column": j, "name": n, "share": f, "value": v, "expected": e}, ...]}, ...], "threshold": t}
//	GET  /healthz         {"status": "ok"} while the process runs (liveness)
//	GET  /readyz          {"status": "ready", ...}; 503 "saturated" or "draining" (readiness)
//	GET  /v1/model        the served model: widths, threshold, limits, the input columns' names (path and configuration with ModelDetails)
//	GET  /metrics         Prometheus text format
//
// /v1/explain takes each row's anomaly score apart by column as sae score
// --explain does (sae.Model.Explain): the top N columns (default 3, at
// most the row's width) by their share of the row's squared
// reconstruction error, largest first; columns count from 0, and "name"
// is Model.Columns's, present when the model knows its columns' names.
//
// # Requests
//
// A model request's body is JSON; its Content-Type is application/json or
// absent (clients that send none, such as Python's requests with data=,
// are answered); any other type is a 415 that says what to send.
//
// Every answer carries an X-Request-Id: the client's, when it sends a
// sane one (1 to 128 characters of letters, digits and ._:/+=@-), or one
// generated. Every refusal is a 4xx or 503 with a JSON body {"error": "..."}
// that names the field at fault, including the ones net/http itself writes
// for a request it cannot parse (431 headers too large, 505, malformed
// framing), which are rewritten as JSON on the connection. Each request is
// logged as one structured line (Options.LogSample of them; every 5xx but
// the 503s of load shedding).
//
// # Admission and memory
//
// A model request is admitted in three steps: with AuthTokensFile, a valid
// bearer token (401 otherwise); its body, read into a buffer that grows
// with the bytes that really arrive (never from the declared
// Content-Length), under MaxBody (413) and ReadTimeout (408); then a slot
// among MaxInFlight requests being computed (503 beyond). A slow body holds
// a connection, not a slot. The buffers of every request in flight (bodies,
// parsed rows, the model's working memory, answers) are reserved from one
// budget of MaxMemory bytes: a request that would exceed it gets a 503 (or
// a 413 when its batch alone is larger). /readyz answers 503 while no
// model request could be admitted.
//
// # Serving
//
// Serve adds what only a listener can: at most MaxConns connections, and
// MaxConnsPerClient from one address (beyond, a 503 and the connection
// closed; over TLS, only closed); TLS from TLSCertFile and TLSKeyFile; reload on a signal (the
// model, the tokens and the certificate, each kept when its new version is
// refused; a reload that hangs on a file does not stop the server from
// answering or from shutting down); and on shutdown a drain: for up to
// DrainTimeout, answers carry Connection: close so that keep-alive clients
// move away between requests, then idle connections are closed and the
// requests in flight get ShutdownTimeout to finish.
//
// The model is shared read-only by all requests; each request takes its
// buffers from a pool and the model pointer from an atomic load, so the
// request path takes no lock.
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
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

// Predictor is a Scorer of a model trained with labels (Model.Classes > 0):
// class probabilities, [rows, classes].
type Predictor interface {
	Predict(x sae.Matrix) (sae.Matrix, error)
}

// Explainer is a Scorer that takes each row's anomaly score apart by column.
type Explainer interface {
	Explain(x sae.Matrix, top int) ([]sae.Explanation, error)
}

var (
	_ Predictor = (*sae.Model)(nil)
	_ Explainer = (*sae.Model)(nil)
)

// Model is a Scorer with what clients are told about it.
type Model struct {
	Scorer      Scorer
	Inputs      int      // values per input row
	Outputs     int      // values per reconstruction (0: Inputs; a transcoder's target width)
	NoScore     bool     // a transcoder: no anomaly score (/v1/score answers 400)
	Hidden      int      // values per code
	Classes     int      // classes of a model trained with labels (its Scorer a Predictor); 0: none (/v1/predict answers 400)
	Columns     []string // the input columns' names, for /v1/explain (nil: unknown)
	Threshold   float64  // rows scoring above it are anomalous
	Source      string   // where it was loaded from (shown with Options.ModelDetails)
	Description string   // one line
	Config      any      // training configuration (shown with Options.ModelDetails)
	NoThreshold bool     // imported without a threshold: it is 0, every row with an error is anomalous
	// PoorFit is the fraction of variance unexplained on the held-out rows
	// at training when it is above 1 (a reconstruction worse than each
	// column's mean: its scores mean little), else 0.
	PoorFit float64
	// WorkWidth is the float32 values per row of the Scorer's working
	// memory, and WorkRows the most rows it works on at once; the memory
	// budget reserves WorkWidth*min(rows, WorkRows)*4 bytes for a
	// request. Zero: 3*(Inputs+Hidden) values, 1024 rows.
	WorkWidth, WorkRows int

	loadedAt time.Time
}

// FromSAE describes m, loaded from dir.
func FromSAE(m *sae.Model, dir string) *Model {
	// sae.Model works on chunks of rows, each with about three values per
	// input and per unit of every layer (two for a variational code).
	widths := m.Config.Layers
	if len(widths) == 0 {
		widths = []int{m.Hidden()}
	}
	work := 3 * m.Inputs
	if m.Transcoder() {
		work += 3 * m.Outputs() // its predictions
	}
	for _, w := range widths {
		work += 3 * w
	}
	if m.Config.Variational {
		work += 3 * m.Hidden()
	}
	return &Model{Scorer: m, Inputs: m.Inputs, Outputs: m.Outputs(), NoScore: m.Transcoder(), Hidden: m.Hidden(), Classes: m.Classes(), Threshold: m.Threshold,
		Source: dir, Description: m.String(), Config: m.Config,
		NoThreshold: m.History == nil && m.Threshold == 0, PoorFit: poorFit(m), Columns: m.Columns,
		WorkWidth: work, WorkRows: max(16, min(1024, (1<<20)/work))}
}

// poorFit is m's fraction of variance unexplained at training, on the
// validation rows (all rows without any), when it is above 1; else 0.
func poorFit(m *sae.Model) float64 {
	h := m.History
	if h == nil {
		return 0
	}
	mt := h.Val
	if mt == nil {
		mt = h.All
	}
	if mt == nil || !(mt.FVU > 1) {
		return 0
	}
	return mt.FVU
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

// Options are the service's limits, timeouts and credentials; zero fields
// take the defaults named.
type Options struct {
	MaxBody     int64 // largest request body in bytes (16 MiB)
	MaxBatch    int   // most rows in one request (1024)
	MaxInFlight int   // model requests computed at once, bodies read; more get 503 (256)
	MaxMemory   int64 // bytes for the buffers of all requests in flight (256 MiB; at least MaxBody)
	// ProcessMemory is a memory budget for the whole process (0: none).
	// With one, MemoryLimit is the limit for the Go runtime that keeps the
	// process under it (the budget less what is not the runtime's, such as
	// the binary's pages, and an 8 MiB margin), and New sets MaxMemory to
	// what that limit leaves once the model is loaded: less the runtime's
	// memory then, MaxConns connections at ConnMemory bytes each, and 8
	// MiB of slack.
	ProcessMemory int64

	MaxConns          int // connections open at once (Serve; 1024)
	MaxConnsPerClient int // connections from one IP address (Serve; 0: no limit)

	ReadHeaderTimeout time.Duration // to read a request's headers (5s)
	ReadTimeout       time.Duration // to read a whole request, body included (30s)
	WriteTimeout      time.Duration // from the end of the body (of the headers, for a route without one) to the end of the answer (30s)
	IdleTimeout       time.Duration // keep-alive connections idle this long are closed (120s)
	DrainTimeout      time.Duration // at shutdown, the longest time answers say Connection: close before idle connections are closed (5s)
	ShutdownTimeout   time.Duration // then the wait for requests in flight (30s)

	// AuthTokensFile holds the bearer tokens that model requests must
	// carry, one per line (see tokens.go); empty: no authentication.
	AuthTokensFile string
	// AuthExempt are the routes answered without a token (nil: /healthz,
	// /readyz and /metrics; empty: none).
	AuthExempt []string
	// TLSCertFile and TLSKeyFile are a PEM certificate chain and its key:
	// Serve answers HTTPS (HTTP/1.1) instead of HTTP. Both or neither.
	TLSCertFile, TLSKeyFile string

	// ModelDetails shows the model's path and training configuration on
	// /v1/model and /metrics; off, they stay in the server's log.
	ModelDetails bool

	Logger *slog.Logger // nil: no logs
	// LogSample is the fraction of requests that get an access log line
	// (info level; warn for a 503), but for the 5xx other than 503, which
	// always do (error level). 0 means 1; a negative value, none.
	LogSample float64
}

func (o *Options) defaults() error {
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
	if o.MaxConns <= 0 {
		o.MaxConns = 1024
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = max(256<<20, o.MaxBody)
	}
	if o.MaxMemory < o.MaxBody {
		return fmt.Errorf("the memory budget for requests (%d bytes) is smaller than the largest body (%d bytes)", o.MaxMemory, o.MaxBody)
	}
	def(&o.ReadHeaderTimeout, 5*time.Second)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.IdleTimeout, 120*time.Second)
	def(&o.DrainTimeout, 5*time.Second)
	def(&o.ShutdownTimeout, 30*time.Second)
	if o.AuthExempt == nil {
		o.AuthExempt = []string{"/healthz", "/readyz", "/metrics"}
	}
	for _, p := range o.AuthExempt {
		if routeOf(p) == routeOther {
			return fmt.Errorf("auth exemption %q is not a route (want some of /healthz, /readyz, /metrics, /v1/model, /v1/encode, /v1/reconstruct, /v1/score, /v1/predict, /v1/explain)", p)
		}
	}
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return errors.New("TLS needs both a certificate and a key file")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LogSample == 0 {
		o.LogSample = 1
	}
	return nil
}

// Server answers requests with the model it holds.
type Server struct {
	load    Loader
	opt     Options
	log     *slog.Logger
	model   atomic.Pointer[Model]
	tokens  atomic.Pointer[tokenSet] // nil: no authentication
	cert    atomic.Pointer[certificate]
	exempt  [nRoutes]bool
	mem     budget
	limit   int64 // MemoryLimit
	metrics serverMetrics
	ids     idSource

	draining atomic.Bool
	reload   sync.Mutex // one reload at a time
	handler  *handler
}

// New loads the model (and the tokens and certificate the options name)
// and returns a server for it.
func New(load Loader, opt Options) (*Server, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	s := &Server{load: load, opt: opt, log: opt.Logger}
	s.ids = newIDSource()
	for _, p := range opt.AuthExempt {
		s.exempt[routeOf(p)] = true
	}
	m, err := s.loadChecked()
	if err != nil {
		return nil, err
	}
	s.model.Store(m)
	if err := s.splitBudget(); err != nil {
		return nil, err
	}
	if opt.AuthTokensFile != "" {
		ts, err := loadTokens(opt.AuthTokensFile, s.log)
		if err != nil {
			return nil, err
		}
		s.tokens.Store(ts)
	}
	if opt.TLSCertFile != "" {
		c, err := loadCertificate(opt.TLSCertFile, opt.TLSKeyFile, s.log)
		if err != nil {
			return nil, err
		}
		s.cert.Store(c)
	}
	s.mem.max = s.opt.MaxMemory
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
	if _, ok := m.Scorer.(Predictor); m.Classes > 0 && !ok {
		return nil, fmt.Errorf("%s: a model of %d classes that cannot predict", m.Source, m.Classes)
	}
	if m.Columns != nil && len(m.Columns) != m.Inputs {
		return nil, fmt.Errorf("%s: %d column names for %d inputs", m.Source, len(m.Columns), m.Inputs)
	}
	if err := tryModel(m); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Source, err)
	}
	if m.NoThreshold && !m.NoScore {
		s.log.Warn("the model has no anomaly threshold (imported without --data): /v1/score marks every row with an error anomalous", "source", m.Source)
	}
	if m.PoorFit > 0 {
		s.log.Warn("the model reconstructed its held-out rows worse than each column's mean at training: its scores and reconstructions mean little", "source", m.Source, "fvu", m.PoorFit)
	}
	if m.WorkWidth <= 0 {
		m.WorkWidth = 3 * (m.Inputs + m.Hidden)
	}
	if m.WorkRows <= 0 {
		m.WorkRows = 1024
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
	if !m.NoScore {
		scores, err := m.Scorer.Score(x)
		if err != nil {
			return err
		}
		if len(scores) != 1 || math.IsNaN(scores[0]) {
			return fmt.Errorf("the model scores a row of zeros as %v", scores)
		}
	}
	if p, ok := m.Scorer.(Predictor); ok && m.Classes > 0 {
		probs, err := p.Predict(x)
		if err != nil {
			return err
		}
		if probs.Rows != 1 || probs.Cols != m.Classes {
			return fmt.Errorf("the model predicts a row as %d x %d, want 1 x %d", probs.Rows, probs.Cols, m.Classes)
		}
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

// Reload loads the model again and swaps it in, and reloads the tokens
// and the certificate the options name. Each that fails is logged and
// counted in /metrics, and what was serving stays; the errors are
// returned joined. Requests in flight finish with the model they started
// with.
func (s *Server) Reload() error {
	s.reload.Lock()
	defer s.reload.Unlock()
	return errors.Join(s.reloadModel(), s.reloadTokens(), s.reloadCertificate())
}

func (s *Server) reloadModel() error {
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

func (s *Server) reloadTokens() error {
	if s.opt.AuthTokensFile == "" {
		return nil
	}
	ts, err := loadTokens(s.opt.AuthTokensFile, s.log)
	s.metrics.credentialReloads[credTokens][boolIndex(err == nil)].Add(1)
	if err != nil {
		s.log.Error("auth tokens reload failed; the old tokens stay valid", "error", err.Error())
		return err
	}
	s.tokens.Store(ts)
	s.log.Info("auth tokens reloaded", "file", s.opt.AuthTokensFile, "tokens", ts.n)
	return nil
}

func (s *Server) reloadCertificate() error {
	if s.opt.TLSCertFile == "" {
		return nil
	}
	c, err := loadCertificate(s.opt.TLSCertFile, s.opt.TLSKeyFile, s.log)
	s.metrics.credentialReloads[credTLS][boolIndex(err == nil)].Add(1)
	if err != nil {
		s.log.Error("TLS certificate reload failed; the old certificate stays", "error", err.Error())
		return err
	}
	s.cert.Store(c)
	s.log.Info("TLS certificate reloaded", "cert", s.opt.TLSCertFile, "subject", c.subject, "not_after", c.notAfter)
	return nil
}

func boolIndex(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// outputs is the values per reconstruction.
func (m *Model) outputs() int {
	if m.Outputs > 0 {
		return m.Outputs
	}
	return m.Inputs
}
