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
)

// logLoss says whether losses from lo to hi are drawn on a log axis: when
// the largest is 5 times the smallest, on a linear axis the first epochs'
// fall would flatten every later epoch into one line.
func logLoss(lo, hi float64) bool { return lo > 0 && hi >= 5*lo }

// LossCurve writes a line plot of the training loss per epoch (epoch 1 is the
// first value) and, if val is not empty, of the validation loss. Non-finite
// losses (a diverged epoch) are left out of the line. The y axis is
// logarithmic when every loss is positive and the largest is at least 5
// times the smallest (logLoss). At least one finite training loss is required.
func LossCurve(path string, train, val []float64, title string) error {
	const op = "loss curve"
	series := []struct {
		name string
		v    []float64
	}{{"train", train}, {"validation", val}}
	var pts [][]pt
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range series {
		var xy []pt
		for e, v := range s.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			xy = append(xy, pt{float64(e + 1), v})
			lo, hi = min(lo, v), max(hi, v)
		}
		if i == 0 && len(xy) == 0 {
			return opErr(op, path, errors.New("no finite training loss"))
		}
		pts = append(pts, xy)
	}
	ch := newChart(title, "epoch", "loss")
	if logLoss(lo, hi) {
		for _, xy := range pts {
			for i := range xy {
				xy[i].Y = math.Log10(xy[i].Y)
			}
		}
		lo, hi = math.Log10(lo), math.Log10(hi)
		ch.y.ticks = log10Ticks{}
		ch.y.label = "loss (log scale)"
	}
	epochs := max(len(train), len(val))
	glyph := 0.0 // dots on the epochs while they are few enough to tell apart
	if epochs <= 40 {
		glyph = 2.5 * pt1
	}
	for i, xy := range pts {
		if len(xy) == 0 {
			continue
		}
		col := palette[i]
		ch.add(func(c canvas, f frame) {
			line := make([]pt, len(xy))
			for j, q := range xy {
				line[j] = pt{f.px(q.X), f.py(q.Y)}
			}
			c.polyline(line, 1.8*pt1, col, nil)
			if glyph > 0 {
				for _, q := range line {
					c.fillCircle(q.X, q.Y, glyph, col)
				}
			}
		})
		if len(pts[1]) > 0 {
			ch.addLegend(series[i].name, lineThumb(col, 1.8*pt1, nil, glyph))
		}
	}
	ch.x.Min = 1
	ch.x.Max = max(2, float64(epochs))
	ch.x.ticks = niceTicks{integer: true}
	if epochs <= 12 {
		ch.x.ticks = intTicks{}
	}
	ch.y.Min, ch.y.Max = lo, hi
	padRange(&ch.y, 0.04)
	if err := render(path, chartW, chartH, func(c canvas, fc faces) { ch.draw(c, fc, chartW, chartH) }); err != nil {
		return opErr(op, path, err)
	}
	return nil
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

// histBins counts vals in nb bins over their range [lo, hi] (one bar a
// tenth of the axis wide when all are equal: single), on the log10 of the
// values with logX (they are drawn so, on an axis labelled with the
// values); top is the largest count.
func histBins(vals []float64, nb int, logX bool) (counts []float64, lo, hi, top float64, single bool) {
	if logX {
		for i, v := range vals {
			vals[i] = math.Log10(v)
		}
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	single = lo == hi
	if single { // one bar, centred, a tenth of the axis wide
		pad := 0.05
		if !logX && lo != 0 {
			pad = math.Abs(lo) * 0.005
		}
		lo, hi, nb = lo-pad, hi+pad, 1
	}
	counts = make([]float64, nb)
	for _, v := range vals {
		// In halves, so that a range wider than float64 holds still bins.
		i := min(nb-1, max(0, int((v/2-lo/2)/(hi/2-lo/2)*float64(nb))))
		counts[i]++
		top = max(top, counts[i])
	}
	return counts, lo, hi, top, single
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

	counts, lo, hi, top, single := histBins(vals, nb, opt.LogX)
	width := (hi - lo) / float64(len(counts))

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
	ch := newChart(title, xl, yl)
	barBlue := color.RGBA{0x4c, 0x8b, 0xc4, 0xff}
	ch.add(func(c canvas, f frame) {
		for i, n := range counts {
			if n == 0 {
				continue
			}
			// Bars meet with a hairline of white between them, if they
			// are wide enough to spare it.
			x0, x1 := f.px(lo+float64(i)*width), f.px(lo+float64(i+1)*width)
			if x1-x0 > 3*pt1 {
				x0, x1 = x0+0.4*pt1, x1-0.4*pt1
			} else if x1-x0 < 1 {
				x0, x1 = (x0+x1)/2-0.5, (x0+x1)/2+0.5
			}
			c.fillRect(x0, f.py(n), x1, f.py(0), barBlue)
		}
	})
	ch.x.Min, ch.x.Max = lo, hi
	if opt.LogX {
		ch.x.ticks = log10Ticks{}
	}
	if single {
		padRange(&ch.x, 4.5)
	}
	ch.y.Min = 0
	ch.y.Max = top * 1.08
	ch.y.ticks = niceTicks{integer: true}
	if t := opt.Threshold; t != nil {
		x := *t
		if opt.LogX {
			x = math.Log10(x)
		}
		if x < ch.x.Min || x > ch.x.Max { // keep the line in view
			ch.x.Min, ch.x.Max = min(ch.x.Min, x), max(ch.x.Max, x)
			padRange(&ch.x, 0.02)
		}
		dash := []float64{6 * pt1, 3 * pt1}
		ch.add(func(c canvas, f frame) {
			c.polyline([]pt{{f.px(x), f.py(0)}, {f.px(x), f.top}}, 2*pt1, palette[3], dash)
		})
		name := opt.ThresholdLabel
		if name == "" {
			name = "threshold = " + strconv.FormatFloat(*t, 'g', 4, 64)
		}
		ch.addLegend(name, lineThumb(palette[3], 2*pt1, dash, 0))
	}
	if err := render(path, chartW, chartH, func(c canvas, fc faces) { ch.draw(c, fc, chartW, chartH) }); err != nil {
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
	xy := make([]pt, len(fpr))
	for i := range fpr {
		for _, v := range []float64{fpr[i], tpr[i]} {
			if !(v >= 0 && v <= 1) {
				return opErr(op, path, fmt.Errorf("point %d: rate %v outside [0, 1]", i, v))
			}
		}
		xy[i] = pt{fpr[i], tpr[i]}
	}
	a := "n/a"
	if !math.IsNaN(auc) {
		a = strconv.FormatFloat(auc, 'f', 3, 64)
	}
	ch := newChart("ROC curve (AUC = "+a+")", "false positive rate", "true positive rate")
	chanceGray, chanceDash := color.Gray{0x99}, []float64{5 * pt1, 4 * pt1}
	ch.add(func(c canvas, f frame) {
		c.polyline([]pt{{f.px(0), f.py(0)}, {f.px(1), f.py(1)}}, 1.2*pt1, chanceGray, chanceDash)
		line := make([]pt, len(xy))
		for i, q := range xy {
			line[i] = pt{f.px(q.X), f.py(q.Y)}
		}
		c.polyline(line, 2.2*pt1, palette[0], nil)
	})
	ch.addLegend("model", lineThumb(palette[0], 2.2*pt1, nil, 0))
	ch.addLegend("chance", lineThumb(chanceGray, 1.2*pt1, chanceDash, 0))
	ch.place = legendBottomRight
	ch.x.Min, ch.x.Max, ch.y.Min, ch.y.Max = 0, 1, 0, 1
	const w, h = 720, 660 // 6 x 5.5 in
	if err := render(path, w, h, func(c canvas, fc faces) { ch.draw(c, fc, w, h) }); err != nil {
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
	groups := map[int][]pt{}
	xr, yr := axis{Min: math.Inf(1), Max: math.Inf(-1)}, axis{Min: math.Inf(1), Max: math.Inf(-1)}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			continue
		}
		k := 0
		if labels != nil {
			k = labels[i]
		}
		groups[k] = append(groups[k], pt{x[i], y[i]})
		xr.Min, xr.Max = min(xr.Min, x[i]), max(xr.Max, x[i])
		yr.Min, yr.Max = min(yr.Min, y[i]), max(yr.Max, y[i])
	}
	if len(groups) == 0 {
		return opErr(op, path, errors.New("no finite points to plot"))
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	ch := newChart(title, "", "")
	ch.x.Min, ch.x.Max, ch.y.Min, ch.y.Max = xr.Min, xr.Max, yr.Min, yr.Max
	padRange(&ch.x, 0.03)
	padRange(&ch.y, 0.03)
	radius := 2.2 * pt1
	if len(x) > 5000 {
		radius = 1.3 * pt1
	}
	for i, k := range keys {
		pc := palette[i%len(palette)]
		cloud := color.NRGBA{pc.R, pc.G, pc.B, 0xb0}
		shape := glyphs[(i/len(palette))%len(glyphs)]
		pts := groups[k]
		ch.add(func(c canvas, f frame) {
			for _, q := range pts {
				shape(c, f.px(q.X), f.py(q.Y), radius, cloud)
			}
		})
		if labels != nil {
			// A bigger glyph in full colour for the legend than in the cloud.
			ch.addLegend(strconv.Itoa(k), func(c canvas, x0, y0, x1, y1 float64) {
				shape(c, (x0+x1)/2, (y0+y1)/2, 4*pt1, pc)
			})
		}
	}
	w, h := 840, 720 // 7 x 6 in, and the legend's room beside
	if labels != nil {
		ch.place = legendRight
		ch.thumbW = 10 * pt1
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = strconv.Itoa(k)
		}
		ch.legendW = legendWidth(faces{}, ch.thumbW, names)
		w += int(math.Ceil(ch.legendW))
	}
	if err := render(path, w, h, func(c canvas, fc faces) { ch.draw(c, fc, float64(w), float64(h)) }); err != nil {
		return opErr(op, path, err)
	}
	return nil
}

// glyphs draw a point's mark of radius r: a disc, a square, a triangle and
// a diamond, each about as heavy as the disc.
var glyphs = []func(c canvas, x, y, r float64, col color.Color){
	func(c canvas, x, y, r float64, col color.Color) { c.fillCircle(x, y, r, col) },
	func(c canvas, x, y, r float64, col color.Color) {
		s := r * 0.886 // same area as the disc
		c.fillRect(x-s, y-s, x+s, y+s, col)
	},
	func(c canvas, x, y, r float64, col color.Color) {
		s := r * 1.35
		c.fillPolygon([]pt{{x, y - s}, {x + s*0.866, y + s/2}, {x - s*0.866, y + s/2}}, col)
	},
	func(c canvas, x, y, r float64, col color.Color) {
		s := r * 1.25
		c.fillPolygon([]pt{{x, y - s}, {x + s, y}, {x, y + s}, {x - s, y}}, col)
	},
}
