package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// torchPeer is torch_peer.py running beside us: PyTorch's matmul, timed by
// the script on our request, so that its samples alternate with ours.
type torchPeer struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	version string
}

// startTorch starts the peer with python, at threads threads, its OpenMP
// threads sleeping between requests.
func startTorch(python, script string, threads int) (*torchPeer, error) {
	cmd := exec.Command(python, script, "--threads", strconv.Itoa(threads))
	cmd.Env = append(os.Environ(), "OMP_WAIT_POLICY=PASSIVE", "OMP_NUM_THREADS="+strconv.Itoa(threads))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("torch peer: %w", err)
	}
	p := &torchPeer{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	if p.version, err = p.line(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *torchPeer) line() (string, error) {
	if !p.out.Scan() {
		if err := p.out.Err(); err != nil {
			return "", fmt.Errorf("torch peer: %w", err)
		}
		return "", fmt.Errorf("torch peer: ended")
	}
	return p.out.Text(), nil
}

func (p *torchPeer) ask(format string, args ...any) (string, error) {
	if _, err := fmt.Fprintf(p.in, format+"\n", args...); err != nil {
		return "", fmt.Errorf("torch peer: %w", err)
	}
	return p.line()
}

// shape makes the peer's operands for s.
func (p *torchPeer) shape(s shape) error {
	b := func(x bool) int {
		if x {
			return 1
		}
		return 0
	}
	r, err := p.ask("shape %d %d %d %d %d", s.m, s.n, s.k, b(s.transA), b(s.transB))
	if err == nil && r != "ready" {
		err = fmt.Errorf("torch peer: %s", r)
	}
	return err
}

// time is the peer's seconds for calls products of op (fp32, bf16,
// autocast).
func (p *torchPeer) time(op string, calls int) float64 {
	r, err := p.ask("time %s %d", op, calls)
	if err == nil {
		var sec float64
		if sec, err = strconv.ParseFloat(strings.TrimSpace(r), 64); err == nil {
			return sec
		}
		err = fmt.Errorf("torch peer: %q", r)
	}
	fmt.Fprintln(os.Stderr, "gemm:", err)
	os.Exit(1)
	return 0
}

func (p *torchPeer) close() {
	fmt.Fprintln(p.in, "quit")
	p.in.Close()
	p.cmd.Wait()
}
