package main

// The training progress line: one line on an interactive stream, redrawn in
// place with \r, cleared when training ends. It replaces a third-party
// progress-bar package whose package initialisation and code weighed on the
// CLI's start-up pages and peak RSS.

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/sae-go/sae"
)

const (
	progressBarCells = 30                     // width of the bar in cells
	progressMinCells = 10                     // narrowest bar before the description is cut
	progressMinDesc  = 16                     // description kept before the counts and the bar go
	progressEvery    = 100 * time.Millisecond // least time between redraws
	progressCols     = 100                    // line width when the terminal's is unknown
)

// progressLine draws "desc  42% |████      | (42/100) [3s:4s]" and redraws
// it in place. It is not safe for concurrent use. Write errors are ignored:
// the line is cosmetic and must not fail a training run.
type progressLine struct {
	w     io.Writer
	steps int
	now   func() time.Time
	// cols is the most columns a line may take.
	cols func() int

	started   bool
	start     time.Time // time of the first update
	startStep int       // step of the first update (a resumed run starts late)
	drawnAt   time.Time // time of the last draw
	drawnStep int       // step of the last draw
	drawnLen  int       // columns of the line on screen, 0 if none
	finished  bool
}

// newProgressLine returns a progress line for a run of steps steps written
// to w. Its lines fit the terminal's width when w is a terminal, and
// progressCols columns otherwise.
func newProgressLine(w io.Writer, steps int) *progressLine {
	return &progressLine{w: w, steps: steps, now: time.Now, cols: func() int { return lineCols(w) }}
}

// lineCols is the most columns a line written to w may take: one less than
// the width (a line filling the last column makes some terminals wrap) that
// $COLUMNS gives, else the terminal's, or progressCols when w is no
// terminal.
func lineCols(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 1 {
		return n - 1
	}
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 1 {
			return width - 1
		}
	}
	return progressCols
}

// Update records that step steps are done and redraws the line with the
// description desc, at most once per progressEvery, and always when step
// first reaches the total. A run of zero steps draws nothing.
func (p *progressLine) Update(desc string, step int) { p.update(desc, step, false) }

// Show redraws the line at once with the description desc, as when the
// work moves to a new stage.
func (p *progressLine) Show(desc string, step int) { p.update(desc, step, true) }

func (p *progressLine) update(desc string, step int, force bool) {
	if p.finished || p.steps <= 0 {
		return
	}
	now := p.now()
	if !p.started {
		p.started, p.start, p.startStep = true, now, step
	} else if !force && now.Sub(p.drawnAt) < progressEvery && !(step >= p.steps && p.drawnStep < p.steps) {
		return
	}
	cols := max(p.cols(), 1)
	line := p.render(desc, step, now, cols)
	n := utf8.RuneCountInString(line)
	pad := ""
	if w := min(p.drawnLen, cols); n < w {
		pad = strings.Repeat(" ", w-n) // cover the longer line before
	}
	io.WriteString(p.w, "\r"+line+pad)
	p.drawnAt, p.drawnStep = now, step
	if n > p.drawnLen {
		p.drawnLen = n
	}
}

// Finish clears the line, leaving the cursor at its start; later updates
// draw nothing.
func (p *progressLine) Finish() {
	if p.finished {
		return
	}
	p.finished = true
	if p.drawnLen > 0 {
		w := min(p.drawnLen, max(p.cols(), 1))
		io.WriteString(p.w, "\r"+strings.Repeat(" ", w)+"\r")
		p.drawnLen = 0
	}
}

// render is the line for step steps done at time now, at most cols
// columns. When the line is too long the bar narrows first, to
// progressMinCells; on a narrow terminal, where the description would keep
// fewer than progressMinDesc columns, the counts go, then the bar; then
// the description is shortened, then the rest.
func (p *progressLine) render(desc string, step int, now time.Time, cols int) string {
	frac := float64(step) / float64(p.steps)
	if !(frac > 0) { // negative or NaN
		frac = 0
	}
	if frac > 1 {
		frac = 1
	}
	elapsed := now.Sub(p.start)
	left := "?"
	switch {
	case step >= p.steps:
		left = "0s"
	case step > p.startStep && elapsed > 0:
		secs := elapsed.Seconds() / float64(step-p.startStep) * float64(p.steps-step)
		if secs < 1e9 { // beyond, the duration would overflow
			left = (time.Duration(math.Round(secs)) * time.Second).String()
		}
	}
	times := fmt.Sprintf(" [%s:%s]", elapsed.Truncate(time.Second), left)
	counts := fmt.Sprintf(" (%d/%d)", step, p.steps)
	descCols := utf8.RuneCountInString(desc)
	var rest string
	for _, layout := range []struct{ bar, counts bool }{{true, true}, {true, false}, {false, false}} {
		pct := fmt.Sprintf(" %3d%%", int(frac*100))
		stats := times
		if layout.counts {
			stats = counts + times
		}
		if !layout.bar {
			rest = pct + stats
			break
		}
		fixed := utf8.RuneCountInString(pct) + 3 + utf8.RuneCountInString(stats) // " |", "|"
		width := min(progressBarCells, max(progressMinCells, cols-fixed-descCols))
		cells := int(frac * float64(width))
		rest = pct + " |" + strings.Repeat("█", cells) + strings.Repeat(" ", width-cells) + "|" + stats
		if cols-fixed-width >= min(descCols, progressMinDesc) {
			break
		}
	}
	if room := cols - utf8.RuneCountInString(rest); room >= 0 {
		return truncRunes(desc, room) + rest
	}
	return truncRunes(strings.TrimLeft(rest, " "), cols)
}

// truncRunes is s cut to at most n runes. A description holds no wide
// characters, so a rune is a column.
func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// rowProgress draws a progress line on stderr, for a person at a terminal
// (not with --quiet or --json), while a command reads the rows of src in
// passes over them (a detector's members each read every row): it returns
// src counting the rows read, and finish, which clears the line. The
// source stops reading with ctx's error once ctx is done, so that Ctrl-C
// ends the command between chunks.
func (e *env) rowProgress(ctx context.Context, src sae.Source, passes int, desc string) (sae.Source, func()) {
	rows, _ := src.Dims()
	s := &countedSource{Source: src, ctx: ctx}
	if e.interactive && !e.quiet {
		s.bar, s.desc = newProgressLine(e.stderr, rows*passes), desc
		s.bar.Show(desc, 0)
	}
	return s, func() {
		if s.bar != nil {
			s.bar.Finish()
		}
	}
}

// countedSource is a Source whose reads move a progress line.
type countedSource struct {
	sae.Source
	ctx  context.Context
	bar  *progressLine // nil: none drawn
	desc string
	read int
}

func (s *countedSource) ReadRows(dst []float32, idx []int) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if err := s.Source.ReadRows(dst, idx); err != nil {
		return err
	}
	s.read += len(idx)
	if s.bar != nil {
		s.bar.Update(s.desc, s.read)
	}
	return nil
}
