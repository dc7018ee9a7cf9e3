package report

// The common look of the charts (sans-serif text, light grid, a colour
// cycle) and their rendering to PNG or SVG through safefile.

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

const (
	// pngDPI sets the pixel size of PNG charts: a 7.5in chart is 900 px.
	pngDPI = 120

	chartW = 7.5 * vg.Inch
	chartH = 4.5 * vg.Inch
)

var (
	sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

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

// newPlot returns a plot with the house style: sans-serif text, a light
// grid behind the data, axes without padding gaps.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 15)
	p.Title.TextStyle.Color = inkGray
	p.Title.Padding = vg.Points(10)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 12)
		a.Label.TextStyle.Color = inkGray
		a.Tick.Label.Font = font.From(sans, 10)
		a.Tick.Label.Color = inkGray
		a.Tick.Color = inkGray
		a.Color = inkGray
		a.Padding = vg.Points(4)
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Label.Padding = vg.Points(4)
	p.Y.Label.Padding = vg.Points(4)
	p.Legend.TextStyle.Font = font.From(sans, 11)
	p.Legend.TextStyle.Color = inkGray
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(22)
	p.Legend.Padding = vg.Points(2)
	p.Legend.XOffs = -vg.Points(8)
	p.Legend.YOffs = -vg.Points(6)
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = gridGray, gridGray
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.6), vg.Points(0.6)
	p.Add(g)
	return p
}

// lineStyle is a solid line of the i-th palette colour.
func lineStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.8)}
}

// savePlot writes p at the chart size, PNG or SVG by the path's extension.
func savePlot(path string, p *plot.Plot, w, h vg.Length) error {
	return render(path, w, h, func(c draw.Canvas) { p.Draw(c) })
}

// render draws onto a canvas of w x h (white background) and writes it
// atomically as PNG or SVG, chosen by the extension of path.
func render(path string, w, h vg.Length, drawFn func(draw.Canvas)) error {
	var c vg.CanvasWriterTo
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(
			vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))}
	case ".svg":
		sc := vgsvg.New(w, h)
		// vgsvg starts transparent: paint the background as the PNG has.
		bg := draw.New(sc)
		bg.SetColor(color.White)
		bg.Fill(bg.Rectangle.Path())
		c = sc
	default:
		return checkExt(path, ".png", ".svg")
	}
	drawFn(draw.New(c))
	return safefile.Write(path, func(out io.Writer) error {
		_, err := c.WriteTo(out)
		return err
	})
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

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo, 0)}}
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
	var ticks []plot.Tick
	for i := math.Ceil(lo/step - 1e-9); i*step <= hi+step*1e-9; i++ {
		// Snap rounding error: a tick past an end by a hair would escape
		// the room the plot keeps for its label.
		v := min(hi, max(lo, i*step))
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: formatTick(v, dec)})
	}
	return ticks
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
// range it also labels the 2s and 5s, so that a short axis still reads.
//
// (Charts plot log10 of the data on a linear axis instead of using
// plot.LogScale, which panics on non-positive values and misplaces the axis
// label when it reserves room for it.)
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	const eps = 1e-9
	first, last := int(math.Floor(lo)), int(math.Ceil(hi))
	decades := 0
	for e := first; e <= last; e++ {
		if v := float64(e); v >= lo-eps && v <= hi+eps {
			decades++
		}
	}
	every := max(1, (last-first+5)/6) // thin labels over many decades
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		for m := 1; m < 10; m++ {
			v := float64(e) + math.Log10(float64(m))
			if v < lo-eps || v > hi+eps {
				continue
			}
			t := plot.Tick{Value: min(hi, max(lo, v))}
			if (m == 1 && (e-first)%every == 0) || (decades < 2 && (m == 2 || m == 5)) {
				t.Label = formatTick(float64(m)*math.Pow10(e), max(0, -e))
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// padRange widens the axis range by frac of its span on both sides, so that
// points do not sit on the frame.
func padRange(a *plot.Axis, frac float64) {
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
