package report

// The charts of a report: loss per epoch, histograms, ROC curves and 2-D
// scatter plots, each written as PNG or SVG by the extension of its path.

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LossCurve writes a line plot of the training loss per epoch (epoch 1 is the
// first value) and, if val is not empty, of the validation loss. Non-finite
// losses (a diverged epoch) are left out of the line. The y axis is
// logarithmic when every loss is positive and the largest is at least 100
// times the smallest. At least one finite training loss is required.
func LossCurve(path string, train, val []float64, title string) error {
	const op = "loss curve"
	series := []struct {
		name string
		v    []float64
	}{{"train", train}, {"validation", val}}
	var pts []plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range series {
		var xy plotter.XYs
		for e, v := range s.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			xy = append(xy, plotter.XY{X: float64(e + 1), Y: v})
			lo, hi = min(lo, v), max(hi, v)
		}
		if i == 0 && len(xy) == 0 {
			return opErr(op, path, errors.New("no finite training loss"))
		}
		pts = append(pts, xy)
	}
	p := newPlot(title, "epoch", "loss")
	if lo > 0 && hi >= 100*lo {
		for _, xy := range pts {
			for i := range xy {
				xy[i].Y = math.Log10(xy[i].Y)
			}
		}
		lo, hi = math.Log10(lo), math.Log10(hi)
		p.Y.Tick.Marker = log10Ticks{}
		p.Y.Label.Text = "loss (log scale)"
	}
	epochs := max(len(train), len(val))
	for i, xy := range pts {
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return opErr(op, path, err)
		}
		l.LineStyle = lineStyle(i)
		p.Add(l)
		thumbs := []plot.Thumbnailer{l}
		if epochs <= 40 {
			s, err := plotter.NewScatter(xy)
			if err != nil {
				return opErr(op, path, err)
			}
			s.GlyphStyle = draw.GlyphStyle{Color: palette[i], Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
			p.Add(s)
			thumbs = append(thumbs, s)
		}
		if len(pts[1]) > 0 {
			p.Legend.Add(series[i].name, thumbs...)
		}
	}
	p.X.Min = 1
	p.X.Max = max(2, float64(epochs))
	p.X.Tick.Marker = niceTicks{integer: true}
	if epochs <= 12 {
		p.X.Tick.Marker = intTicks{}
	}
	p.Y.Min, p.Y.Max = lo, hi
	padRange(&p.Y, 0.04)
	if err := savePlot(path, p, chartW, chartH); err != nil {
		return opErr(op, path, err)
	}
	return nil
}

// intTicks labels every whole number in the axis range.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// HistOptions controls Histogram. The zero value gives the defaults.
type HistOptions struct {
	// Title is the chart title. Default none.
	Title string
	// XLabel names the values. Default "value".
	XLabel string
	// YLabel names the counts. Default "count".
	YLabel string
	// Bins is the number of bins. Default sqrt of the count, within 10..60.
	Bins int
	// LogX bins and draws the values on a log10 scale; values <= 0 cannot
	// be shown and are counted in the title instead.
	LogX bool
	// Threshold, if set, draws a vertical line at that value (e.g. the
	// anomaly threshold), named in the legend. Default none.
	Threshold *float64
	// ThresholdLabel names the line. Default "threshold = <value>".
	ThresholdLabel string
}

// Histogram writes a histogram of values. NaN and Inf values are skipped, and
// so are values <= 0 with LogX (the title says how many); if no value is left
// it is an error.
func Histogram(path string, values []float64, opt HistOptions) error {
	const op = "histogram"
	vals, _ := finite(values)
	title := opt.Title
	if opt.LogX {
		pos := vals[:0:0]
		for _, v := range vals {
			if v > 0 {
				pos = append(pos, v)
			}
		}
		if k := len(vals) - len(pos); k > 0 {
			note := fmt.Sprintf("%d of %d values ≤ 0 not shown", k, len(vals))
			if title == "" {
				title = note
			} else {
				title += " (" + note + ")"
			}
		}
		vals = pos
	}
	if len(vals) == 0 {
		return opErr(op, path, errors.New("no finite values to plot"))
	}
	if t := opt.Threshold; t != nil && (math.IsNaN(*t) || math.IsInf(*t, 0) || (opt.LogX && *t <= 0)) {
		return opErr(op, path, fmt.Errorf("threshold %v cannot be drawn", *t))
	}
	nb := opt.Bins
	if nb <= 0 {
		nb = min(60, max(10, int(math.Ceil(math.Sqrt(float64(len(vals)))))))
	}

	// With LogX the values are binned and drawn as their log10, on an
	// axis labelled with the values.
	if opt.LogX {
		for i, v := range vals {
			vals[i] = math.Log10(v)
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	single := lo == hi
	if single { // one bar, centred, a tenth of the axis wide
		pad := 0.05
		if !opt.LogX && lo != 0 {
			pad = math.Abs(lo) * 0.005
		}
		lo, hi, nb = lo-pad, hi+pad, 1
	}
	width := (hi - lo) / float64(nb)
	bins := make([]plotter.HistogramBin, nb)
	for i := range bins {
		bins[i].Min, bins[i].Max = lo+float64(i)*width, lo+float64(i+1)*width
	}
	top := 0.0
	for _, v := range vals {
		i := min(nb-1, int((v-lo)/width))
		bins[i].Weight++
		top = max(top, bins[i].Weight)
	}

	xl := opt.XLabel
	if xl == "" {
		xl = "value"
	}
	if opt.LogX {
		xl += " (log scale)"
	}
	yl := opt.YLabel
	if yl == "" {
		yl = "count"
	}
	p := newPlot(title, xl, yl)
	h := &plotter.Histogram{
		Bins:      bins,
		Width:     width,
		FillColor: color.RGBA{0x4c, 0x8b, 0xc4, 0xff},
		LineStyle: draw.LineStyle{Color: color.White, Width: vg.Points(0.5)},
	}
	p.Add(h)
	if opt.LogX {
		p.X.Tick.Marker = log10Ticks{}
	}
	if single {
		padRange(&p.X, 4.5)
	}
	p.Y.Min = 0
	p.Y.Max = top * 1.08
	p.Y.Tick.Marker = niceTicks{integer: true}
	if t := opt.Threshold; t != nil {
		x := *t
		if opt.LogX {
			x = math.Log10(x)
		}
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top * 1.08}})
		if err != nil {
			return opErr(op, path, err)
		}
		line.LineStyle = draw.LineStyle{Color: palette[3], Width: vg.Points(2), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}
		p.Add(line)
		name := opt.ThresholdLabel
		if name == "" {
			name = "threshold = " + strconv.FormatFloat(*t, 'g', 4, 64)
		}
		p.Legend.Add(name, line)
	}
	if err := savePlot(path, p, chartW, chartH); err != nil {
		return opErr(op, path, err)
	}
	return nil
}

// ROCCurve writes the ROC curve through the points (fpr[i], tpr[i]), in the
// order given, with the chance diagonal and the AUC in the title (NaN auc
// prints as n/a). The rates must be in [0, 1]; NaN is an error.
func ROCCurve(path string, fpr, tpr []float64, auc float64) error {
	const op = "roc curve"
	if len(fpr) != len(tpr) {
		return opErr(op, path, fmt.Errorf("%d false positive rates but %d true positive rates", len(fpr), len(tpr)))
	}
	if len(fpr) < 2 {
		return opErr(op, path, fmt.Errorf("%d points, need at least 2", len(fpr)))
	}
	xy := make(plotter.XYs, len(fpr))
	for i := range fpr {
		for _, v := range []float64{fpr[i], tpr[i]} {
			if !(v >= 0 && v <= 1) {
				return opErr(op, path, fmt.Errorf("point %d: rate %v outside [0, 1]", i, v))
			}
		}
		xy[i] = plotter.XY{X: fpr[i], Y: tpr[i]}
	}
	a := "n/a"
	if !math.IsNaN(auc) {
		a = strconv.FormatFloat(auc, 'f', 3, 64)
	}
	p := newPlot("ROC curve (AUC = "+a+")", "false positive rate", "true positive rate")
	chance, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return opErr(op, path, err)
	}
	chance.LineStyle = draw.LineStyle{Color: color.Gray{0x99}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(4)}}
	curve, err := plotter.NewLine(xy)
	if err != nil {
		return opErr(op, path, err)
	}
	curve.LineStyle = lineStyle(0)
	curve.LineStyle.Width = vg.Points(2.2)
	p.Add(chance, curve)
	p.Legend.Add("model", curve)
	p.Legend.Add("chance", chance)
	p.Legend.Top = false
	p.Legend.YOffs = vg.Points(8)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	if err := savePlot(path, p, 6*vg.Inch, 5.5*vg.Inch); err != nil {
		return opErr(op, path, err)
	}
	return nil
}

// Scatter2D writes the points (x[i], y[i]) coloured by labels[i], with a
// legend of the labels at the right; nil labels draw every point in one
// colour without a legend. Points with a NaN or Inf coordinate are skipped;
// if none is left it is an error. Colours cycle through ten, and the glyph
// shape changes with each cycle.
func Scatter2D(path string, x, y []float64, labels []int, title string) error {
	const op = "scatter"
	if len(x) != len(y) {
		return opErr(op, path, fmt.Errorf("%d x values but %d y values", len(x), len(y)))
	}
	if labels != nil && len(labels) != len(x) {
		return opErr(op, path, fmt.Errorf("%d points but %d labels", len(x), len(labels)))
	}
	groups := map[int]plotter.XYs{}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			continue
		}
		k := 0
		if labels != nil {
			k = labels[i]
		}
		groups[k] = append(groups[k], plotter.XY{X: x[i], Y: y[i]})
	}
	if len(groups) == 0 {
		return opErr(op, path, errors.New("no finite points to plot"))
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	p := newPlot(title, "", "")
	radius := vg.Points(2.2)
	if len(x) > 5000 {
		radius = vg.Points(1.3)
	}
	// The legend is drawn beside the plot, not inside it.
	leg := p.Legend
	leg.ThumbnailWidth = vg.Points(10)
	leg.Padding = vg.Points(3)
	leg.Left = true
	leg.XOffs, leg.YOffs = 0, 0
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}}
	for i, k := range keys {
		s, err := plotter.NewScatter(groups[k])
		if err != nil {
			return opErr(op, path, err)
		}
		pc := palette[i%len(palette)]
		c := color.NRGBA{pc.R, pc.G, pc.B, 0xb0}
		shape := shapes[(i/len(palette))%len(shapes)]
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: radius, Shape: shape}
		p.Add(s)
		if labels != nil {
			// A bigger glyph for the legend than in the cloud.
			thumb := *s
			thumb.GlyphStyle.Radius = vg.Points(4)
			thumb.GlyphStyle.Color = palette[i%len(palette)]
			leg.Add(strconv.Itoa(k), &thumb)
		}
	}

	padRange(&p.X, 0.03)
	padRange(&p.Y, 0.03)
	w, h := 7*vg.Inch, 6*vg.Inch
	var legW vg.Length
	if labels != nil {
		for _, k := range keys {
			legW = max(legW, leg.TextStyle.Width(strconv.Itoa(k)))
		}
		legW += leg.ThumbnailWidth + vg.Points(24)
		legW = max(legW, vg.Points(50))
		w += legW
	}
	err := render(path, w, h, func(c draw.Canvas) {
		if labels == nil {
			p.Draw(c)
			return
		}
		plotArea := draw.Crop(c, 0, -legW, 0, 0)
		p.Draw(plotArea)
		// The legend sits at the right, top-aligned with the data area.
		legend := draw.Crop(c, c.Max.X-c.Min.X-legW+vg.Points(8), 0, 0, -vg.Points(44))
		leg.Draw(legend)
	})
	if err != nil {
		return opErr(op, path, err)
	}
	return nil
}
