package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the serve test run this test binary as the sae command,
// and removes the shared fixture (conventions_test.go) after the tests.
func TestMain(m *testing.M) {
	if os.Getenv("SAE_TEST_MAIN") == "1" {
		main()
	}
	code := m.Run()
	removeFixture()
	os.Exit(code)
}

func TestServeUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"serve"},
		{"serve", "--model", dir, "--log-format", "xml"},
		{"serve", "--model", dir, "--log-level", "loud"},
		{"serve", "--model", dir, "--max-batch", "0"},
		{"serve", "--model", dir, "--read-timeout", "0s"},
		{"serve", "--model", dir, "--tls-cert", "cert.pem"},
		{"serve", "--model", dir, "--log-sample", "1.5"},
		{"serve", "--model", dir, "--max-memory", "-1"},
		{"serve", "--model", dir, "--max-conns-per-client", "-1"},
	} {
		if _, stderr, code := saeRun(t, args...); code != 2 {
			t.Errorf("sae %s: exit %d, want 2 (%s)", strings.Join(args, " "), code, stderr)
		}
	}
	_, stderr, code := saeRun(t, "serve", "--model", filepath.Join(dir, "nothing"))
	if code != 1 || !strings.Contains(stderr, "sae: error: ") || !strings.Contains(stderr, "no such model directory") {
		t.Errorf("missing model: exit %d, %q", code, stderr)
	}
}

// TestServeProcess runs sae serve as a process and drives it with
// signals: SIGHUP with a weights file that is a named pipe (whose open
// used to hang the reload, and SIGTERM with it) keeps the old model
// serving (logged and counted), SIGTERM stops it cleanly.
func TestServeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "5"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	cmd := exec.Command(os.Args[0], "serve", "--model", model, "--addr", "127.0.0.1:0", "--drain-timeout", "1s")
	cmd.Env = append(os.Environ(), "SAE_TEST_MAIN=1")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v; logs:\n%s", err, logs.String())
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("first line %q names no address", line)
	}
	url := strings.Fields(line[i:])[0]

	get := func(path string) string {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	score := func() []float64 {
		body := `{"inputs":[[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8],[1,-1,1,-1,1,-1,1,-1]]}`
		resp, err := http.Post(url+"/v1/score", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct{ Scores []float64 }
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&a) != nil || len(a.Scores) != 2 {
			t.Fatalf("score: status %d", resp.StatusCode)
		}
		return a.Scores
	}
	before := score()

	weights := filepath.Join(model, "model.safetensors")
	os.Remove(weights)
	if err := syscall.Mkfifo(weights, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(get("/metrics"), `sae_model_reloads_total{result="error"} 1`) {
		if time.Now().After(deadline) {
			t.Fatalf("the failed reload is not counted; logs:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after := score(); after[0] != before[0] || after[1] != before[1] {
		t.Errorf("scores changed after a failed reload: %v, then %v", before, after)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; logs:\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit 20 s after SIGTERM; logs:\n%s", logs.String())
	}
	out := logs.String()
	for _, want := range []string{`"msg":"serving"`, `"msg":"model reload failed; the old model keeps serving"`, "model.safetensors: not a regular file (a named pipe)",
		`"msg":"request"`, `"route":"/v1/score","status":200,"rows":2`, `"msg":"draining`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}
