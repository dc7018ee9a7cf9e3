package safefile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadRegular reads a regular file through a symlink and refuses, at
// once, every file that is not one or is larger than allowed: without the
// checks, the /dev/zero read never ends and the named pipe's open never
// returns.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, link} {
		b, err := ReadRegular(p, 10)
		if err != nil || string(b) != "0123456789" {
			t.Fatalf("%s: %q %v", p, b, err)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, c := range []struct {
		path string
		max  int64
		err  error
		msg  string
	}{
		{file, 9, ErrTooLarge, "f: too large: 10 bytes, at most 9 expected"},
		{zero, 1 << 20, ErrNotRegular, "zero: not a regular file (a character device)"},
		{fifo, 1 << 20, ErrNotRegular, "fifo: not a regular file (a named pipe)"},
		{sock, 1 << 20, nil, "sock: cannot open"}, // sockets cannot be opened
		{dir, 1 << 20, ErrNotRegular, ": not a regular file (a directory)"},
		{filepath.Join(dir, "missing"), 1 << 20, fs.ErrNotExist, "missing: cannot open: no such file or directory"},
	} {
		done := make(chan error, 1)
		go func() { _, err := ReadRegular(c.path, c.max); done <- err }()
		select {
		case err := <-done:
			if err == nil || (c.err != nil && !errors.Is(err, c.err)) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), c.path) {
				t.Errorf("%s: %v, want %q wrapping %v", c.path, err, c.msg, c.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no answer after 10 s", c.path)
		}
	}
}
