//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of cols columns: its master, to read
// what is drawn, and its terminal side, to give a command as stderr.
func openPTY(t *testing.T, cols int) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("open the terminal side: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	return master, tty
}

// onTerminal runs the command line with stderr on a terminal of cols
// columns and returns what the terminal received.
func onTerminal(t *testing.T, cols int, args ...string) string {
	t.Helper()
	master, tty := openPTY(t, cols)
	defer master.Close()
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO once the terminal side is closed
		got <- b.Bytes()
	}()
	var stdout bytes.Buffer
	code := run(context.Background(), args, &stdout, tty)
	tty.Close()
	out := string(<-got)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, out)
	}
	return out
}

// TestProgressFitsNarrowTerminal runs the commands that draw a progress
// line on a terminal 40 columns wide, the width it learns from the
// terminal and from $COLUMNS: every line drawn in place fits in 39
// columns (one that filled the 40th would wrap on some terminals, and
// each redraw would then start a new line), and each command draws one
// that reaches 100% (its passes over the data counted).
func TestProgressFitsNarrowTerminal(t *testing.T) {
	dir := t.TempDir()
	x := sweepData(t, dir, 1500)
	model := filepath.Join(dir, "m")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--epochs", "2", "--hidden", "64", "--ensemble", "2"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	cmds := map[string][]string{
		"train":   {"train", "--data", x, "--out", filepath.Join(dir, "m2"), "--epochs", "2", "--hidden", "64", "--ensemble", "1"},
		"score":   {"score", "--model", model, "--data", x},
		"inspect": {"inspect", "--model", model, "--data", x, "--out", filepath.Join(dir, "i.json")},
		"report":  {"report", "--model", model, "--data", x, "--out", filepath.Join(dir, "r.html")},
	}
	for _, env := range []struct {
		columns   string
		ttyWidth  int
		whichRule string
	}{{"", 40, "the terminal's width"}, {"40", 200, "$COLUMNS"}} {
		t.Setenv("COLUMNS", env.columns)
		for name, args := range cmds {
			out := onTerminal(t, env.ttyWidth, args...)
			drawn, full := 0, false
			for _, line := range strings.Split(out, "\n") {
				if !strings.Contains(strings.TrimSuffix(line, "\r"), "\r") {
					continue // a message line, not drawn in place
				}
				drawn++
				full = full || strings.Contains(line, "100%")
				if _, widest := screen(line); widest > 39 {
					t.Errorf("%s (%s 40): the progress line reached column %d: %q", name, env.whichRule, widest, line)
				}
				for _, seg := range strings.Split(line, "\r") {
					if !utf8.ValidString(seg) {
						t.Errorf("%s: invalid UTF-8 drawn: %q", name, seg)
					}
				}
			}
			if drawn == 0 || !full {
				t.Errorf("%s (%s 40): no progress line drawn to 100%%: %q", name, env.whichRule, out)
			}
			// --quiet draws none.
			if env.columns != "" {
				continue
			}
			if out := onTerminal(t, env.ttyWidth, append(args[:len(args):len(args)], "--quiet")...); strings.Contains(out, "%") {
				t.Errorf("%s --quiet drew: %q", name, out)
			}
			os.RemoveAll(filepath.Join(dir, "m2"))
		}
	}
}
