package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// testLine is a progress line writing to a buffer, on a fake clock, with
// lines of at most cols columns.
func testLine(steps, cols int) (*progressLine, *bytes.Buffer, *fakeClock) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	p := newProgressLine(&buf, steps)
	p.now = clock.now
	p.cols = func() int { return cols }
	return p, &buf, clock
}

// screen is what a terminal shows after out is written to an empty line,
// and the widest the line ever was.
func screen(out string) (line string, widest int) {
	var cells []rune
	cur := 0
	for _, r := range out {
		if r == '\r' {
			cur = 0
			continue
		}
		if cur < len(cells) {
			cells[cur] = r
		} else {
			cells = append(cells, r)
		}
		cur++
		widest = max(widest, cur)
	}
	return string(cells), widest
}

// draws is the lines drawn in out, each without its leading \r.
func draws(out string) []string {
	var d []string
	for _, s := range strings.Split(out, "\r") {
		if s != "" && strings.Trim(s, " ") != "" {
			d = append(d, s)
		}
	}
	return d
}

func TestProgressThrottle(t *testing.T) {
	p, buf, clock := testLine(100, 200)
	p.Update("sparse epoch 1/2 loss 0.5", 1)
	if n := len(draws(buf.String())); n != 1 {
		t.Fatalf("first update: %d draws, want 1", n)
	}
	clock.advance(50 * time.Millisecond)
	p.Update("sparse epoch 1/2 loss 0.4", 2)
	clock.advance(49 * time.Millisecond)
	p.Update("sparse epoch 1/2 loss 0.3", 3)
	if n := len(draws(buf.String())); n != 1 {
		t.Fatalf("updates within 100ms: %d draws, want 1", n)
	}
	clock.advance(1 * time.Millisecond) // 100ms since the first draw
	p.Update("sparse epoch 1/2 loss 0.2", 4)
	d := draws(buf.String())
	if len(d) != 2 {
		t.Fatalf("update after 100ms: %d draws, want 2", len(d))
	}
	if !strings.HasPrefix(d[1], "sparse epoch 1/2 loss 0.2 ") || !strings.Contains(d[1], "(4/100)") {
		t.Errorf("second draw %q", d[1])
	}
	// The throttle counts from the last draw, not the last update.
	clock.advance(99 * time.Millisecond)
	p.Update("x", 5)
	if n := len(draws(buf.String())); n != 2 {
		t.Errorf("99ms after a draw: %d draws, want 2", n)
	}
}

func TestProgressLine(t *testing.T) {
	p, buf, clock := testLine(100, 200)
	p.Update("finetune epoch 1/1 loss 0.25 val 0.3 l0 12.5", 0)
	clock.advance(10 * time.Second)
	p.Update("finetune epoch 1/1 loss 0.25 val 0.3 l0 12.5", 10)
	d := draws(buf.String())
	want := "finetune epoch 1/1 loss 0.25 val 0.3 l0 12.5  10% |███" + strings.Repeat(" ", 27) + "| (10/100) [10s:1m30s]"
	if len(d) != 2 || d[1] != want {
		t.Fatalf("draws %q,\nwant last %q", d, want)
	}
	if !strings.Contains(d[0], "[0s:?]") {
		t.Errorf("no estimate before any step is timed: %q", d[0])
	}
}

func TestProgressFinalDraw(t *testing.T) {
	p, buf, clock := testLine(10, 200)
	p.Update("a", 9)
	clock.advance(time.Millisecond)
	p.Update("b", 10) // the last step draws despite the throttle
	d := draws(buf.String())
	if len(d) != 2 {
		t.Fatalf("%d draws, want 2: %q", len(d), d)
	}
	want := "b 100% |" + strings.Repeat("█", 30) + "| (10/10) [0s:0s]"
	if d[1] != want {
		t.Errorf("final draw %q, want %q", d[1], want)
	}
	clock.advance(time.Millisecond)
	p.Update("c", 10) // once only
	if n := len(draws(buf.String())); n != 2 {
		t.Errorf("repeated last step: %d draws, want 2", n)
	}
}

func TestProgressFinishClears(t *testing.T) {
	p, buf, clock := testLine(100, 200)
	p.Update(strings.Repeat("long ", 10), 1)
	clock.advance(time.Second)
	p.Update("short", 2)
	d := draws(buf.String())
	if line, _ := screen(buf.String()); len(d) != 2 || !strings.HasPrefix(d[1], "short ") ||
		strings.TrimRight(line, " ") != strings.TrimRight(d[1], " ") {
		t.Errorf("a shorter line leaves the longer one behind: %q", line)
	}
	before := buf.Len()
	p.Finish()
	out := buf.String()
	if !strings.HasSuffix(out, "\r") || before == len(out) {
		t.Fatalf("finish wrote %q", out[before:])
	}
	if line, widest := screen(out); strings.Trim(line, " ") != "" || len(line) != widest {
		t.Errorf("after finish the line shows %q", line)
	}
	after := buf.Len()
	clock.advance(time.Second)
	p.Update("again", 3)
	p.Finish()
	if buf.Len() != after {
		t.Errorf("after finish: wrote %q", buf.String()[after:])
	}

	// Nothing drawn, nothing to clear.
	p, buf, _ = testLine(100, 200)
	p.Finish()
	if buf.Len() != 0 {
		t.Errorf("finish without a draw wrote %q", buf.String())
	}
}

func TestProgressBeyondTotal(t *testing.T) {
	p, buf, clock := testLine(10, 200)
	p.Update("a", 15)
	clock.advance(time.Second)
	p.Update("b", 20)
	p.Update("c", -3)
	d := draws(buf.String())
	if len(d) != 2 {
		t.Fatalf("%d draws, want 2: %q", len(d), d)
	}
	if want := "a 100% |" + strings.Repeat("█", 30) + "| (15/10) [0s:0s]"; d[0] != want {
		t.Errorf("step beyond the total: %q, want %q", d[0], want)
	}
	if !strings.Contains(d[1], "(20/10)") {
		t.Errorf("step beyond the total: %q", d[1])
	}
	clock.advance(time.Second)
	p.Update("c", -3)
	if d := draws(buf.String()); len(d) != 3 || !strings.Contains(d[2], "  0% |"+strings.Repeat(" ", 30)+"|") {
		t.Errorf("negative step: %q", d)
	}
}

func TestProgressZeroSteps(t *testing.T) {
	for _, steps := range []int{0, -1} {
		p, buf, clock := testLine(steps, 200)
		for _, step := range []int{0, 1, 5, -1} {
			p.Update("d", step)
			clock.advance(time.Second)
		}
		p.Finish()
		if buf.Len() != 0 {
			t.Errorf("steps %d: wrote %q", steps, buf.String())
		}
	}
}

func TestProgressWidth(t *testing.T) {
	long := strings.Repeat("finetune epoch 1/1 loss 0.25 ", 10) + "é∑"
	for _, cols := range []int{1, 10, 40, 59, 60, 61, 80, 1000} {
		p, buf, clock := testLine(1000000, cols)
		for _, step := range []int{0, 1, 999999, 1000000, 1000001} {
			p.Update(long, step)
			clock.advance(time.Second)
		}
		for _, d := range draws(buf.String()) {
			if !utf8.ValidString(d) {
				t.Errorf("cols %d: invalid UTF-8 in %q", cols, d)
			}
			if n := utf8.RuneCountInString(d); n > cols {
				t.Errorf("cols %d: line of %d columns: %q", cols, n, d)
			}
		}
		if _, widest := screen(buf.String()); widest > cols {
			t.Errorf("cols %d: the line reached %d columns", cols, widest)
		}
		// At the end the bar is full: as wide as it can be, down to 10
		// cells, before the description is cut.
		want := 10
		if cols == 1000 {
			want = 30
		}
		if last := draws(buf.String()); cols >= 80 && !strings.Contains(last[len(last)-1], "|"+strings.Repeat("█", want)+"|") {
			t.Errorf("cols %d: want a bar of %d cells: %q", cols, want, last[len(last)-1])
		}
	}

	// Not a terminal: progressCols columns.
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := lineCols(f); n != progressCols {
		t.Errorf("a file: %d columns, want %d", n, progressCols)
	}
	var buf bytes.Buffer
	p := newProgressLine(&buf, 10)
	p.Update(long, 3)
	if d := draws(buf.String()); len(d) != 1 || utf8.RuneCountInString(d[0]) != progressCols {
		t.Errorf("to a buffer: %q, want %d columns", d, progressCols)
	}
}

func TestProgressNarrowBar(t *testing.T) {
	desc := "sparse epoch 12/20 loss 0.01234 val 0.02" // 40 columns
	for _, tc := range []struct{ cols, cells int }{{200, 30}, {94, 30}, {93, 29}, {79, 15}, {74, 10}, {73, 10}} {
		p, buf, _ := testLine(72, tc.cols)
		p.Update(desc, 72)
		d := draws(buf.String())
		if len(d) != 1 {
			t.Fatalf("cols %d: %d draws", tc.cols, len(d))
		}
		if n := strings.Count(d[0], "█"); n != tc.cells {
			t.Errorf("cols %d: bar of %d cells, want %d: %q", tc.cols, n, tc.cells, d[0])
		}
		if tc.cols >= 74 && !strings.HasPrefix(d[0], desc+" ") {
			t.Errorf("cols %d: the description was cut: %q", tc.cols, d[0])
		}
		if n := utf8.RuneCountInString(d[0]); n > tc.cols {
			t.Errorf("cols %d: %d columns: %q", tc.cols, n, d[0])
		}
	}
}

// TestProgressShow checks that Show draws at once, inside the throttle
// window, where Update waits.
func TestProgressShow(t *testing.T) {
	p, buf, clock := testLine(10, 200)
	p.Update("sparse epoch 1/1 loss 0.5", 10)
	clock.advance(time.Millisecond)
	p.Update("sparse epoch 1/1 loss 0.4", 10)
	if n := len(draws(buf.String())); n != 1 {
		t.Fatalf("update within 100ms: %d draws, want 1", n)
	}
	p.Show("final passes over the data", 10)
	d := draws(buf.String())
	if len(d) != 2 || !strings.HasPrefix(d[1], "final passes over the data ") {
		t.Fatalf("draws %q, want the final passes shown at once", d)
	}
}

// TestProgressNarrowTerminal checks how the line gives way on a narrow
// terminal: the counts go before the description is cut below 16
// columns, then the bar; the percentage and the times stay longest.
func TestProgressNarrowTerminal(t *testing.T) {
	desc := "scoring 300000 rows (3 models)"
	for _, tc := range []struct {
		cols      int
		want, not []string
	}{
		{60, []string{"scoring 300000 r", " 50% |", "(450000/900000)", "[0s:?]"}, nil},
		{45, []string{"scoring 300000 rows ", " 50% |", "| [0s:?]"}, []string{"(450000"}},
		{39, []string{"scoring 300000 rows (3 mode", " 50% [0s:?]"}, []string{"|", "(450000"}},
		{25, []string{"scoring 30000", " 50% [0s:?]"}, []string{"|"}},
		{8, []string{"50% [0s:"}, nil},
	} {
		p, buf, _ := testLine(900000, tc.cols)
		p.Update(desc, 450000)
		d := draws(buf.String())
		if len(d) != 1 || utf8.RuneCountInString(d[0]) > tc.cols {
			t.Fatalf("cols %d: %q", tc.cols, d)
		}
		for _, w := range tc.want {
			if !strings.Contains(d[0], w) {
				t.Errorf("cols %d: %q lacks %q", tc.cols, d[0], w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(d[0], w) {
				t.Errorf("cols %d: %q has %q", tc.cols, d[0], w)
			}
		}
	}
}
