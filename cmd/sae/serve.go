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
	"strings"
	"syscall"
	"time"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/server"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "the HTTP service: encode, reconstruct and score rows sent as JSON",
		usage:   "--model DIR [--addr HOST:PORT] [flags]",
		examples: []string{
			"sae serve --model fm --addr 127.0.0.1:8080",
			`curl -s -H 'Content-Type: application/json' -d '{"inputs": [[0.1, 0.2, ...]]}' localhost:8080/v1/score`,
			"kill -HUP $(pidof sae)    # reload the model directory; a broken one is refused and the old model keeps serving",
			"kill -TERM $(pidof sae)   # stop taking connections, finish the requests in flight, exit",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var modelDir, addr, logFormat, logLevel string
			var threads int
			var opt server.Options
			fs.StringVar(&modelDir, "model", "", "model `dir`ectory (reloaded from the same path on SIGHUP)")
			fs.StringVar(&addr, "addr", "127.0.0.1:8080", "`host:port` to listen on (port 0: any free port, logged)")
			fs.IntVar(&opt.MaxBatch, "max-batch", 1024, "most `rows` in one request (413 beyond)")
			fs.Int64Var(&opt.MaxBody, "max-body", 16<<20, "largest request body in `bytes` (413 beyond)")
			fs.IntVar(&opt.MaxInFlight, "max-inflight", 256, "most model `requests` answered at once; more get 503 with Retry-After")
			fs.DurationVar(&opt.ReadHeaderTimeout, "read-header-timeout", 5*time.Second, "time to read a request's headers")
			fs.DurationVar(&opt.ReadTimeout, "read-timeout", 30*time.Second, "time to read a whole request")
			fs.DurationVar(&opt.WriteTimeout, "write-timeout", 30*time.Second, "time from a request's headers to the end of its answer")
			fs.DurationVar(&opt.IdleTimeout, "idle-timeout", 2*time.Minute, "idle keep-alive connections are closed after this")
			fs.DurationVar(&opt.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM or SIGINT, the wait for requests in flight")
			fs.IntVar(&threads, "threads", 1, "cores one request's arithmetic may use (requests run in parallel anyway)")
			fs.StringVar(&logFormat, "log-format", "json", "log line `format` on stderr: json or text")
			fs.StringVar(&logLevel, "log-level", "info", "`level` of logs: debug (every request), info, warn or error")
			return func(ctx context.Context) error {
				if modelDir == "" {
					return usagef("--model is required")
				}
				if opt.MaxBatch < 1 || opt.MaxBody < 1 || opt.MaxInFlight < 1 || threads < 1 {
					return usagef("--max-batch, --max-body, --max-inflight and --threads must be positive")
				}
				for _, d := range []time.Duration{opt.ReadHeaderTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.IdleTimeout, opt.ShutdownTimeout} {
					if d <= 0 {
						return usagef("timeouts must be positive, got %v", d)
					}
				}
				log, err := newLogger(e.stderr, logFormat, logLevel)
				if err != nil {
					return err
				}
				opt.Logger = log
				kernels.SetThreads(threads)
				// Catch SIGHUP first: its default action would kill the
				// process while the model loads.
				hup := make(chan os.Signal, 1)
				signal.Notify(hup, syscall.SIGHUP)
				defer signal.Stop(hup)
				s, err := server.New(server.LoadDir(modelDir), opt)
				if err != nil {
					return err
				}
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return fmt.Errorf("--addr %s: %v", addr, err)
				}
				fmt.Fprintf(e.stdout, "serving %s on http://%s (SIGHUP reloads %s, SIGTERM stops)\n", s.Model().Description, ln.Addr(), modelDir)
				return s.Serve(ctx, ln, hup)
			}
		},
	})
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
