// Command serve is the load generator for sae serve: N clients, each on
// its own keep-alive connection, send requests back to back for a fixed
// time and the latencies are counted exactly. It samples the server's
// resident memory from /proc while it runs.
//
//	go run ./bench/serve -url http://127.0.0.1:8080 -clients 1,16,128 -duration 60s -pid PID -data t10k-images-idx3-ubyte.gz
//
// Each request is written whole and its response read with
// net/http.ReadResponse on a bufio.Reader: the client does as little work
// as it can, since it shares the machine's cores with the server.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sae-go/sae/internal/data"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base `URL`")
	path := flag.String("path", "/v1/score", "route to load")
	clients := flag.String("clients", "1,16,128", "comma-separated client `counts`, one run each")
	duration := flag.Duration("duration", 60*time.Second, "measured time of each run")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time before each run")
	rows := flag.Int("rows", 1, "rows per request")
	dataPath := flag.String("data", "", "data `file` whose rows are sent (default: random values in [0,1])")
	distinct := flag.Int("bodies", 256, "distinct request bodies, sent in turn")
	pid := flag.Int("pid", 0, "server `pid` whose RSS is sampled (0: none)")
	jsonOut := flag.Bool("json", false, "print one JSON object per run instead of the table")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil || u.Host == "" {
		fatalf("-url %q: want http://host:port", *base)
	}
	width, err := modelWidth(*base)
	if err != nil {
		fatalf("%v", err)
	}
	bodies, err := makeBodies(*dataPath, width, *rows, *distinct)
	if err != nil {
		fatalf("%v", err)
	}
	reqs := make([][]byte, len(bodies))
	for i, b := range bodies {
		reqs[i] = append([]byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", *path, u.Host, len(b))), b...)
	}
	if !*jsonOut {
		fmt.Printf("%s, %d row(s) of %d values per request (%d-byte bodies on average), %v per run after %v warm-up\n\n",
			*path, *rows, width, avgLen(bodies), *duration, *warmup)
		fmt.Println("| clients | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | server RSS MiB: start / max / end | CPU µs/request: server + client |")
		fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
	}
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatalf("-clients %q: want positive integers", *clients)
		}
		r := runLoad(u.Host, reqs, n, *warmup, *duration, *pid)
		r.RowsPerRequest = *rows
		if *jsonOut {
			b, _ := json.Marshal(r)
			fmt.Println(string(b))
			continue
		}
		fmt.Printf("| %d | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %.0f / %.0f / %.0f | %.0f + %.0f |\n",
			r.Clients, r.RequestsPerSec, r.P50ms, r.P90ms, r.P99ms, r.P999ms, r.MaxMs, r.Errors,
			r.RSSStartMiB, r.RSSMaxMiB, r.RSSEndMiB, r.ServerCPUus, r.ClientCPUus)
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench/serve: "+format+"\n", a...)
	os.Exit(1)
}

// modelWidth asks the server for its input width.
func modelWidth(base string) (int, error) {
	resp, err := http.Get(strings.TrimRight(base, "/") + "/v1/model")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var info struct{ Inputs int }
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || info.Inputs < 1 {
		return 0, fmt.Errorf("GET /v1/model: no input width (%v)", err)
	}
	return info.Inputs, nil
}

// makeBodies builds n request bodies of rows rows each, from the data
// file's rows in turn or from random values.
func makeBodies(path string, width, rows, n int) ([][]byte, error) {
	var src [][]float32
	if path != "" {
		m, err := data.Load(path, data.Options{})
		if err != nil {
			return nil, err
		}
		if m.Cols != width {
			return nil, fmt.Errorf("%s: rows of %d values, the model takes %d", path, m.Cols, width)
		}
		for i := 0; i < min(m.Rows, n*rows); i++ {
			src = append(src, m.Data[i*width:(i+1)*width])
		}
	} else {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < n*rows; i++ {
			r := make([]float32, width)
			for j := range r {
				r[j] = rng.Float32()
			}
			src = append(src, r)
		}
	}
	bodies := make([][]byte, n)
	k := 0
	for i := range bodies {
		var b bytes.Buffer
		b.WriteString(`{"inputs":[`)
		for r := 0; r < rows; r++ {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for j, v := range src[k%len(src)] {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
			}
			b.WriteByte(']')
			k++
		}
		b.WriteString("]}")
		bodies[i] = b.Bytes()
	}
	return bodies, nil
}

func avgLen(b [][]byte) int {
	s := 0
	for _, x := range b {
		s += len(x)
	}
	return s / len(b)
}

// result is one run's figures.
type result struct {
	Clients        int       `json:"clients"`
	RowsPerRequest int       `json:"rows_per_request"`
	Seconds        float64   `json:"seconds"`
	Requests       int       `json:"requests"`
	RequestsPerSec float64   `json:"requests_per_second"`
	P50ms          float64   `json:"p50_ms"`
	P90ms          float64   `json:"p90_ms"`
	P99ms          float64   `json:"p99_ms"`
	P999ms         float64   `json:"p999_ms"`
	MaxMs          float64   `json:"max_ms"`
	Errors         int64     `json:"errors"`
	RSSStartMiB    float64   `json:"rss_start_mib"`
	RSSMaxMiB      float64   `json:"rss_max_mib"`
	RSSEndMiB      float64   `json:"rss_end_mib"`
	RSSSamplesMiB  []float64 `json:"rss_samples_mib,omitempty"`
	// CPU time per request, user + system, of the server and of this
	// load generator: what the two cost on idle cores, whatever else the
	// machine ran meanwhile.
	ServerCPUus float64 `json:"server_cpu_us_per_request"`
	ClientCPUus float64 `json:"client_cpu_us_per_request"`
}

// runLoad runs n clients for warmup+d and measures the last d.
func runLoad(host string, reqs [][]byte, n int, warmup, d time.Duration, pid int) result {
	var measuring, stop atomic.Bool
	var errs atomic.Int64
	lat := make([][]uint32, n) // microseconds, per client
	var wg sync.WaitGroup
	for c := 0; c < n; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			lat[c] = client(host, reqs, c, &measuring, &stop, &errs)
		}(c)
	}
	time.Sleep(warmup)
	var rss []float64
	sample := func() {
		if v, ok := rssMiB(pid); ok {
			rss = append(rss, v)
		}
	}
	sample()
	srv0, _ := procCPU(pid)
	cli0 := selfCPU()
	measuring.Store(true)
	start := time.Now()
	for t := time.Second; t <= d; t += time.Second {
		time.Sleep(time.Until(start.Add(t)))
		sample()
	}
	time.Sleep(time.Until(start.Add(d)))
	measuring.Store(false)
	elapsed := time.Since(start)
	srv1, srvOK := procCPU(pid)
	cli1 := selfCPU()
	stop.Store(true)
	wg.Wait()

	var all []uint32
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	q := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / 1e3
	}
	r := result{Clients: n, Seconds: elapsed.Seconds(), Requests: len(all),
		RequestsPerSec: float64(len(all)) / elapsed.Seconds(),
		P50ms:          q(0.5), P90ms: q(0.9), P99ms: q(0.99), P999ms: q(0.999), Errors: errs.Load()}
	if len(all) > 0 {
		r.MaxMs = float64(all[len(all)-1]) / 1e3
		if srvOK {
			r.ServerCPUus = (srv1 - srv0).Seconds() * 1e6 / float64(len(all))
		}
		r.ClientCPUus = (cli1 - cli0).Seconds() * 1e6 / float64(len(all))
	}
	if len(rss) > 0 {
		r.RSSStartMiB, r.RSSEndMiB = rss[0], rss[len(rss)-1]
		r.RSSMaxMiB = slices.Max(rss)
		r.RSSSamplesMiB = rss
	}
	return r
}

// client sends requests on one connection until stop, returning the
// latencies measured while measuring. Errors (a status other than 200, a
// broken connection), warm-up included, are counted and the connection is
// opened again.
func client(host string, reqs [][]byte, c int, measuring, stop *atomic.Bool, errs *atomic.Int64) []uint32 {
	var lat []uint32
	var conn net.Conn
	var br *bufio.Reader
	i := c * 7919
	for !stop.Load() {
		if conn == nil {
			var err error
			if conn, err = net.Dial("tcp", host); err != nil {
				errs.Add(1)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br = bufio.NewReaderSize(conn, 64<<10)
		}
		req := reqs[i%len(reqs)]
		i++
		t0 := time.Now()
		err := roundTrip(conn, br, req)
		us := time.Since(t0).Microseconds()
		if err != nil {
			errs.Add(1)
			conn.Close()
			conn = nil
			continue
		}
		if measuring.Load() {
			lat = append(lat, uint32(min(us, 1<<32-1)))
		}
	}
	if conn != nil {
		conn.Close()
	}
	return lat
}

var errStatus = errors.New("status is not 200")

func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) error {
	if _, err := conn.Write(req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errStatus
	}
	return nil
}

// procCPU reads the user + system CPU time of process pid from /proc
// (10 ms resolution).
func procCPU(pid int) (time.Duration, bool) {
	if pid == 0 {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: count from the ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, true
}

// selfCPU is this process's user + system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMiB reads VmRSS of process pid.
func rssMiB(pid int) (float64, bool) {
	if pid == 0 {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
				return kb / 1024, true
			}
		}
	}
	return 0, false
}
