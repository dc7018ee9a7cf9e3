package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sae-go/sae"
)

const testWidth = 8

// trainModel trains a small relu model on random rows of testWidth values.
func trainModel(t testing.TB, seed uint64) *sae.Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	x := sae.NewMatrix(200, testWidth)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	cfg := sae.DefaultConfig()
	cfg.Hidden = 5
	cfg.Epochs = 3
	cfg.Activation = sae.ReLU
	cfg.Sparsity = sae.SparsityL1
	cfg.Seed = seed
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newTestServer serves m through a Loader that returns it.
func newTestServer(t testing.TB, m *sae.Model, opt Options) *Server {
	t.Helper()
	s, err := New(func() (*Model, error) { return FromSAE(m, "test-model"), nil }, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends a request to h and returns the status and body.
func do(t testing.TB, h http.Handler, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

func inputsBody(rows [][]float32) []byte {
	b, _ := json.Marshal(map[string]any{"inputs": rows})
	return b
}

func randomRows(rng *rand.Rand, n, d int) ([][]float32, sae.Matrix) {
	rows := make([][]float32, n)
	x := sae.NewMatrix(n, d)
	for i := range rows {
		rows[i] = x.Row(i)
		for j := range rows[i] {
			rows[i][j] = float32(rng.NormFloat64())
		}
	}
	return rows, x
}

type answer struct {
	Codes           [][]float32 `json:"codes"`
	Reconstructions [][]float32 `json:"reconstructions"`
	Scores          []float64   `json:"scores"`
	Anomalous       []bool      `json:"anomalous"`
	Threshold       *float64    `json:"threshold"`
	Error           string      `json:"error"`
}

func decode(t testing.TB, b []byte) answer {
	t.Helper()
	var a answer
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("answer is not the expected JSON: %v\n%s", err, b)
	}
	return a
}

func sameMatrix(t testing.TB, what string, got [][]float32, want sae.Matrix) {
	t.Helper()
	if len(got) != want.Rows {
		t.Fatalf("%s: %d rows, want %d", what, len(got), want.Rows)
	}
	for i, r := range got {
		if len(r) != want.Cols {
			t.Fatalf("%s: row %d has %d values, want %d", what, i, len(r), want.Cols)
		}
		for j, v := range r {
			if math.Float32bits(v) != math.Float32bits(want.Data[i*want.Cols+j]) {
				t.Fatalf("%s[%d][%d] = %g, want %g", what, i, j, v, want.Data[i*want.Cols+j])
			}
		}
	}
}

// checkAnswers compares the three routes' answers for rows with the
// model's own results, bit for bit.
func checkAnswers(t testing.TB, h http.Handler, m *sae.Model, rows [][]float32, x sae.Matrix) {
	t.Helper()
	body := inputsBody(rows)
	code, b := do(t, h, "POST", "/v1/encode", "application/json", body)
	if code != 200 {
		t.Fatalf("encode: %d %s", code, b)
	}
	want, _ := m.Encode(x)
	sameMatrix(t, "codes", decode(t, b).Codes, want)

	code, b = do(t, h, "POST", "/v1/reconstruct", "application/json; charset=utf-8", body)
	if code != 200 {
		t.Fatalf("reconstruct: %d %s", code, b)
	}
	want, _ = m.Reconstruct(x)
	sameMatrix(t, "reconstructions", decode(t, b).Reconstructions, want)

	code, b = do(t, h, "POST", "/v1/score", "application/json", body)
	if code != 200 {
		t.Fatalf("score: %d %s", code, b)
	}
	a := decode(t, b)
	scores, _ := m.Score(x)
	if len(a.Scores) != len(scores) || len(a.Anomalous) != len(scores) {
		t.Fatalf("score: %d scores, %d flags for %d rows", len(a.Scores), len(a.Anomalous), len(scores))
	}
	for i, s := range scores {
		if a.Scores[i] != s || a.Anomalous[i] != (s > m.Threshold) {
			t.Fatalf("score %d: %g %v, want %g %v", i, a.Scores[i], a.Anomalous[i], s, s > m.Threshold)
		}
	}
	if a.Threshold == nil || *a.Threshold != m.Threshold {
		t.Fatalf("threshold %v, want %g", a.Threshold, m.Threshold)
	}
}

func TestRoutes(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{})
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 3, 50} {
		rows, x := randomRows(rng, n, testWidth)
		checkAnswers(t, s.Handler(), m, rows, x)
	}
	// Some rows must be flagged and some not, or the flags test nothing.
	rows, _ := randomRows(rng, 200, testWidth)
	for i := range rows[:20] {
		for j := range rows[i] {
			rows[i][j] *= 10
		}
	}
	code, b := do(t, s.Handler(), "POST", "/v1/score", "application/json", inputsBody(rows))
	if code != 200 {
		t.Fatal(code, string(b))
	}
	flagged := 0
	for _, f := range decode(t, b).Anomalous {
		if f {
			flagged++
		}
	}
	if flagged == 0 || flagged == len(rows) {
		t.Errorf("%d of %d rows flagged", flagged, len(rows))
	}

	code, b = do(t, s.Handler(), "GET", "/healthz", "", nil)
	if code != 200 || strings.TrimSpace(string(b)) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", code, b)
	}
	code, b = do(t, s.Handler(), "GET", "/v1/model", "", nil)
	if !bytes.Contains(b, []byte(`"description":"sae 8 -> 5 (relu`)) {
		t.Errorf("model info description: %s", b)
	}
	var info map[string]any
	if code != 200 || json.Unmarshal(b, &info) != nil {
		t.Fatalf("model: %d %s", code, b)
	}
	if info["inputs"] != float64(testWidth) || info["hidden"] != float64(5) || info["description"] != m.String() ||
		info["threshold"] != m.Threshold || info["max_batch"] != float64(1024) {
		t.Errorf("model info %v", info)
	}
	// The model's path and training configuration are private unless
	// asked for.
	if _, ok := info["source"]; ok {
		t.Errorf("model info shows the source: %v", info)
	}
	if _, ok := info["config"]; ok {
		t.Errorf("model info shows the training configuration: %v", info)
	}
	s = newTestServer(t, m, Options{ModelDetails: true})
	_, b = do(t, s.Handler(), "GET", "/v1/model", "", nil)
	info = nil
	json.Unmarshal(b, &info)
	if cfg, ok := info["config"].(map[string]any); !ok || cfg["activation"] != "relu" || info["source"] != "test-model" {
		t.Errorf("model info with details: %v", info)
	}
}

// TestMalformed sends every kind of bad request and checks each gets the
// right 4xx with a JSON error naming the problem.
func TestMalformed(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{MaxBody: 4096, MaxBatch: 3})
	good := `{"inputs":[[1,2,3,4,5,6,7,8]]}`
	for _, tc := range []struct {
		name, method, path, ct, body string
		status                       int
		msg                          string
	}{
		{"bad JSON", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,8]`, 400, "body: invalid JSON"},
		{"not JSON", "POST", "/v1/encode", "application/json", `inputs=1`, 400, "want a JSON object"},
		{"wrong width", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3]]}`, 400, "inputs[0]: 3 values; the model takes 8 per row"},
		{"too wide", "POST", "/v1/reconstruct", "application/json", `{"inputs":[[1,2,3,4,5,6,7,8,9]]}`, 400, "inputs[0]: more than 8 values"},
		{"NaN", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,NaN]]}`, 400, "body: invalid JSON"},
		{"NaN string", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,"NaN"]]}`, 400, "inputs[0][7]: want a number, got a string"},
		{"Inf", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,1e999]]}`, 400, "inputs[0][7]: 1e999 is out of range"},
		{"null", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,null]]}`, 400, "inputs[0][7]: want a number, got null"},
		{"empty batch", "POST", "/v1/score", "application/json", `{"inputs":[]}`, 400, "inputs: empty batch"},
		{"empty body", "POST", "/v1/score", "application/json", ``, 400, "body: empty"},
		{"no inputs", "POST", "/v1/score", "application/json", `{}`, 400, "inputs: missing"},
		{"unknown field", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,8]],"id":7}`, 400, `unknown field "id"`},
		{"batch too large", "POST", "/v1/score", "application/json", `{"inputs":[[1,2,3,4,5,6,7,8],[1,2,3,4,5,6,7,8],[1,2,3,4,5,6,7,8],[1,2,3,4,5,6,7,8]]}`, 413, "inputs: more than 3 rows"},
		{"huge body", "POST", "/v1/score", "application/json", `{"inputs":[[` + strings.Repeat("1,", 5000) + `1]]}`, 413, "body: larger than the limit of 4096 bytes"},
		{"wrong content type", "POST", "/v1/score", "text/plain", good, 415, `Content-Type: "text/plain" is not application/json`},
		{"form content type", "POST", "/v1/score", "application/x-www-form-urlencoded", good, 415, "is not application/json; send the header Content-Type: application/json, or none (curl -d"},
		{"bad content type", "POST", "/v1/score", "application/json; =", good, 415, "is not application/json"},
		{"predict, no labels", "POST", "/v1/predict", "application/json", good, 400, "predict: the model was trained without labels"},
		{"explain, top 0", "POST", "/v1/explain?top=0", "application/json", good, 400, `top: "0" is not a number of columns from 1 to 8`},
		{"explain, top 9", "POST", "/v1/explain?top=9", "application/json", good, 400, `top: "9" is not a number`},
		{"explain, top x", "POST", "/v1/explain?top=x", "application/json", good, 400, `top: "x"`},
		{"explain, GET", "GET", "/v1/explain", "", "", 405, "use POST"},
		{"GET on a POST route", "GET", "/v1/score", "", "", 405, "GET /v1/score: method not allowed; use POST"},
		{"POST on a GET route", "POST", "/healthz", "application/json", good, 405, "use GET, HEAD"},
		{"unknown route", "POST", "/v1/classify", "application/json", good, 404, "no route POST /v1/classify; the service answers POST /v1/encode, /v1/reconstruct, /v1/score, /v1/predict, /v1/explain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, b := do(t, s.Handler(), tc.method, tc.path, tc.ct, []byte(tc.body))
			checkError(t, code, b, tc.status, tc.msg)
		})
	}
	// A body without Content-Length (chunked) over the limit.
	r := httptest.NewRequest("POST", "/v1/score", io.MultiReader(strings.NewReader(`{"inputs":[[`), strings.NewReader(strings.Repeat("1,", 5000))))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	checkError(t, w.Code, w.Body.Bytes(), 413, "body: larger than the limit")
}

func checkError(t testing.TB, code int, b []byte, status int, msg string) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("status %d, body is not JSON: %q", code, b)
	}
	if code != status || !strings.Contains(e.Error, msg) {
		t.Errorf("got %d %q, want %d and %q", code, e.Error, status, msg)
	}
}

// TestConcurrentGoodAndBad runs good and malformed requests at the same
// time through a real HTTP server: every good request gets exactly the
// model's answer, every bad one a 4xx.
func TestConcurrentGoodAndBad(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{MaxBody: 1 << 16, MaxBatch: 16})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	client := ts.Client()
	post := func(path, ct string, body []byte) (int, []byte, error) {
		resp, err := client.Post(ts.URL+path, ct, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	bad := []struct {
		ct   string
		body string
	}{
		{"application/json", `{"inputs":[[1,2,3]]}`},
		{"application/json", `{"inputs":[[1,2,3,4,5,6,7,NaN]]}`},
		{"application/json", `{"inputs":[]}`},
		{"application/json", `{"inputs":[[1,2,3,4,5,6,7,8]`},
		{"text/plain", `{"inputs":[[1,2,3,4,5,6,7,8]]}`},
		{"application/json", `{"inputs":[[` + strings.Repeat("0.5,", 20000) + `1]]}`},
		{"application/json", strings.Repeat("[", 10000)},
		{"application/json", "\x00\xff{"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func(g int) { // good
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 60; i++ {
				rows, x := randomRows(rng, 1+rng.IntN(4), testWidth)
				code, b, err := post("/v1/score", "application/json", inputsBody(rows))
				if err != nil || code != 200 {
					errs <- fmt.Errorf("good request: %d %v %s", code, err, b)
					return
				}
				var a answer
				json.Unmarshal(b, &a)
				want, _ := m.Score(x)
				for k := range want {
					if k >= len(a.Scores) || a.Scores[k] != want[k] {
						errs <- fmt.Errorf("good request: scores %v, want %v", a.Scores, want)
						return
					}
				}
				code, b, err = post("/v1/encode", "application/json", inputsBody(rows))
				if err != nil || code != 200 {
					errs <- fmt.Errorf("good request: %d %v %s", code, err, b)
					return
				}
				json.Unmarshal(b, &a)
				codes, _ := m.Encode(x)
				for k := range codes.Data {
					if r, c := k/codes.Cols, k%codes.Cols; r >= len(a.Codes) || a.Codes[r][c] != codes.Data[k] {
						errs <- fmt.Errorf("good request: codes differ at %d", k)
						return
					}
				}
			}
		}(g)
		go func(g int) { // bad
			defer wg.Done()
			for i := 0; i < 60; i++ {
				bc := bad[(g+i)%len(bad)]
				code, b, err := post("/v1/score", bc.ct, []byte(bc.body))
				if err != nil {
					errs <- fmt.Errorf("bad request %.40q: %v", bc.body, err)
					return
				}
				var e struct{ Error string }
				if code < 400 || code > 499 || json.Unmarshal(b, &e) != nil || e.Error == "" {
					errs <- fmt.Errorf("bad request %.40q: %d %s", bc.body, code, b)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The server is still answering.
	rows, x := randomRows(rand.New(rand.NewPCG(7, 7)), 2, testWidth)
	checkAnswers(t, s.Handler(), m, rows, x)
}

// metricValue returns the value of the sample named (with labels, exactly
// as printed) on the /metrics page.
func metricValue(t testing.TB, h http.Handler, sample string) float64 {
	t.Helper()
	code, b := do(t, h, "GET", "/metrics", "", nil)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	t.Fatalf("no sample %s on /metrics:\n%s", sample, b)
	return 0
}

// TestReloadCorrupt saves a model, serves it, corrupts the files and
// reloads: the reload fails, is counted, and the old model keeps serving;
// then a good new model is swapped in.
func TestReloadCorrupt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	m1, m2 := trainModel(t, 1), trainModel(t, 2)
	if err := m1.Save(dir); err != nil {
		t.Fatal(err)
	}
	s, err := New(LoadDir(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	rows, x := randomRows(rand.New(rand.NewPCG(3, 3)), 4, testWidth)
	checkAnswers(t, h, m1, rows, x)

	weights := filepath.Join(dir, sae.WeightsFile)
	raw, err := os.ReadFile(weights)
	if err != nil {
		t.Fatal(err)
	}
	corruptions := []func(){
		func() { os.WriteFile(weights, raw[:len(raw)/2], 0o644) },
		func() { os.WriteFile(weights, []byte("not a model"), 0o644) },
		func() { os.WriteFile(filepath.Join(dir, sae.ConfigFile), []byte(`{"format":`), 0o644) },
		func() { os.RemoveAll(dir) },
	}
	for i, corrupt := range corruptions {
		corrupt()
		if err := s.Reload(); err == nil {
			t.Fatalf("corruption %d: reload succeeded", i)
		}
		checkAnswers(t, h, m1, rows, x)
		if got := metricValue(t, h, `sae_model_reloads_total{result="error"}`); got != float64(i+1) {
			t.Errorf("reload errors counted %g, want %d", got, i+1)
		}
	}
	if err := m2.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	checkAnswers(t, h, m2, rows, x)
	if got := metricValue(t, h, `sae_model_reloads_total{result="ok"}`); got != 1 {
		t.Errorf("reloads counted %g, want 1", got)
	}
}

// blockingScorer's Score, once armed, tells entered and waits for release.
type blockingScorer struct {
	*sae.Model
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (b *blockingScorer) Score(x sae.Source) ([]float64, error) {
	if b.armed.Load() {
		b.entered <- struct{}{}
		<-b.release
	}
	return b.Model.Score(x)
}

// syncBuffer is a bytes.Buffer for a logger used by several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServeReloadAndShutdown runs Serve on a real listener. A reload
// signal with a broken model keeps the old one serving; cancelling the
// context (SIGTERM in sae serve) refuses new connections but lets the
// request in flight finish with its answer.
func TestServeReloadAndShutdown(t *testing.T) {
	m := trainModel(t, 1)
	bs := &blockingScorer{Model: m, entered: make(chan struct{}, 1), release: make(chan struct{})}
	var calls atomic.Int32
	var logs syncBuffer
	s, err := New(func() (*Model, error) {
		if calls.Add(1) > 1 {
			return nil, fmt.Errorf("model.safetensors: truncated")
		}
		mm := FromSAE(m, "test-model")
		mm.Scorer = bs
		return mm, nil
	}, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reload := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, reload) }()

	rows, x := randomRows(rand.New(rand.NewPCG(4, 4)), 3, testWidth)
	want, _ := m.Score(x)
	score := func() error {
		resp, err := http.Post(url+"/v1/score", "application/json", bytes.NewReader(inputsBody(rows)))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var a answer
		if resp.StatusCode != 200 || json.Unmarshal(b, &a) != nil {
			return fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		for i := range want {
			if i >= len(a.Scores) || a.Scores[i] != want[i] {
				return fmt.Errorf("scores %v, want %v", a.Scores, want)
			}
		}
		return nil
	}
	if err := score(); err != nil {
		t.Fatal(err)
	}

	reload <- syscall.SIGHUP
	eventually(t, "the failed reload", func() bool { return s.metrics.reloadsFailed.Load() == 1 })
	if err := score(); err != nil {
		t.Fatalf("after a failed reload: %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"model reload failed; the old model keeps serving","error":"model.safetensors: truncated"`) {
		t.Errorf("the reload error is not logged:\n%s", logs.String())
	}

	bs.armed.Store(true)
	inflight := make(chan error, 1)
	go func() { inflight <- score() }()
	<-bs.entered
	cancel()
	eventually(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(bs.release)
	if err := <-inflight; err != nil {
		t.Fatalf("the request in flight at shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	for _, msg := range []string{`"msg":"serving"`, `"msg":"shutting down`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("log lacks %s:\n%s", msg, logs.String())
		}
	}
}

// fakeScorer answers with fixed values or panics.
type fakeScorer struct {
	out   float32
	panic bool
}

func (f fakeScorer) Encode(x sae.Matrix) (sae.Matrix, error) {
	if f.panic {
		panic("boom")
	}
	y := sae.NewMatrix(x.Rows, 2)
	for i := range y.Data {
		y.Data[i] = f.out
	}
	return y, nil
}

func (f fakeScorer) Reconstruct(x sae.Matrix) (sae.Matrix, error) {
	y := sae.NewMatrix(x.Rows, x.Cols)
	for i := range y.Data {
		y.Data[i] = f.out
	}
	return y, nil
}

func (f fakeScorer) Score(x sae.Source) ([]float64, error) {
	rows, _ := x.Dims()
	s := make([]float64, rows)
	for i := range s {
		s[i] = float64(f.out)
	}
	return s, nil
}

// TestBadOutputs checks that a non-finite answer is a 422 naming the row
// and that a panicking model is a 500, counted, with the server going on.
func TestBadOutputs(t *testing.T) {
	fake := &fakeScorer{out: 1}
	s, err := New(func() (*Model, error) {
		return &Model{Scorer: fake, Inputs: 2, Hidden: 2, Threshold: 0.5, Source: "fake"}, nil
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	body := []byte(`{"inputs":[[1,2],[3,4]]}`)
	code, b := do(t, h, "POST", "/v1/score", "application/json", body)
	if code != 200 || string(b) != `{"scores":[1,1],"anomalous":[true,true],"threshold":0.5}` {
		t.Fatalf("%d %s", code, b)
	}
	fake.out = float32(math.NaN())
	for _, path := range []string{"/v1/score", "/v1/encode", "/v1/reconstruct"} {
		code, b = do(t, h, "POST", path, "application/json", body)
		checkError(t, code, b, 422, "inputs[0]: ")
	}
	fake.panic = true
	code, b = do(t, h, "POST", "/v1/encode", "application/json", body)
	checkError(t, code, b, 500, "internal error")
	if got := metricValue(t, h, "sae_http_panics_total"); got != 1 {
		t.Errorf("panics counted %g", got)
	}
	fake.panic, fake.out = false, 0.25
	code, b = do(t, h, "POST", "/v1/score", "application/json", body)
	if code != 200 || string(b) != `{"scores":[0.25,0.25],"anomalous":[false,false],"threshold":0.5}` {
		t.Fatalf("%d %s", code, b)
	}
}

// TestOverload checks that requests beyond MaxInFlight get a 503 while
// the health check still answers.
func TestOverload(t *testing.T) {
	m := trainModel(t, 1)
	bs := &blockingScorer{Model: m, entered: make(chan struct{}, 1), release: make(chan struct{})}
	s, err := New(func() (*Model, error) {
		mm := FromSAE(m, "test-model")
		mm.Scorer = bs
		return mm, nil
	}, Options{MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	bs.armed.Store(true)
	body := []byte(`{"inputs":[[1,2,3,4,5,6,7,8]]}`)
	first := make(chan int, 1)
	go func() {
		code, _ := do(t, s.Handler(), "POST", "/v1/score", "application/json", body)
		first <- code
	}()
	<-bs.entered
	code, b := do(t, s.Handler(), "POST", "/v1/score", "application/json", body)
	checkError(t, code, b, 503, "overloaded")
	if code, _ := do(t, s.Handler(), "GET", "/healthz", "", nil); code != 200 {
		t.Errorf("healthz under load: %d", code)
	}
	close(bs.release)
	if code := <-first; code != 200 {
		t.Errorf("first request: %d", code)
	}
	if got := metricValue(t, s.Handler(), `sae_http_requests_rejected_total{reason="overloaded"}`); got != 1 {
		t.Errorf("rejections counted %g", got)
	}
}

// TestMetricsPage checks the page's syntax and that the counters follow
// the requests made.
func TestMetricsPage(t *testing.T) {
	m := trainModel(t, 1)
	s := newTestServer(t, m, Options{})
	h := s.Handler()
	for i := 0; i < 3; i++ {
		do(t, h, "POST", "/v1/score", "application/json", []byte(`{"inputs":[[1,2,3,4,5,6,7,8],[0,0,0,0,0,0,0,0]]}`))
	}
	do(t, h, "POST", "/v1/encode", "application/json", []byte(`{"inputs":[[1,2,3,4,5,6,7,8]]}`))
	do(t, h, "POST", "/v1/score", "text/plain", nil)
	do(t, h, "GET", "/nowhere", "", nil)
	code, b := do(t, h, "GET", "/metrics", "", nil)
	if code != 200 {
		t.Fatal(code)
	}
	sample := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$`)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !sample.MatchString(line) {
			t.Errorf("not a sample line: %q", line)
		}
	}
	for _, c := range []struct {
		sample string
		want   float64
	}{
		{`sae_http_requests_total{route="/v1/score",code="200"}`, 3},
		{`sae_http_requests_total{route="/v1/score",code="415"}`, 1},
		{`sae_http_requests_total{route="/v1/encode",code="200"}`, 1},
		{`sae_http_requests_total{route="other",code="404"}`, 1},
		{`sae_http_request_duration_seconds_count{route="/v1/score"}`, 4},
		{`sae_http_request_duration_seconds_bucket{route="/v1/score",le="+Inf"}`, 4},
		{`sae_rows_total{route="/v1/score"}`, 6},
		{`sae_rows_total{route="/v1/encode"}`, 1},
		{`sae_model_info{description="` + m.String() + `",inputs="8",hidden="5"}`, 1},
		{`sae_http_requests_rejected_total{reason="content_type"}`, 1},
		{`sae_http_requests_rejected_total{reason="not_found"}`, 1},
		{`sae_http_requests_rejected_total{reason="overloaded"}`, 0},
		{`sae_model_threshold`, m.Threshold},
		{`sae_model_reloads_total{result="error"}`, 0},
	} {
		if got := metricValue(t, h, c.sample); got != c.want {
			t.Errorf("%s = %g, want %g", c.sample, got, c.want)
		}
	}
	if rss := metricValue(t, h, "process_resident_memory_bytes"); rss < 1<<20 {
		t.Errorf("resident memory %g", rss)
	}
}

// A model without an anomaly threshold (imported from weights) is served
// with a warning in the log; a trained one without.
func TestNoThresholdWarning(t *testing.T) {
	m := trainModel(t, 1)
	imported, err := sae.FromWeights(m.Config, m.Inputs, m.Weights(), m.Norm)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m    *sae.Model
		warn bool
	}{{m, false}, {imported, true}} {
		var logs syncBuffer
		newTestServer(t, c.m, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		if got := strings.Contains(logs.String(), "no anomaly threshold"); got != c.warn {
			t.Errorf("model with history %v: warning logged %v, want %v (logs %q)", c.m.History != nil, got, c.warn, logs.String())
		}
	}
}

// A model that reconstructed its held-out rows worse than each column's
// mean at training (a stacked model trained with labels can) is served
// with a warning in the log.
func TestPoorFitWarning(t *testing.T) {
	withFVU := func(fvu float64) *sae.Model {
		m := trainModel(t, 1)
		m.History.Val.FVU = fvu
		return m
	}
	for _, c := range []struct {
		m    *sae.Model
		warn bool
	}{{withFVU(0.97), false}, {withFVU(1.03), true}} {
		var logs syncBuffer
		newTestServer(t, c.m, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		if got := strings.Contains(logs.String(), "worse than each column's mean"); got != c.warn {
			t.Errorf("validation fvu %g: warning logged %v, want %v (logs %q)", c.m.History.Val.FVU, got, c.warn, logs.String())
		}
	}
}
