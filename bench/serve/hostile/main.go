// Command hostile is the hostile half of bench/serve/soak.sh: for a fixed
// time it keeps up the traffic that an exposed sae serve meets from
// clients it does not control, and counts what the server answered.
//
//	go run ./bench/serve/hostile -url http://127.0.0.1:8080 -duration 60s
//
// Kinds of traffic, each from its own goroutines and connections:
//
//   - slow-bodies: a /v1/score request whose 1000-byte body trickles in
//     at 2 bytes a second (until the server's read timeout);
//   - slow-headers: headers at 1 byte a second (until the header timeout);
//   - idle: connections that send nothing;
//   - declared: Content-Length 16 MiB and 12 bytes sent, then silence;
//   - oversized: bodies above the server's limit, declared or chunked,
//     sent as fast as the server reads them;
//   - batches: valid requests of the largest batch, paced;
//   - malformed: a cycle of broken requests (garbage, 70 KB headers, an
//     unknown HTTP version, two Content-Lengths, bad JSON, NaN, 100k
//     nested arrays, wrong widths and content types, unknown routes), one
//     connection each.
//
// Each connection that ends is opened again after a short pause. The
// answer to each request (a status code, or none: the connection closed
// or reset) is counted by kind and printed as one JSON object.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tally counts outcomes by kind.
type tally struct {
	mu sync.Mutex
	n  map[string]map[string]int
}

func (t *tally) add(kind, outcome string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n[kind] == nil {
		t.n[kind] = map[string]int{}
	}
	t.n[kind][outcome]++
}

// answer reads one response on c and names it: its status, or what ended
// the connection instead.
func answer(c net.Conn, deadline time.Time) string {
	c.SetReadDeadline(deadline)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return "closed"
		case strings.Contains(err.Error(), "reset"):
			return "reset"
		case strings.Contains(err.Error(), "timeout"):
			return "no answer"
		}
		return "error"
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

type config struct {
	host     string
	width    int
	maxBody  int64
	maxBatch int
	end      time.Time
	t        *tally

	chunkedOnce sync.Once
	chunked     []byte // a chunked body above the limit
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base `URL`")
	duration := flag.Duration("duration", 60*time.Second, "how long to keep it up")
	slowBodies := flag.Int("slow-bodies", 260, "connections trickling a body")
	slowHeaders := flag.Int("slow-headers", 100, "connections trickling headers")
	idle := flag.Int("idle", 100, "connections that send nothing")
	declared := flag.Int("declared", 200, "connections declaring 16 MiB and sending 12 bytes")
	oversized := flag.Int("oversized", 2, "goroutines sending bodies above the limit")
	batches := flag.Int("batches", 1, "goroutines sending valid largest batches")
	batchPause := flag.Duration("batch-pause", 200*time.Millisecond, "pause between two largest batches of one goroutine")
	malformed := flag.Int("malformed", 2, "goroutines sending broken requests")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Host == "" {
		fatalf("-url %q: want http://host:port", *base)
	}
	cfg := &config{host: u.Host, end: time.Now().Add(*duration), t: &tally{n: map[string]map[string]int{}}}
	if err := cfg.limits(*base); err != nil {
		fatalf("%v", err)
	}
	var wg sync.WaitGroup
	run := func(n int, f func(i int)) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(rand.IntN(1000)) * time.Millisecond) // spread the starts
				for time.Now().Before(cfg.end) {
					f(i)
				}
			}()
		}
	}
	run(*slowBodies, cfg.slowBody)
	run(*slowHeaders, cfg.slowHeader)
	run(*idle, cfg.idle)
	run(*declared, cfg.declared)
	run(*oversized, cfg.oversized)
	batch := cfg.batchRequest()
	run(*batches, func(int) { cfg.send("batches", batch); time.Sleep(*batchPause) })
	reqs := cfg.malformedRequests()
	var next atomic.Int64
	run(*malformed, func(int) { cfg.send("malformed", reqs[int(next.Add(1))%len(reqs)]) })
	wg.Wait()
	b, _ := json.Marshal(cfg.t.n)
	fmt.Println(string(b))
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench/serve/hostile: "+format+"\n", a...)
	os.Exit(1)
}

// limits asks the server for its width and limits.
func (cfg *config) limits(base string) error {
	resp, err := http.Get(strings.TrimRight(base, "/") + "/v1/model")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var info struct {
		Inputs   int   `json:"inputs"`
		MaxBatch int   `json:"max_batch"`
		MaxBody  int64 `json:"max_body_bytes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || info.Inputs < 1 {
		return fmt.Errorf("GET /v1/model: %v", err)
	}
	cfg.width, cfg.maxBatch, cfg.maxBody = info.Inputs, info.MaxBatch, info.MaxBody
	return nil
}

// dial opens a connection, or counts the refusal and pauses.
func (cfg *config) dial(kind string) net.Conn {
	c, err := net.DialTimeout("tcp", cfg.host, 5*time.Second)
	if err != nil {
		cfg.t.add(kind, "dial error")
		time.Sleep(100 * time.Millisecond)
		return nil
	}
	return c
}

// trickle writes b a byte at a time every interval until the connection
// fails or the run ends, then counts the answer if one came.
func (cfg *config) trickle(kind string, head string, b []byte, interval time.Duration) {
	c := cfg.dial(kind)
	if c == nil {
		return
	}
	defer c.Close()
	if _, err := io.WriteString(c, head); err != nil {
		cfg.t.add(kind, "write error")
		return
	}
	got := make(chan string, 1)
	go func() { got <- answer(c, cfg.end.Add(40*time.Second)) }()
	for i := 0; ; i++ {
		select {
		case a := <-got:
			cfg.t.add(kind, a)
			time.Sleep(100 * time.Millisecond)
			return
		case <-time.After(min(interval, time.Until(cfg.end))):
		}
		if !time.Now().Before(cfg.end) {
			cfg.t.add(kind, "held at the end")
			return
		}
		if i < len(b) {
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(b[i : i+1]); err != nil {
				cfg.t.add(kind, "write error")
				return
			}
		}
	}
}

func (cfg *config) slowBody(int) {
	body := []byte(`{"inputs":[[` + strings.Repeat("0,", 500))
	cfg.trickle("slow-bodies", fmt.Sprintf("POST /v1/score HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", cfg.host), body, 500*time.Millisecond)
}

func (cfg *config) slowHeader(int) {
	cfg.trickle("slow-headers", "POST /v1/score HTTP/1.1\r\n", []byte("Host: x\r\nX-Slow: "+strings.Repeat("a", 1000)), time.Second)
}

func (cfg *config) idle(int) {
	cfg.trickle("idle", "", make([]byte, 1000), time.Hour)
}

func (cfg *config) declared(int) {
	cfg.trickle("declared", fmt.Sprintf("POST /v1/score HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 16777216\r\n\r\n{\"inputs\":[[", cfg.host), make([]byte, 1000), time.Hour)
}

// oversized sends a body above the limit: declared (refused on the
// headers) or chunked (refused when the limit is crossed).
func (cfg *config) oversized(i int) {
	if i%2 == 0 {
		cfg.send("oversized", []byte(fmt.Sprintf("POST /v1/score HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", cfg.host, cfg.maxBody+1)))
		return
	}
	cfg.chunkedOnce.Do(func() {
		chunk := strings.Repeat("0.5,", 16<<10)
		var b bytes.Buffer
		fmt.Fprintf(&b, "POST /v1/score HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", cfg.host)
		fmt.Fprintf(&b, "c\r\n{\"inputs\":[[\r\n")
		for n := int64(0); n <= cfg.maxBody; n += int64(len(chunk)) {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		cfg.chunked = b.Bytes()
	})
	cfg.send("oversized", cfg.chunked)
}

// send writes req on a new connection and counts the answer.
func (cfg *config) send(kind string, req []byte) {
	c := cfg.dial(kind)
	if c == nil {
		return
	}
	defer c.Close()
	got := make(chan string, 1)
	go func() { got <- answer(c, time.Now().Add(40*time.Second)) }()
	c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	c.Write(req) // the server may answer and close before all is written
	cfg.t.add(kind, <-got)
}

// batchRequest is a valid request of the largest batch of random rows.
func (cfg *config) batchRequest() []byte {
	rng := rand.New(rand.NewPCG(3, 3))
	var b bytes.Buffer
	b.WriteString(`{"inputs":[`)
	for r := 0; r < cfg.maxBatch && int64(b.Len()) < cfg.maxBody-int64(20*cfg.width); r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j := 0; j < cfg.width; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(float64(rng.Float32()), 'g', -1, 32))
		}
		b.WriteByte(']')
	}
	b.WriteString("]}")
	return cfg.post("/v1/score", "application/json", b.String(), "")
}

func (cfg *config) post(path, ct, body, extra string) []byte {
	return []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n%s", path, cfg.host, ct, len(body), extra, body))
}

// malformedRequests is the cycle of broken requests.
func (cfg *config) malformedRequests() [][]byte {
	row := strings.TrimSuffix(strings.Repeat("0.5,", cfg.width), ",")
	reqs := [][]byte{
		[]byte("\x16\x03\x01\x02\x00garbage\r\n\r\n"),
		[]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n"),
		[]byte("GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n"),
		[]byte("POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"),
		[]byte("POST /v1/score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
		cfg.post("/v1/score", "application/json", `{"inputs":[[`+row+`]`, ""),
		cfg.post("/v1/score", "application/json", `{"inputs":[[NaN,`+row+`]]}`, ""),
		cfg.post("/v1/score", "application/json", strings.Repeat("[", 100000), ""),
		cfg.post("/v1/score", "application/json", `{"inputs":[[1,2,3]]}`, ""),
		cfg.post("/v1/score", "text/plain", `{"inputs":[[`+row+`]]}`, ""),
		cfg.post("/v1/../../etc/passwd", "application/json", `{}`, ""),
		cfg.post("/v1/score", "application/json", `{"inputs":[[1e999,`+row+`]]}`, ""),
	}
	return reqs
}
