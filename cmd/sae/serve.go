package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/server"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "the HTTP service: encode, reconstruct, score, explain and classify rows sent as JSON",
		usage:   "--model DIR [--addr HOST:PORT] [flags]",
		examples: []string{
			"sae serve --model fm --addr 127.0.0.1:8080",
			`curl -s -H 'Content-Type: application/json' -d '{"inputs": [[0.1, 0.2, ...]]}' localhost:8080/v1/score`,
			`curl -s -H 'Content-Type: application/json' -d @rows.json 'localhost:8080/v1/explain?top=5'   # each row's 5 columns with the most of its error (0-based)`,
			`curl -s -H 'Content-Type: application/json' -d @rows.json localhost:8080/v1/predict   # classes and probabilities (a model trained with --labels)`,
			"kill -HUP $(pidof sae)    # reload the model directory, tokens and certificate; a broken one is refused and the old one keeps serving",
			"kill -TERM $(pidof sae)   # drain keep-alive clients, finish the requests in flight, exit",
			"sae serve --model fm --addr :8443 --auth-tokens tokens.txt --tls-cert cert.pem --tls-key key.pem   # facing clients you do not control",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			f := &serveFlags{}
			f.define(fs)
			return func(ctx context.Context) error { return f.run(ctx, e) }
		},
	})
}

// serveFlags are sae serve's flags.
type serveFlags struct {
	modelDir, addr, logFormat, logLevel, exempt string
	threads                                     int
	opt                                         server.Options
}

func (f *serveFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.modelDir, "model", "", "model `dir`ectory (reloaded from the same path on SIGHUP)")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on (port 0: any free port, logged; an empty host is every interface, logged as a warning)")
	fs.IntVar(&f.opt.MaxBatch, "max-batch", 1024, "most `rows` in one request (413 beyond)")
	fs.Int64Var(&f.opt.MaxBody, "max-body", 16<<20, "largest request body in `bytes` (413 beyond)")
	fs.IntVar(&f.opt.MaxInFlight, "max-inflight", 256, "most model `requests` computed at once, counted once their body is read; more get 503 with Retry-After")
	fs.Int64Var(&f.opt.ProcessMemory, "max-memory", 0, "memory budget of the process in `bytes`: the model, --max-conns connections at 48 KiB each, and what is left for the buffers of requests in flight (bodies as they arrive, parsed rows, the model's work, answers; 503 beyond); the Go runtime is held to it. 0: the model, the connections and 256 MiB for requests")
	fs.IntVar(&f.opt.MaxConns, "max-conns", 1024, "most `connections` open at once; more get 503 and are closed")
	fs.IntVar(&f.opt.MaxConnsPerClient, "max-conns-per-client", 0, "most `connections` from one IP address (0: no limit; leave it 0 behind a proxy, where every client has the proxy's address)")
	fs.DurationVar(&f.opt.ReadHeaderTimeout, "read-header-timeout", 5*time.Second, "time to read a request's headers")
	fs.DurationVar(&f.opt.ReadTimeout, "read-timeout", 30*time.Second, "time to read a whole request, body included (408 beyond)")
	fs.DurationVar(&f.opt.WriteTimeout, "write-timeout", 30*time.Second, "time from the end of a request's body to the end of its answer")
	fs.DurationVar(&f.opt.IdleTimeout, "idle-timeout", 2*time.Minute, "idle keep-alive connections are closed after this")
	fs.DurationVar(&f.opt.DrainTimeout, "drain-timeout", 5*time.Second, "on SIGTERM or SIGINT, the longest time answers say Connection: close (so keep-alive clients move away) before idle connections are closed; shorter once none is open")
	fs.DurationVar(&f.opt.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "after the drain, the wait for requests in flight")
	fs.StringVar(&f.opt.AuthTokensFile, "auth-tokens", "", "`file` of bearer tokens, one per line (at least 16 characters; # comments): requests must carry Authorization: Bearer <token> (401 otherwise); reloaded on SIGHUP")
	fs.StringVar(&f.exempt, "auth-exempt", "/healthz,/readyz,/metrics", "comma-separated `routes` answered without a token (empty: none)")
	fs.StringVar(&f.opt.TLSCertFile, "tls-cert", "", "PEM certificate chain `file`: serve HTTPS (with --tls-key); reloaded on SIGHUP")
	fs.StringVar(&f.opt.TLSKeyFile, "tls-key", "", "PEM private key `file` of --tls-cert")
	fs.BoolVar(&f.opt.ModelDetails, "model-details", false, "show the model directory's path and training configuration on /v1/model and /metrics")
	fs.IntVar(&f.threads, "threads", 1, "`N` cores one request's arithmetic may use (requests run in parallel anyway)")
	fs.StringVar(&f.logFormat, "log-format", "json", "log line `format` on stderr: json or text")
	fs.StringVar(&f.logLevel, "log-level", "info", "`level` of logs: debug, info (one access line per request), warn or error")
	fs.Float64Var(&f.opt.LogSample, "log-sample", 1, "`fraction` of requests that get an access log line (the 5xx other than 503 always do)")
}

func (f *serveFlags) run(ctx context.Context, e *env) error {
	if f.modelDir == "" {
		return usagef("--model is required")
	}
	if f.opt.MaxBatch < 1 || f.opt.MaxBody < 1 || f.opt.MaxInFlight < 1 || f.opt.MaxConns < 1 || f.threads < 1 {
		return usagef("--max-batch, --max-body, --max-inflight, --max-conns and --threads must be positive")
	}
	if f.opt.ProcessMemory < 0 {
		return usagef("--max-memory must be >= 0")
	}
	if f.opt.MaxConnsPerClient < 0 {
		return usagef("--max-conns-per-client must be >= 0")
	}
	for _, d := range []time.Duration{f.opt.ReadHeaderTimeout, f.opt.ReadTimeout, f.opt.WriteTimeout, f.opt.IdleTimeout, f.opt.DrainTimeout, f.opt.ShutdownTimeout} {
		if d <= 0 {
			return usagef("timeouts must be positive, got %v", d)
		}
	}
	if (f.opt.TLSCertFile == "") != (f.opt.TLSKeyFile == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	if !(f.opt.LogSample >= 0 && f.opt.LogSample <= 1) {
		return usagef("--log-sample %g: want a fraction in [0, 1]", f.opt.LogSample)
	}
	if f.opt.LogSample == 0 {
		f.opt.LogSample = -1 // none (0 in Options means the default, all)
	}
	f.opt.AuthExempt = []string{}
	for _, r := range strings.Split(f.exempt, ",") {
		if r = strings.TrimSpace(r); r != "" {
			f.opt.AuthExempt = append(f.opt.AuthExempt, r)
		}
	}
	log, err := newLogger(e.stderr, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	f.opt.Logger = log
	kernels.SetThreads(f.threads)
	// Catch SIGHUP first: its default action would kill the
	// process while the model loads.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	s, err := server.New(server.LoadDir(f.modelDir), f.opt)
	if err != nil {
		return err
	}
	setMemoryLimit(s)
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %v", f.addr, err)
	}
	scheme := "http"
	if f.opt.TLSCertFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(e.stdout, "serving %s on %s://%s (SIGHUP reloads %s, SIGTERM stops)\n", s.Model().Description, scheme, ln.Addr(), f.modelDir)
	return s.Serve(ctx, ln, hup)
}

// setMemoryLimit holds the Go runtime to the server's memory budget
// (debug.SetMemoryLimit), unless GOMEMLIMIT sets a limit of its own:
// requests reserve from the budget before they allocate, and this keeps
// the garbage they leave from growing the process beyond it.
func setMemoryLimit(s *server.Server) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(s.MemoryLimit())
	}
}

// newLogger is a slog logger writing to w in the format and from the
// level named.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	}
	return nil, usagef("--log-format %q: want json or text", format)
}
