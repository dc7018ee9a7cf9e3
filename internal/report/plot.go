package report

// The common look of the charts (sans-serif text, light grid, a colour
// cycle), their layout (title, axes with ticks, data area, legend) and their
// writing as PNG or SVG through safefile.

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
)

// Sizes are in pixels of the PNG, which is drawn at 120 dots per inch; the
// SVG has the same pixel size. pt converts typographic points.
const (
	pngDPI = 120
	pt1    = pngDPI / 72.0

	chartW = 900 // 7.5 in
	chartH = 540 // 4.5 in

	titleSize  = 15 * pt1
	labelSize  = 12 * pt1
	tickSize   = 10 * pt1
	legendSize = 11 * pt1
)

var (
	// palette is Tableau 10, a colour cycle that stays distinct in print
	// and for most colour-blind readers.
	palette = []color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, // blue
		{0xff, 0x7f, 0x0e, 0xff}, // orange
		{0x2c, 0xa0, 0x2c, 0xff}, // green
		{0xd6, 0x27, 0x28, 0xff}, // red
		{0x94, 0x67, 0xbd, 0xff}, // purple
		{0x8c, 0x56, 0x4b, 0xff}, // brown
		{0xe3, 0x77, 0xc2, 0xff}, // pink
		{0x7f, 0x7f, 0x7f, 0xff}, // gray
		{0xbc, 0xbd, 0x22, 0xff}, // olive
		{0x17, 0xbe, 0xcf, 0xff}, // cyan
	}
	gridGray = color.Gray{0xe0}
	inkGray  = color.Gray{0x33}
)

// tick is a position on an axis; minor ticks have no label.
type tick struct {
	Value float64
	Label string
}

// ticker chooses the ticks of an axis range.
type ticker interface {
	Ticks(lo, hi float64) []tick
}

// axis is the range of one coordinate, its ticks and its name.
type axis struct {
	Min, Max float64
	ticks    ticker
	label    string
}

// frame maps data to pixels inside the data area.
type frame struct {
	left, top, right, bottom float64
	x, y                     axis
}

func (f frame) px(x float64) float64 {
	return f.left + (x-f.x.Min)/(f.x.Max-f.x.Min)*(f.right-f.left)
}

func (f frame) py(y float64) float64 {
	return f.bottom - (y-f.y.Min)/(f.y.Max-f.y.Min)*(f.bottom-f.top)
}

// legendPlace is where the legend goes.
type legendPlace int

const (
	legendTopRight    legendPlace = iota // inside the data area
	legendBottomRight                    // inside the data area
	legendRight                          // beside the data area, in legendW
)

type legendEntry struct {
	name string
	// thumb draws the entry's sample in the box (x0, y0)-(x1, y1).
	thumb func(c canvas, x0, y0, x1, y1 float64)
}

// chart is one plot: a title, two axes, layers of data drawn in order over
// the grid, and a legend.
type chart struct {
	title   string
	x, y    axis
	layers  []func(c canvas, f frame)
	legend  []legendEntry
	place   legendPlace
	legendW float64 // room kept at the right for legendRight
	thumbW  float64 // width of a legend sample
}

func newChart(title, xlabel, ylabel string) *chart {
	return &chart{
		title:  title,
		x:      axis{ticks: niceTicks{}, label: xlabel},
		y:      axis{ticks: niceTicks{}, label: ylabel},
		thumbW: 22 * pt1,
	}
}

func (ch *chart) add(layer func(c canvas, f frame)) { ch.layers = append(ch.layers, layer) }

func (ch *chart) addLegend(name string, thumb func(c canvas, x0, y0, x1, y1 float64)) {
	ch.legend = append(ch.legend, legendEntry{name, thumb})
}

const (
	edgePad   = 6 * pt1 // blank border of the canvas
	titlePad  = 10 * pt1
	axisPad   = 4 * pt1 // gap between the data area and an axis line
	tickLen   = 6 * pt1
	minorLen  = 3 * pt1
	tickGap   = 3 * pt1 // between a tick and its label
	labelPad  = 4 * pt1 // between tick labels and the axis name
	axisWidth = 0.8 * pt1
	gridWidth = 0.6 * pt1
)

// draw lays the chart out on a w x h canvas and draws it.
func (ch *chart) draw(c canvas, fc faces, w, h float64) {
	xt := ch.x.ticks.Ticks(ch.x.Min, ch.x.Max)
	yt := ch.y.ticks.Ticks(ch.y.Min, ch.y.Max)
	textH := func(size float64) float64 { return fc.ascent(size) + fc.descent(size) }

	top := edgePad
	if ch.title != "" {
		top += textH(titleSize) + titlePad
	} else {
		top += tickSize / 2 // room for the top tick label's upper half
	}
	bottom := h - edgePad - textH(tickSize) - tickGap - tickLen - axisPad
	if ch.x.label != "" {
		bottom -= textH(labelSize) + labelPad
	}
	yLabelW := 0.0
	for _, t := range yt {
		yLabelW = max(yLabelW, fc.width(t.Label, tickSize))
	}
	left := edgePad + yLabelW + tickGap + tickLen + axisPad
	if ch.y.label != "" {
		left += textH(labelSize) + labelPad
	}
	right := w - edgePad - ch.legendW
	if n := len(xt); n > 0 {
		// The last x label is centred on its tick: keep its right half in.
		right -= fc.width(xt[n-1].Label, tickSize) / 2
	}
	f := frame{left: left, top: top, right: right, bottom: bottom, x: ch.x, y: ch.y}

	// The grid at the labelled ticks, behind the data.
	for _, t := range xt {
		if t.Label != "" {
			x := f.px(t.Value)
			c.polyline([]pt{{x, top}, {x, bottom}}, gridWidth, gridGray, nil)
		}
	}
	for _, t := range yt {
		if t.Label != "" {
			y := f.py(t.Value)
			c.polyline([]pt{{left, y}, {right, y}}, gridWidth, gridGray, nil)
		}
	}
	for _, l := range ch.layers {
		l(c, f)
	}

	// Axes: lines set off from the data area, ticks pointing out.
	ax, ay := left-axisPad, bottom+axisPad
	c.polyline([]pt{{left, ay}, {right, ay}}, axisWidth, inkGray, nil)
	c.polyline([]pt{{ax, top}, {ax, bottom}}, axisWidth, inkGray, nil)
	asc := fc.ascent(tickSize)
	for _, t := range xt {
		x := f.px(t.Value)
		l := minorLen
		if t.Label != "" {
			l = tickLen
		}
		c.polyline([]pt{{x, ay}, {x, ay + l}}, axisWidth, inkGray, nil)
		if t.Label != "" {
			c.text(x, ay+tickLen+tickGap+asc, t.Label, tickSize, inkGray, anchorMiddle, false)
		}
	}
	for _, t := range yt {
		y := f.py(t.Value)
		l := minorLen
		if t.Label != "" {
			l = tickLen
		}
		c.polyline([]pt{{ax - l, y}, {ax, y}}, axisWidth, inkGray, nil)
		if t.Label != "" {
			c.text(ax-tickLen-tickGap, y+asc/2-1, t.Label, tickSize, inkGray, anchorEnd, false)
		}
	}
	if ch.x.label != "" {
		base := ay + tickLen + tickGap + textH(tickSize) + labelPad + fc.ascent(labelSize)
		c.text((left+right)/2, base, ch.x.label, labelSize, inkGray, anchorMiddle, false)
	}
	if ch.y.label != "" {
		c.text(edgePad+fc.ascent(labelSize), (top+bottom)/2, ch.y.label, labelSize, inkGray, anchorMiddle, true)
	}
	if ch.title != "" {
		c.text(w/2, edgePad+fc.ascent(titleSize), ch.title, titleSize, inkGray, anchorMiddle, false)
	}
	ch.drawLegend(c, fc, f, w)
}

// drawLegend draws the entries one per row: inside the data area the names
// are right-aligned with their samples after them, on a pale backing so
// that they read over the grid; beside the data area the samples come
// first.
func (ch *chart) drawLegend(c canvas, fc faces, f frame, w float64) {
	if len(ch.legend) == 0 {
		return
	}
	rowH := fc.ascent(legendSize) + fc.descent(legendSize) + 2*pt1
	textW := 0.0
	for _, e := range ch.legend {
		textW = max(textW, fc.width(e.name, legendSize))
	}
	gap := 4 * pt1
	boxW, boxH := textW+gap+ch.thumbW, rowH*float64(len(ch.legend))
	var x0, y0 float64
	switch ch.place {
	case legendTopRight:
		x0, y0 = f.right-8*pt1-boxW, f.top+6*pt1
	case legendBottomRight:
		x0, y0 = f.right-8*pt1-boxW, f.bottom-8*pt1-boxH
	case legendRight:
		x0, y0 = w-edgePad-ch.legendW+8*pt1, f.top
	}
	if ch.place != legendRight {
		c.fillRect(x0-3*pt1, y0-pt1, x0+boxW+3*pt1, y0+boxH+pt1, color.NRGBA{0xff, 0xff, 0xff, 0xd8})
	}
	asc := fc.ascent(legendSize)
	for i, e := range ch.legend {
		ry := y0 + float64(i)*rowH
		base := ry + pt1 + asc
		mid := base - asc*0.35
		if ch.place == legendRight {
			e.thumb(c, x0, mid-ch.thumbW/2, x0+ch.thumbW, mid+ch.thumbW/2)
			c.text(x0+ch.thumbW+gap, base, e.name, legendSize, inkGray, anchorStart, false)
			continue
		}
		c.text(x0+textW, base, e.name, legendSize, inkGray, anchorEnd, false)
		tx := x0 + textW + gap
		e.thumb(c, tx, mid-rowH/2, tx+ch.thumbW, mid+rowH/2)
	}
}

// legendWidth is the room legendRight needs for the names given.
func legendWidth(fc faces, thumbW float64, names []string) float64 {
	w := 0.0
	for _, n := range names {
		w = max(w, fc.width(n, legendSize))
	}
	return max(w+thumbW+4*pt1+24*pt1, 50*pt1)
}

// lineThumb is a legend sample of a line, with a glyph on it if r > 0.
func lineThumb(col color.Color, width float64, dash []float64, r float64) func(c canvas, x0, y0, x1, y1 float64) {
	return func(c canvas, x0, y0, x1, y1 float64) {
		y := (y0 + y1) / 2
		c.polyline([]pt{{x0, y}, {x1, y}}, width, col, dash)
		if r > 0 {
			c.fillCircle((x0+x1)/2, y, r, col)
		}
	}
}

// render draws onto a w x h canvas (white background) and writes it
// atomically as PNG or SVG, chosen by the extension of path.
func render(path string, w, h int, drawFn func(c canvas, fc faces)) error {
	fc := faces{}
	var c canvas
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		c = newRaster(w, h, fc)
	case ".svg":
		c = newSVG(w, h)
	default:
		return checkExt(path, ".png", ".svg")
	}
	drawFn(c, fc)
	return safefile.Write(path, func(out io.Writer) error { return c.writeTo(out) })
}

// finite returns the finite values of v, and how many were not.
func finite(v []float64) (out []float64, dropped int) {
	out = make([]float64, 0, len(v))
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			dropped++
			continue
		}
		out = append(out, x)
	}
	return out, dropped
}

// niceTicks labels round values in the axis range: the step (1, 2, 2.5 or 5
// times a power of ten) that gives closest to six labels, 2.5 only when it
// does strictly better; integer keeps steps whole.
type niceTicks struct{ integer bool }

func (t niceTicks) Ticks(lo, hi float64) []tick {
	if !(hi > lo) {
		return []tick{{Value: lo, Label: formatTick(lo, 0)}}
	}
	if math.IsInf(hi-lo, 0) {
		return endTicks(lo, hi)
	}
	const want = 6
	top := int(math.Floor(math.Log10(hi - lo)))
	step, dec, best := 0.0, 0, math.Inf(1)
	for e := top - 2; e <= top; e++ {
		mag := math.Pow10(e)
		for _, m := range []float64{1, 2, 2.5, 5} {
			st := m * mag
			if t.integer && (st < 1 || st != math.Trunc(st)) {
				continue
			}
			count := math.Floor(hi/st+1e-9) - math.Ceil(lo/st-1e-9) + 1
			score := math.Abs(count - want)
			if m == 2.5 {
				score += 0.5
			}
			if score < best {
				best, step = score, st
				// Decimals to print the step exactly: 0.25 needs 2, 0.5 needs 1.
				dec = max(0, -e)
				if m == 2.5 && e < 1 {
					dec++
				}
			}
		}
	}
	if step == 0 { // integer axis shorter than 1
		step = 1
	}
	i0, i1 := math.Ceil(lo/step-1e-9), math.Floor(hi/step+1e-9)
	if i1-i0 > 100 || math.Abs(i0) > 1<<52 || math.Abs(i1) > 1<<52 {
		// A range a few ulps wide far from zero: steps this fine cannot
		// be counted in float64.
		return endTicks(lo, hi)
	}
	var ticks []tick
	for i := i0; i <= i1; i++ {
		// Snap rounding error: a tick past an end by a hair would fall
		// outside the axis.
		v := min(hi, max(lo, i*step))
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, tick{Value: v, Label: formatTick(v, dec)})
	}
	return ticks
}

// endTicks labels just the two ends of a range that has no round steps.
func endTicks(lo, hi float64) []tick {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	return []tick{{Value: lo, Label: f(lo)}, {Value: hi, Label: f(hi)}}
}

// formatTick prints v with dec decimals, or briefly in e-notation when it
// is very large or very small.
func formatTick(v float64, dec int) string {
	if a := math.Abs(v); a != 0 && (a < 1e-4 || a >= 1e6) {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// log10Ticks is the ticker of an axis whose data are log10 of the values
// shown: it puts labelled ticks at the powers of ten and minor ticks at the
// multiples between them, and when fewer than two powers of ten fall in the
// range it also labels the 2s and 5s, and when that still leaves fewer than
// two labels it labels every tick, so that a short axis still reads.
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []tick {
	const eps = 1e-9
	if !(hi > lo) || hi-lo > 1000 {
		return niceTicks{}.Ticks(lo, hi) // no span, or one no float64 has
	}
	first, last := int(math.Floor(lo)), int(math.Ceil(hi))
	decades := 0
	for e := first; e <= last; e++ {
		if v := float64(e); v >= lo-eps && v <= hi+eps {
			decades++
		}
	}
	every := max(1, (last-first+5)/6) // thin labels over many decades
	var ticks []tick
	for e := first; e <= last; e++ {
		for m := 1; m < 10; m++ {
			v := float64(e) + math.Log10(float64(m))
			if v < lo-eps || v > hi+eps {
				continue
			}
			t := tick{Value: min(hi, max(lo, v))}
			if (m == 1 && (e-first)%every == 0) || (decades < 2 && (m == 2 || m == 5)) {
				t.Label = formatTick(float64(m)*math.Pow10(e), max(0, -e))
			}
			ticks = append(ticks, t)
		}
	}
	labelled := 0
	for _, t := range ticks {
		if t.Label != "" {
			labelled++
		}
	}
	if labelled < 2 { // a range shorter than 1 to 2 or 2 to 5: label every tick
		for i, t := range ticks {
			e := math.Floor(t.Value + eps)
			m := math.Round(math.Pow(10, t.Value-e))
			ticks[i].Label = formatTick(m*math.Pow10(int(e)), max(0, -int(e)))
		}
	}
	if len(ticks) < 2 {
		// Narrower than one step between multiples (0.051 to 0.059): round
		// values of the range itself, at their logarithms.
		ticks = ticks[:0]
		for _, t := range (niceTicks{}).Ticks(math.Pow(10, lo), math.Pow(10, hi)) {
			if t.Value > 0 {
				ticks = append(ticks, tick{Value: min(hi, max(lo, math.Log10(t.Value))), Label: t.Label})
			}
		}
	}
	return ticks
}

// intTicks labels every whole number in the axis range.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []tick {
	var ticks []tick
	for v := math.Ceil(lo); v <= hi; v++ {
		ticks = append(ticks, tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// padRange widens the axis range by frac of its span on both sides, so that
// points do not sit on the frame.
func padRange(a *axis, frac float64) {
	span := a.Max - a.Min
	if span <= 0 { // one value: show it in the middle
		d := math.Abs(a.Max) * 0.1
		if d == 0 {
			d = 1
		}
		a.Min, a.Max = a.Min-d, a.Max+d
		return
	}
	a.Min -= frac * span
	a.Max += frac * span
}

func opErr(op, path string, err error) error {
	return fmt.Errorf("report: %s %s: %w", op, path, err)
}
