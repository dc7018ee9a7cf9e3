package server

// The /metrics page in the Prometheus text format (version 0.0.4), from
// counters that the handlers bump with atomic adds: no lock, no map and no
// allocation on the request path.

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// route is a row of the route table, as the metrics label it.
type route int

const (
	routeEncode route = iota
	routeReconstruct
	routeScore
	routePredict
	routeExplain
	routeHealthz
	routeReadyz
	routeModel
	routeMetrics
	routeOther // anything else: 404
	nRoutes
)

var routeNames = [nRoutes]string{"/v1/encode", "/v1/reconstruct", "/v1/score", "/v1/predict", "/v1/explain", "/healthz", "/readyz", "/v1/model", "/metrics", "other"}

// modelRoutes are the routes that take rows: POST, a body, a slot.
var modelRoutes = []route{routeEncode, routeReconstruct, routeScore, routePredict, routeExplain}

// routeOf is the route of a path, or routeOther.
func routeOf(path string) route {
	for rt, p := range routeNames[:routeOther] {
		if p == path {
			return route(rt)
		}
	}
	return routeOther
}

// reason is why a request or connection was refused, as the metrics
// label it.
type reason int

const (
	reasonNone reason = iota
	reasonOverloaded
	reasonMemory
	reasonUnauthorized
	reasonBodyTooLarge
	reasonBatchTooLarge
	reasonBodyTimeout
	reasonBadRequest
	reasonContentType
	reasonUnprocessable
	reasonNotFound
	reasonMethod
	reasonConnections
	reasonClientConnections
	reasonMalformedHTTP
	reasonTLSHandshake
	nReasons
)

var reasonNames = [nReasons]string{"", "overloaded", "memory", "unauthorized", "body_too_large", "batch_too_large", "body_timeout",
	"bad_request", "content_type", "unprocessable", "not_found", "method", "connections", "client_connections", "malformed_http", "tls_handshake"}

// Credentials reloaded besides the model.
const (
	credTokens = iota
	credTLS
	nCreds
)

// latencyBuckets are the upper bounds of the latency histogram, seconds.
var latencyBuckets = [...]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// latencyBucketsNs are latencyBuckets in nanoseconds.
var latencyBucketsNs = func() (b [len(latencyBuckets)]int64) {
	for i, s := range latencyBuckets {
		b[i] = int64(math.Round(s * 1e9))
	}
	return b
}()

// routeStats are one route's counters. Each route's sit on their own
// cache lines.
type routeStats struct {
	codes   [600]atomic.Uint64                     // requests by status code
	buckets [len(latencyBuckets) + 1]atomic.Uint64 // non-cumulative; the last is +Inf
	sumNs   atomic.Int64
	rows    atomic.Uint64 // rows computed (model routes)
	_       [64]byte
}

// observe records one finished request.
func (r *routeStats) observe(code int, d time.Duration) {
	if code < 100 || code >= len(r.codes) {
		code = 0
	}
	r.codes[code].Add(1)
	ns := int64(d)
	i := 0
	for i < len(latencyBucketsNs) && ns > latencyBucketsNs[i] {
		i++
	}
	r.buckets[i].Add(1)
	r.sumNs.Add(ns)
}

// serverMetrics is everything /metrics reports besides the model.
type serverMetrics struct {
	routes            [nRoutes]routeStats
	inFlight          atomic.Int64  // model requests admitted (body read) and not finished
	reading           atomic.Int64  // model requests reading their body
	conns             atomic.Int64  // connections open (Serve)
	flagged           atomic.Uint64 // rows scored above the threshold
	rejected          [nReasons]atomic.Uint64
	panics            atomic.Uint64
	reloadsOK         atomic.Uint64
	reloadsFailed     atomic.Uint64
	lastReloadErr     atomic.Int64             // unix seconds of the last failed reload
	credentialReloads [nCreds][2]atomic.Uint64 // [what][error, ok]
}

// writeMetrics writes the page for the current model m.
func (s *Server) writeMetrics(w io.Writer) error {
	bw := bufio.NewWriter(w)
	sm := &s.metrics
	m := s.model.Load()

	help := func(name, typ, text string) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, typ)
	}
	help("sae_http_requests_total", "counter", "HTTP requests answered, by route and status code.")
	for ri := range sm.routes {
		r := &sm.routes[ri]
		for code := range r.codes {
			if n := r.codes[code].Load(); n > 0 {
				c := strconv.Itoa(code)
				if code == 0 {
					c = "other"
				}
				fmt.Fprintf(bw, "sae_http_requests_total{route=%q,code=%q} %d\n", routeNames[ri], c, n)
			}
		}
	}
	help("sae_http_request_duration_seconds", "histogram", "Time from the request's headers to the end of the response body, by route.")
	for ri := range sm.routes {
		r := &sm.routes[ri]
		var cum uint64
		for i := range r.buckets {
			cum += r.buckets[i].Load()
			le := "+Inf"
			if i < len(latencyBuckets) {
				le = strconv.FormatFloat(latencyBuckets[i], 'g', -1, 64)
			}
			fmt.Fprintf(bw, "sae_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", routeNames[ri], le, cum)
		}
		fmt.Fprintf(bw, "sae_http_request_duration_seconds_sum{route=%q} %g\n", routeNames[ri], float64(r.sumNs.Load())/1e9)
		fmt.Fprintf(bw, "sae_http_request_duration_seconds_count{route=%q} %d\n", routeNames[ri], cum)
	}
	help("sae_http_requests_in_flight", "gauge", "Model requests admitted (their body read) and not yet answered.")
	fmt.Fprintf(bw, "sae_http_requests_in_flight %d\n", sm.inFlight.Load())
	help("sae_http_requests_reading", "gauge", "Model requests reading their body (not yet admitted).")
	fmt.Fprintf(bw, "sae_http_requests_reading %d\n", sm.reading.Load())
	help("sae_http_connections_open", "gauge", "Connections open.")
	fmt.Fprintf(bw, "sae_http_connections_open %d\n", sm.conns.Load())
	help("sae_http_requests_rejected_total", "counter", "Requests and connections refused, by reason: overloaded (503, --max-inflight), memory (503, --max-memory), unauthorized (401), body_too_large and batch_too_large (413), body_timeout (408), bad_request (400), content_type (415), unprocessable (422), not_found (404), method (405), connections and client_connections (503 at connect, --max-conns, --max-conns-per-client), malformed_http (requests net/http cannot parse), tls_handshake.")
	for r := reasonNone + 1; r < nReasons; r++ {
		fmt.Fprintf(bw, "sae_http_requests_rejected_total{reason=%q} %d\n", reasonNames[r], sm.rejected[r].Load())
	}
	help("sae_memory_reserved_bytes", "gauge", "Bytes of the memory budget (--max-memory) reserved by requests in flight.")
	fmt.Fprintf(bw, "sae_memory_reserved_bytes %d\n", s.mem.used.Load())
	help("sae_memory_reserved_max_bytes", "gauge", "The most bytes of the memory budget reserved at once since the start.")
	fmt.Fprintf(bw, "sae_memory_reserved_max_bytes %d\n", s.mem.peak.Load())
	help("sae_memory_budget_bytes", "gauge", "The memory budget for requests in flight (--max-memory).")
	fmt.Fprintf(bw, "sae_memory_budget_bytes %d\n", s.mem.max)
	help("sae_ready", "gauge", "1 when /readyz answers 200.")
	fmt.Fprintf(bw, "sae_ready %d\n", boolIndex(s.readiness().Status == "ready"))
	help("sae_http_panics_total", "counter", "Handler panics turned into 500 answers.")
	fmt.Fprintf(bw, "sae_http_panics_total %d\n", sm.panics.Load())
	help("sae_rows_total", "counter", "Rows encoded, reconstructed, scored, classified or explained, by route.")
	for _, ri := range modelRoutes {
		fmt.Fprintf(bw, "sae_rows_total{route=%q} %d\n", routeNames[ri], sm.routes[ri].rows.Load())
	}
	help("sae_rows_anomalous_total", "counter", "Scored rows above the model's threshold.")
	fmt.Fprintf(bw, "sae_rows_anomalous_total %d\n", sm.flagged.Load())

	help("sae_model_info", "gauge", "The model being served (value 1); its path as source with --model-details.")
	source := ""
	if s.opt.ModelDetails {
		source = "source=" + label(m.Source) + ","
	}
	fmt.Fprintf(bw, "sae_model_info{%sdescription=%s,inputs=\"%d\",hidden=\"%d\"} 1\n",
		source, label(m.Description), m.Inputs, m.Hidden)
	help("sae_model_threshold", "gauge", "The served model's anomaly threshold on scores.")
	fmt.Fprintf(bw, "sae_model_threshold %s\n", promFloat(m.Threshold))
	help("sae_model_loaded_timestamp_seconds", "gauge", "When the served model was loaded (unix time).")
	fmt.Fprintf(bw, "sae_model_loaded_timestamp_seconds %.3f\n", float64(m.loadedAt.UnixMilli())/1e3)
	help("sae_model_reloads_total", "counter", "Model reloads (SIGHUP) by result; on error the old model keeps serving.")
	fmt.Fprintf(bw, "sae_model_reloads_total{result=\"ok\"} %d\n", sm.reloadsOK.Load())
	fmt.Fprintf(bw, "sae_model_reloads_total{result=\"error\"} %d\n", sm.reloadsFailed.Load())
	help("sae_model_reload_error_timestamp_seconds", "gauge", "When a reload last failed (unix time; 0: never).")
	fmt.Fprintf(bw, "sae_model_reload_error_timestamp_seconds %d\n", sm.lastReloadErr.Load())
	help("sae_credentials_reloads_total", "counter", "Reloads (SIGHUP) of the auth tokens file and the TLS certificate by result; on error the old ones stay.")
	for c, name := range [nCreds]string{"auth_tokens", "tls"} {
		fmt.Fprintf(bw, "sae_credentials_reloads_total{file=%q,result=\"ok\"} %d\n", name, sm.credentialReloads[c][1].Load())
		fmt.Fprintf(bw, "sae_credentials_reloads_total{file=%q,result=\"error\"} %d\n", name, sm.credentialReloads[c][0].Load())
	}

	writeProcessMetrics(bw, help)
	return bw.Flush()
}

// writeProcessMetrics adds the process's memory and goroutines.
func writeProcessMetrics(w io.Writer, help func(name, typ, text string)) {
	if rss, ok := residentBytes(); ok {
		help("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
		fmt.Fprintf(w, "process_resident_memory_bytes %d\n", rss)
	}
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/sched/goroutines:goroutines"},
	}
	metrics.Read(samples)
	if samples[0].Value.Kind() == metrics.KindUint64 {
		help("go_heap_objects_bytes", "gauge", "Bytes of live and not yet swept heap objects.")
		fmt.Fprintf(w, "go_heap_objects_bytes %d\n", samples[0].Value.Uint64())
	}
	if samples[1].Value.Kind() == metrics.KindUint64 {
		help("go_goroutines", "gauge", "Goroutines that exist now.")
		fmt.Fprintf(w, "go_goroutines %d\n", samples[1].Value.Uint64())
	}
	help("go_gomaxprocs", "gauge", "GOMAXPROCS.")
	fmt.Fprintf(w, "go_gomaxprocs %d\n", runtime.GOMAXPROCS(0))
}

// residentBytes reads the resident set size from /proc (Linux only).
func residentBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

// label quotes a label value as the text format wants: backslash, double
// quote and newline escaped.
func label(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func promFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
