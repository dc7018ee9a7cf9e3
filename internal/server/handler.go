package server

// The route table and what every request goes through: a request id, the
// Connection: close of a drain, authentication, the memory budget and the
// slots of MaxInFlight, one access log line, the metrics.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"mime"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/sae-go/sae"
)

// Handler is the route table, with the per-request bookkeeping; it has
// no connection limits, TLS or drain (see Serve).
func (s *Server) Handler() http.Handler { return s.handler }

// handler is the route table behind the bookkeeping every request shares.
type handler struct {
	s   *Server
	mux *http.ServeMux
}

// reqState is one request's bookkeeping, and the ResponseWriter its
// handler writes to (it records the status).
type reqState struct {
	http.ResponseWriter
	start    time.Time
	id       string
	route    route
	code     int
	rows     int
	bytesIn  int
	reason   reason
	reserved int64 // bytes of the memory budget held
}

func (st *reqState) WriteHeader(code int) {
	if st.code == 0 {
		st.code = code
	}
	st.ResponseWriter.WriteHeader(code)
}

func (st *reqState) Write(b []byte) (int, error) {
	if st.code == 0 {
		st.code = http.StatusOK
	}
	return st.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (st *reqState) Unwrap() http.ResponseWriter { return st.ResponseWriter }

var (
	jsonContentType = []string{"application/json"}
	closeValue      = []string{"close"}
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	st := &reqState{ResponseWriter: w, start: time.Now(), route: routeOther}
	st.id = s.ids.fromHeader(r.Header.Get("X-Request-Id"))
	hd := w.Header()
	hd["X-Request-Id"] = []string{st.id}
	if s.draining.Load() {
		hd["Connection"] = closeValue
	}
	defer s.finish(st, r)
	if r.RequestURI == "*" { // OPTIONS * is answered by net/http
		reject(st, reasonBadRequest, http.StatusBadRequest, "request target *: only OPTIONS * is a request of the server itself")
		return
	}
	h.mux.ServeHTTP(st, r)
}

// finish releases what the request held, turns a panic into a 500, counts
// and logs it.
func (s *Server) finish(st *reqState, r *http.Request) {
	p := recover()
	if p != nil && p != http.ErrAbortHandler {
		s.metrics.panics.Add(1)
		s.log.Error("handler panic", "route", routeNames[st.route], "id", st.id, "panic", fmt.Sprint(p))
		if st.code == 0 {
			writeError(st, http.StatusInternalServerError, "internal error")
		}
		p = nil
	}
	s.mem.release(st.reserved)
	st.reserved = 0
	code := st.code
	if code == 0 {
		code = http.StatusOK // net/http answers an empty 200
	}
	d := time.Since(st.start)
	s.metrics.routes[st.route].observe(code, d)
	if st.reason != reasonNone {
		s.metrics.rejected[st.reason].Add(1)
	}
	s.logRequest(r.Context(), r.Method, r.URL.Path, r.RemoteAddr, st.id, st.route, code, st.rows, st.bytesIn, st.reason, d)
	if p != nil {
		panic(p)
	}
}

// logRequest writes the access log line of one request: every 5xx but
// the 503s of load shedding (at error level), and LogSample of the others
// (at info level; a 503 at warn level).
func (s *Server) logRequest(ctx context.Context, method, path, remote, id string, rt route, code, rows, bytesIn int, why reason, d time.Duration) {
	level := slog.LevelInfo
	switch {
	case code >= 500 && code != http.StatusServiceUnavailable:
		level = slog.LevelError
	case s.opt.LogSample < 1 && (s.opt.LogSample <= 0 || randFloat() >= s.opt.LogSample):
		return
	case code == http.StatusServiceUnavailable:
		level = slog.LevelWarn
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 11)
	attrs = append(attrs, slog.String("id", id), slog.String("method", method), slog.String("route", routeNames[rt]))
	if rt == routeOther {
		attrs = append(attrs, slog.String("path", clipString(path, 200)))
	}
	attrs = append(attrs, slog.Int("status", code), slog.Int("rows", rows), slog.Int("bytes_in", bytesIn),
		slog.Float64("duration_ms", float64(d.Microseconds())/1e3), slog.String("remote", remote))
	if why != reasonNone {
		attrs = append(attrs, slog.String("reason", reasonNames[why]))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

var randFloat = rand.Float64

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// routes builds the route table.
func (s *Server) routes() *handler {
	mux := http.NewServeMux()
	post := func(rt route, h func(st *reqState, r *http.Request)) {
		path := routeNames[rt]
		mux.Handle("POST "+path, s.wrap(rt, h))
		mux.Handle(path, s.wrap(rt, notAllowed("POST")))
	}
	get := func(rt route, h func(st *reqState, r *http.Request)) {
		path := routeNames[rt]
		mux.Handle("GET "+path, s.wrap(rt, h))
		mux.Handle(path, s.wrap(rt, notAllowed("GET, HEAD")))
	}
	for _, rt := range modelRoutes {
		post(rt, func(st *reqState, r *http.Request) { s.compute(rt, st, r) })
	}
	get(routeHealthz, s.healthz)
	get(routeReadyz, s.readyz)
	get(routeModel, s.modelInfo)
	get(routeMetrics, s.metricsPage)
	mux.Handle("/", s.wrap(routeOther, func(st *reqState, r *http.Request) {
		reject(st, reasonNotFound, http.StatusNotFound, fmt.Sprintf("no route %s %s; the service answers POST /v1/encode, /v1/reconstruct, /v1/score, /v1/predict, /v1/explain and GET /healthz, /readyz, /v1/model, /metrics", r.Method, clipString(r.URL.Path, 200)))
	}))
	return &handler{s: s, mux: mux}
}

// wrap checks the bearer token of a route that needs one, then calls h.
func (s *Server) wrap(rt route, h func(st *reqState, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := w.(*reqState)
		st.route = rt
		if !s.exempt[rt] {
			if ts := s.tokens.Load(); ts != nil {
				if err := ts.check(r.Header.Get("Authorization")); err != nil {
					w.Header()["Www-Authenticate"] = []string{err.challenge}
					reject(st, reasonUnauthorized, http.StatusUnauthorized, err.msg)
					return
				}
			}
		}
		h(st, r)
	})
}

func notAllowed(allow string) func(st *reqState, r *http.Request) {
	return func(st *reqState, r *http.Request) {
		st.Header().Set("Allow", allow)
		reject(st, reasonMethod, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed; use %s", r.Method, r.URL.Path, allow))
	}
}

// reject answers a refusal and records its reason.
func reject(st *reqState, why reason, code int, msg string) {
	st.reason = why
	if code == http.StatusServiceUnavailable {
		st.Header().Set("Retry-After", "1")
	}
	writeError(st, code, msg)
}

// rejectErr answers the refusal err (a *requestError, or a 400).
func rejectErr(st *reqState, err error) {
	var re *requestError
	if errors.As(err, &re) {
		reject(st, re.reason, re.status, re.msg)
		return
	}
	reject(st, reasonBadRequest, http.StatusBadRequest, err.Error())
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

// compute answers the model routes.
func (s *Server) compute(rt route, st *reqState, r *http.Request) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		rejectErr(st, err)
		return
	}
	top, err := explainTop(rt, r, s.model.Load())
	if err != nil {
		rejectErr(st, err)
		return
	}
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	// The pooled buffers are this request's while it runs.
	if !s.mem.reserve(st, int64(cap(sc.body)+4*cap(sc.x)+cap(sc.out))) {
		sc.body, sc.x, sc.out = nil, nil, nil
	}
	s.metrics.reading.Add(1)
	body, err := s.readBody(r, st, sc.body[:0])
	s.metrics.reading.Add(-1)
	// WriteTimeout counts from here: a slow body must not eat the time of
	// its answer (a 408 included). Not every ResponseWriter can.
	http.NewResponseController(st).SetWriteDeadline(time.Now().Add(s.opt.WriteTimeout))
	sc.body = body
	st.bytesIn = len(body)
	if err != nil {
		rejectErr(st, err)
		return
	}
	// Admitted only now that the body is here.
	if n := s.metrics.inFlight.Add(1); n > int64(s.opt.MaxInFlight) {
		s.metrics.inFlight.Add(-1)
		reject(st, reasonOverloaded, http.StatusServiceUnavailable, fmt.Sprintf("overloaded: %d requests in flight; retry later", s.opt.MaxInFlight))
		return
	}
	defer s.metrics.inFlight.Add(-1)
	m := s.model.Load()
	// The parsed rows: at most one value for each 2 bytes of the body
	// ("0,"), and MaxBatch rows; the buffer is sized for that bound so that
	// parsing never grows it.
	if values := min(len(body)/2+1, s.opt.MaxBatch*m.Inputs); values > cap(sc.x) {
		if !s.mem.reserve(st, 4*int64(values-cap(sc.x))) {
			reject(st, reasonMemory, http.StatusServiceUnavailable, "overloaded: the memory budget for requests in flight is spent; retry later")
			return
		}
		sc.x = make([]float32, 0, values)
	}
	x, rows, err := parseInputs(body, m.Inputs, s.opt.MaxBatch, sc.x)
	if err != nil {
		rejectErr(st, err)
		return
	}
	sc.x = x
	st.rows = rows
	if err := s.reserveWork(st, m, rt, rows, top, cap(sc.out)); err != nil {
		rejectErr(st, err)
		return
	}
	in := sae.Matrix{Rows: rows, Cols: m.Inputs, Data: x}
	out, err := s.answer(rt, m, in, top, sc.out[:0])
	if out != nil {
		sc.out = out
	}
	if err != nil {
		rejectErr(st, err)
		return
	}
	s.metrics.routes[rt].rows.Add(uint64(rows))
	h := st.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	st.WriteHeader(http.StatusOK)
	st.Write(out)
}

// reserveWork reserves the model's working memory, its result and the
// answer's text for rows rows (an answer buffer of outCap bytes is held
// already; top is /v1/explain's columns per row).
func (s *Server) reserveWork(st *reqState, m *Model, rt route, rows, top, outCap int) error {
	r := int64(rows)
	work := 4 * int64(m.WorkWidth) * min(r, int64(m.WorkRows))
	var result, text int64
	switch rt {
	case routeEncode:
		result, text = 4*r*int64(m.Hidden), 16*r*int64(m.Hidden)
	case routeReconstruct:
		out := int64(m.outputs())
		result, text = 4*r*out, 16*r*out
	case routePredict:
		c := int64(m.Classes)
		result, text = 4*r*c, 16*r*c+16*r
	case routeExplain:
		// Squared errors (float64) and the mean reconstruction (float32)
		// of every value, a scorer's reconstruction; a line per feature.
		name := int64(0)
		for _, n := range m.Columns {
			name = max(name, int64(len(n)))
		}
		result, text = 16*r*int64(m.Inputs)+r*int64(top)*48, r*(int64(top)*(120+2*name)+80)+64
	default:
		result, text = 8*r, 32*r+64
	}
	need := work + result + max(0, text-int64(outCap))
	if need+st.reserved > s.mem.max {
		return &requestError{http.StatusRequestEntityTooLarge, reasonBatchTooLarge,
			fmt.Sprintf("inputs: %d rows need about %d bytes, more than the memory budget of %d; send smaller batches", rows, need+st.reserved, s.mem.max)}
	}
	if !s.mem.reserve(st, need) {
		return &requestError{http.StatusServiceUnavailable, reasonMemory, "overloaded: the memory budget for requests in flight is spent; retry later"}
	}
	return nil
}

// answer computes the route's answer for in and appends its JSON to out
// (top: /v1/explain's columns per row).
func (s *Server) answer(rt route, m *Model, in sae.Matrix, top int, out []byte) ([]byte, error) {
	switch rt {
	case routeScore:
		return s.answerScore(m, in, out)
	case routePredict:
		return answerPredict(m, in, out)
	case routeExplain:
		return s.answerExplain(m, in, top, out)
	}
	f, key := m.Scorer.Encode, `{"codes":[`
	if rt == routeReconstruct {
		f, key = m.Scorer.Reconstruct, `{"reconstructions":[`
	}
	y, err := f(in)
	if err != nil {
		return out, &requestError{http.StatusInternalServerError, reasonNone, routeNames[rt][4:] + ": " + err.Error()}
	}
	out = append(out, key...)
	out, err = appendRows(out, y)
	if err != nil {
		return out, err
	}
	return append(out, "]}"...), nil
}

// appendRows appends y's rows as JSON arrays, separated by commas; a value
// that is not finite is a 422.
func appendRows(out []byte, y sae.Matrix) ([]byte, error) {
	for i := 0; i < y.Rows; i++ {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '[')
		for j, v := range y.Row(i) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return out, &requestError{http.StatusUnprocessableEntity, reasonUnprocessable, fmt.Sprintf("inputs[%d]: the model's output is not finite; are the values far outside the model's range?", i)}
			}
			if j > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendFloat(out, float64(v), 'g', -1, 32)
		}
		out = append(out, ']')
	}
	return out, nil
}

// noScore is the refusal of the score routes for a transcoder.
func noScore(what string) error {
	return &requestError{http.StatusBadRequest, reasonBadRequest, what + ": the model is a transcoder: it predicts a target and has no anomaly score (use /v1/reconstruct)"}
}

// finiteScores refuses scores that are not finite.
func finiteScores(scores []float64) error {
	for i, v := range scores {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &requestError{http.StatusUnprocessableEntity, reasonUnprocessable, fmt.Sprintf("inputs[%d]: the score is not finite; are the values far outside the model's range?", i)}
		}
	}
	return nil
}

// answerScore is /v1/score's answer.
func (s *Server) answerScore(m *Model, in sae.Matrix, out []byte) ([]byte, error) {
	if m.NoScore {
		return out, noScore("score")
	}
	scores, err := m.Scorer.Score(in)
	if err != nil {
		return out, &requestError{http.StatusInternalServerError, reasonNone, "score: " + err.Error()}
	}
	if err := finiteScores(scores); err != nil {
		return out, err
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
	return out, nil
}

// answerPredict is /v1/predict's answer: each row's class (the most
// probable; the first of equals) and the class probabilities.
func answerPredict(m *Model, in sae.Matrix, out []byte) ([]byte, error) {
	p, ok := m.Scorer.(Predictor)
	if m.Classes == 0 || !ok {
		return out, &requestError{http.StatusBadRequest, reasonBadRequest, "predict: the model was trained without labels, so it has no classes (train it with --labels for a classifier); /v1/encode, /v1/reconstruct and /v1/score answer for it"}
	}
	probs, err := p.Predict(in)
	if err != nil {
		return out, &requestError{http.StatusInternalServerError, reasonNone, "predict: " + err.Error()}
	}
	out = append(out, `{"classes":[`...)
	for i := range probs.Rows {
		row := probs.Row(i)
		best := 0
		for j := range row {
			if row[j] > row[best] {
				best = j
			}
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendInt(out, int64(best), 10)
	}
	out = append(out, `],"probabilities":[`...)
	out, err = appendRows(out, probs)
	if err != nil {
		return out, err
	}
	return append(out, "]}"...), nil
}

// explainTop is /v1/explain's ?top=N (default 3), from 1 to the model's
// width; 0 for the other routes.
func explainTop(rt route, r *http.Request, m *Model) (int, error) {
	if rt != routeExplain {
		return 0, nil
	}
	q := r.URL.Query()
	v, ok := q["top"]
	if !ok {
		return min(3, m.Inputs), nil
	}
	top, err := strconv.Atoi(v[0])
	if len(v) > 1 || err != nil || top < 1 || top > m.Inputs {
		return 0, badRequest("top: %q is not a number of columns from 1 to %d (the model's width)", clipString(v[0], 40), m.Inputs)
	}
	return top, nil
}

// answerExplain is /v1/explain's answer.
func (s *Server) answerExplain(m *Model, in sae.Matrix, top int, out []byte) ([]byte, error) {
	if m.NoScore {
		return out, noScore("explain")
	}
	ex, ok := m.Scorer.(Explainer)
	if !ok {
		return out, &requestError{http.StatusNotImplemented, reasonNone, "explain: this model cannot take its scores apart by column"}
	}
	rows, err := ex.Explain(in, top)
	if err != nil {
		return out, &requestError{http.StatusInternalServerError, reasonNone, "explain: " + err.Error()}
	}
	scores := make([]float64, len(rows))
	for i, r := range rows {
		scores[i] = r.Score
	}
	if err := finiteScores(scores); err != nil {
		return out, err
	}
	out = append(out, `{"explanations":[`...)
	for i, r := range rows {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"score":`...)
		out = strconv.AppendFloat(out, r.Score, 'g', -1, 64)
		out = append(out, `,"anomalous":`...)
		out = strconv.AppendBool(out, r.Score > m.Threshold)
		out = append(out, `,"features":[`...)
		for k, f := range r.Features {
			if k > 0 {
				out = append(out, ',')
			}
			out = append(out, `{"column":`...)
			out = strconv.AppendInt(out, int64(f.Column), 10)
			if m.Columns != nil {
				out = append(out, `,"name":`...)
				out = strconv.AppendQuote(out, m.Columns[f.Column])
			}
			out = append(out, `,"share":`...)
			out = appendJSONFloat(out, f.Share)
			out = append(out, `,"value":`...)
			out = strconv.AppendFloat(out, float64(f.Value), 'g', -1, 32)
			out = append(out, `,"expected":`...)
			if e := float64(f.Expected); math.IsNaN(e) || math.IsInf(e, 0) {
				out = append(out, "null"...)
			} else {
				out = strconv.AppendFloat(out, e, 'g', -1, 32)
			}
			out = append(out, '}')
		}
		out = append(out, "]}"...)
	}
	out = append(out, `],"threshold":`...)
	out = appendJSONFloat(out, m.Threshold)
	return append(out, '}'), nil
}

// appendJSONFloat appends v, or null when JSON cannot hold it.
func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// checkContentType accepts application/json, with parameters or not, and
// no Content-Type at all (the body must parse as JSON all the same).
func checkContentType(ct string) error {
	if ct == "application/json" || ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &requestError{http.StatusUnsupportedMediaType, reasonContentType, fmt.Sprintf("Content-Type: %q is not application/json; send the header Content-Type: application/json, or none (curl -d sends a form's type: add -H 'Content-Type: application/json')", clipString(ct, 100))}
	}
	return nil
}

// readBody reads the request body into buf, up to MaxBody bytes. The
// buffer grows with the bytes that arrive, each growth reserved from the
// memory budget first; a declared Content-Length only refuses a body that
// would be too large and caps the growth. It returns the buffer it used
// (grown or not) even with an error.
func (s *Server) readBody(r *http.Request, st *reqState, buf []byte) ([]byte, error) {
	limit := s.opt.MaxBody
	tooLarge := func() error {
		return &requestError{http.StatusRequestEntityTooLarge, reasonBodyTooLarge, fmt.Sprintf("body: larger than the limit of %d bytes; send smaller batches", limit)}
	}
	if r.ContentLength > limit {
		return buf, tooLarge()
	}
	end := limit + 1 // the most the buffer ever holds
	if r.ContentLength >= 0 {
		end = r.ContentLength + 1 // +1: a body longer than declared is an error of net/http's
	}
	for {
		if len(buf) == cap(buf) {
			grown := min(max(2*int64(cap(buf)), 4<<10), end)
			if grown <= int64(cap(buf)) {
				grown = int64(cap(buf)) + 1
			}
			if !s.mem.reserve(st, grown-int64(cap(buf))) {
				return buf, &requestError{http.StatusServiceUnavailable, reasonMemory, "overloaded: the memory budget for requests in flight is spent; retry later"}
			}
			nb := make([]byte, len(buf), grown) // the reservation now counts nb, not buf
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, tooLarge()
		}
		if err == io.EOF {
			return buf, nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return buf, &requestError{http.StatusRequestTimeout, reasonBodyTimeout, fmt.Sprintf("body: not received within the read timeout (%v)", s.opt.ReadTimeout)}
		}
		if err != nil {
			return buf, badRequest("body: %v", err)
		}
	}
}

func (s *Server) healthz(st *reqState, r *http.Request) {
	writeJSON(st, http.StatusOK, map[string]string{"status": "ok"})
}

// Readiness is the answer of GET /readyz.
type Readiness struct {
	Status         string `json:"status"` // ready, saturated or draining
	Reason         string `json:"reason,omitempty"`
	InFlight       int64  `json:"in_flight"`
	MaxInFlight    int    `json:"max_inflight"`
	MemoryBytes    int64  `json:"memory_bytes"`
	MaxMemoryBytes int64  `json:"max_memory_bytes"`
}

// readiness says whether a model request of the largest size would be
// admitted now.
func (s *Server) readiness() Readiness {
	rd := Readiness{Status: "ready", InFlight: s.metrics.inFlight.Load(), MaxInFlight: s.opt.MaxInFlight,
		MemoryBytes: s.mem.used.Load(), MaxMemoryBytes: s.mem.max}
	switch {
	case s.draining.Load():
		rd.Status, rd.Reason = "draining", "shutting down"
	case rd.InFlight >= int64(rd.MaxInFlight):
		rd.Status, rd.Reason = "saturated", "every slot of --max-inflight is taken"
	case rd.MemoryBytes+s.opt.MaxBody > rd.MaxMemoryBytes:
		rd.Status, rd.Reason = "saturated", "the memory budget has no room for a body of --max-body bytes"
	}
	return rd
}

func (s *Server) readyz(st *reqState, r *http.Request) {
	rd := s.readiness()
	code := http.StatusOK
	if rd.Status != "ready" {
		code = http.StatusServiceUnavailable
		st.Header().Set("Retry-After", "1")
	}
	writeJSON(st, code, rd)
}

// ModelInfo is the answer of GET /v1/model.
type ModelInfo struct {
	Description string    `json:"description"`
	Inputs      int       `json:"inputs"`
	Outputs     int       `json:"outputs"` // values per reconstruction (a transcoder's target width)
	Hidden      int       `json:"hidden"`
	Classes     int       `json:"classes"`   // of a model trained with labels (/v1/predict); 0: none
	Threshold   *float64  `json:"threshold"` // null if not finite
	LoadedAt    time.Time `json:"loaded_at"`
	MaxBatch    int       `json:"max_batch"`
	MaxBody     int64     `json:"max_body_bytes"`
	// Columns names the values of an input row, in order, when the model
	// was trained on a table with names (a CSV header).
	Columns []string `json:"columns,omitempty"`
	// With Options.ModelDetails only:
	Source string `json:"source,omitempty"`
	Config any    `json:"config,omitempty"`
}

func (s *Server) modelInfo(st *reqState, r *http.Request) {
	m := s.model.Load()
	info := ModelInfo{Description: m.Description, Inputs: m.Inputs, Outputs: m.outputs(), Hidden: m.Hidden, Classes: m.Classes,
		LoadedAt: m.loadedAt.UTC().Truncate(time.Millisecond), MaxBatch: s.opt.MaxBatch, MaxBody: s.opt.MaxBody, Columns: m.Columns}
	if s.opt.ModelDetails {
		info.Source, info.Config = m.Source, m.Config
	}
	if t := m.Threshold; !math.IsNaN(t) && !math.IsInf(t, 0) {
		info.Threshold = &t
	}
	writeJSON(st, http.StatusOK, info)
}

func (s *Server) metricsPage(st *reqState, r *http.Request) {
	st.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	st.WriteHeader(http.StatusOK)
	if err := s.writeMetrics(st); err != nil {
		s.log.Debug("writing /metrics", "error", err.Error())
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "784 -> 256", not "784 -\u003e 256"
	if err := enc.Encode(v); err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	b := buf.Bytes()
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(code)
	w.Write(b)
}

// errorBody is {"error": msg} and a newline.
func errorBody(msg string) []byte {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	return append(b, '\n')
}

// writeError answers {"error": msg} with the status code.
func writeError(w http.ResponseWriter, code int, msg string) {
	b := errorBody(msg)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(code)
	w.Write(b)
}
