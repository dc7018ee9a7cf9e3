package report

// The Pareto chart of a sweep: one point per trial on two figures to
// minimise (L0 and FVU by default), the trials that no other beats on both
// joined and in colour.

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
)

// ParetoOptions controls Pareto. The zero value gives the defaults.
type ParetoOptions struct {
	// Title is the chart title. Default none.
	Title string
	// XLabel and YLabel name the figures. Default "x" and "y".
	XLabel, YLabel string
}

// Pareto writes the points (x[i], y[i]), each labelled names[i] (nil: no
// labels), both figures to be minimised: the points of front (indices into
// x, a Pareto front as ParetoFront finds it) in colour joined by a staircase
// (the region they dominate lies above and to the right of it), the others
// in gray. Points with a NaN or Inf coordinate are left out; if none is
// left it is an error.
func Pareto(path string, x, y []float64, names []string, front []int, opt ParetoOptions) error {
	const op = "pareto"
	if len(x) != len(y) || names != nil && len(names) != len(x) {
		return opErr(op, path, fmt.Errorf("%d x values, %d y values and %d names", len(x), len(y), len(names)))
	}
	on := make([]bool, len(x))
	for _, i := range front {
		if i < 0 || i >= len(x) {
			return opErr(op, path, fmt.Errorf("front index %d out of range [0, %d)", i, len(x)))
		}
		on[i] = true
	}
	ok := func(i int) bool {
		return !math.IsNaN(x[i]) && !math.IsInf(x[i], 0) && !math.IsNaN(y[i]) && !math.IsInf(y[i], 0)
	}
	xr, yr := axis{Min: math.Inf(1), Max: math.Inf(-1)}, axis{Min: math.Inf(1), Max: math.Inf(-1)}
	var shown, stairs []int
	for i := range x {
		if !ok(i) {
			continue
		}
		shown = append(shown, i)
		if on[i] {
			stairs = append(stairs, i)
		}
		xr.Min, xr.Max = min(xr.Min, x[i]), max(xr.Max, x[i])
		yr.Min, yr.Max = min(yr.Min, y[i]), max(yr.Max, y[i])
	}
	if len(shown) == 0 {
		return opErr(op, path, errors.New("no finite points to plot"))
	}
	slices.SortFunc(stairs, func(a, b int) int { return cmpPair(x[a], y[a], x[b], y[b]) })
	ch := newChart(opt.Title, or(opt.XLabel, "x"), or(opt.YLabel, "y"))
	ch.x.Min, ch.x.Max, ch.y.Min, ch.y.Max = xr.Min, xr.Max, yr.Min, yr.Max
	padRange(&ch.x, 0.08)
	padRange(&ch.y, 0.08)
	frontCol, rest := palette[0], color.Gray{0xa0}
	r := 3.2 * pt1
	ch.add(func(c canvas, f frame) {
		if len(stairs) > 1 {
			var line []pt
			for j, i := range stairs {
				if j > 0 {
					line = append(line, pt{f.px(x[i]), f.py(y[stairs[j-1]])})
				}
				line = append(line, pt{f.px(x[i]), f.py(y[i])})
			}
			c.polyline(line, 1.4*pt1, frontCol, []float64{5 * pt1, 3 * pt1})
		}
		for _, i := range shown {
			col := color.Color(rest)
			if on[i] {
				col = frontCol
			}
			px, py := f.px(x[i]), f.py(y[i])
			c.fillCircle(px, py, r, col)
			if names != nil && names[i] != "" {
				// Names run away from the nearer side edge.
				if px < (f.left+f.right)/2 {
					c.text(px+r+2*pt1, py-r-pt1, names[i], tickSize, inkGray, anchorStart, false)
				} else {
					c.text(px-r-2*pt1, py-r-pt1, names[i], tickSize, inkGray, anchorEnd, false)
				}
			}
		}
	})
	ch.addLegend("Pareto front", lineThumb(frontCol, 1.4*pt1, []float64{5 * pt1, 3 * pt1}, r))
	if len(stairs) < len(shown) {
		ch.addLegend("dominated", func(c canvas, x0, y0, x1, y1 float64) { c.fillCircle((x0+x1)/2, (y0+y1)/2, r, rest) })
	}
	if err := render(path, chartW, chartH, func(c canvas, fc faces) { ch.draw(c, fc, chartW, chartH) }); err != nil {
		return opErr(op, path, err)
	}
	return nil
}

// ParetoFront returns the indices of the points that no other point beats
// on both figures (lower is better; a point equal on one and lower on the
// other beats it), in increasing x. Points with a NaN or Inf coordinate
// are on no front; of equal points the first is kept.
func ParetoFront(x, y []float64) []int {
	var idx []int
	for i := range x {
		if !math.IsNaN(x[i]) && !math.IsInf(x[i], 0) && !math.IsNaN(y[i]) && !math.IsInf(y[i], 0) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpPair(x[a], y[a], x[b], y[b]) })
	var front []int
	best := math.Inf(1)
	for _, i := range idx {
		if y[i] < best {
			front = append(front, i)
			best = y[i]
		}
	}
	return front
}

// cmpPair orders by x, then y.
func cmpPair(xa, ya, xb, yb float64) int {
	switch {
	case xa < xb:
		return -1
	case xa > xb:
		return 1
	case ya < yb:
		return -1
	case ya > yb:
		return 1
	}
	return 0
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
