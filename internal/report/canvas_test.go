package report

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestDashes(t *testing.T) {
	// A 20 px line, then 10 px down, in 6 on / 3 off: pieces start at
	// 0, 9, 18 (turning the corner at 20) and 27.
	p := []pt{{0, 0}, {20, 0}, {20, 10}}
	got := dashes(p, []float64{6, 3})
	want := [][]pt{
		{{0, 0}, {6, 0}},
		{{9, 0}, {15, 0}},
		{{18, 0}, {20, 0}, {20, 4}},
		{{20, 7}, {20, 10}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d pieces %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("piece %d = %v, want %v", i, got[i], want[i])
		}
		for j := range want[i] {
			if math.Abs(got[i][j].X-want[i][j].X) > 1e-9 || math.Abs(got[i][j].Y-want[i][j].Y) > 1e-9 {
				t.Errorf("piece %d = %v, want %v", i, got[i], want[i])
				break
			}
		}
	}
	for _, d := range [][]float64{nil, {0, 3}, {4, -1}} {
		if got := dashes(p, d); len(got) != 1 || len(got[0]) != 3 {
			t.Errorf("pattern %v: %v, want the line itself", d, got)
		}
	}
}

// TestRasterOverlapsDoNotCancel draws a line that doubles back on itself
// and a square drawn clockwise over one drawn anticlockwise: where they
// overlap the ink must be solid, as in SVG's non-zero fill.
func TestRasterOverlapsDoNotCancel(t *testing.T) {
	rc := newRaster(100, 60, faces{})
	red := color.RGBA{0xd6, 0x27, 0x28, 0xff}
	rc.polyline([]pt{{10, 20}, {90, 20}, {10, 21}}, 6, red, nil)
	if c := rc.img.RGBAAt(50, 20); c != red {
		t.Errorf("doubled-back line at (50, 20) is %v, want %v", c, red)
	}
	var s shape // one fill of two squares wound opposite ways
	s.add([]pt{{10, 35}, {40, 35}, {40, 55}, {10, 55}})
	s.add([]pt{{20, 40}, {20, 50}, {50, 50}, {50, 40}})
	rc.fill(&s, red)
	for _, p := range []image.Point{{15, 45}, {30, 45}, {45, 45}} {
		if c := rc.img.RGBAAt(p.X, p.Y); c != red {
			t.Errorf("squares at %v are %v, want %v", p, c, red)
		}
	}
	if c := rc.img.RGBAAt(95, 5); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("untouched pixel is %v, want white", c)
	}
	// A shape reaching past the edges is clipped, not refused.
	rc.fillCircle(-5, -5, 12, red)
	if c := rc.img.RGBAAt(0, 0); c != red {
		t.Errorf("clipped disc at the corner is %v, want %v", c, red)
	}
}

// TestVerticalText checks that turned text reads upward from its anchor:
// its ink is in a narrow column left of x, above y.
func TestVerticalText(t *testing.T) {
	fc := faces{}
	rc := newRaster(200, 300, fc)
	const x, y, size = 100, 250, 20
	rc.text(x, y, "loss (log scale)", size, color.Black, anchorStart, true)
	w := fc.width("loss (log scale)", size)
	var lo, hi image.Point
	n := 0
	for py := range 300 {
		for px := range 200 {
			if rc.img.RGBAAt(px, py).R < 128 {
				if n == 0 {
					lo, hi = image.Pt(px, py), image.Pt(px, py)
				}
				lo.X, lo.Y = min(lo.X, px), min(lo.Y, py)
				hi.X, hi.Y = max(hi.X, px), max(hi.Y, py)
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no ink")
	}
	if float64(lo.X) < x-fc.ascent(size)-2 || float64(hi.X) > x+fc.descent(size)+2 {
		t.Errorf("ink spans x %d..%d, want within the line height about %d", lo.X, hi.X, x)
	}
	if float64(hi.Y) > y+1 || float64(lo.Y) < y-w-2 || float64(lo.Y) > y-w*0.8 {
		t.Errorf("ink spans y %d..%d, want upward from %d over about %.0f px", lo.Y, hi.Y, y, w)
	}

	// Reading direction: "l" then dots. Upward, the tall l is at the
	// bottom, reaching left (towards the ascender side); the dots at the
	// top stay by the baseline.
	rc = newRaster(200, 300, fc)
	rc.text(x, y, "l.....", size, color.Black, anchorStart, true)
	leftmost := func(y0, y1 int) int {
		m := 200
		for py := y0; py < y1; py++ {
			for px := range 200 {
				if rc.img.RGBAAt(px, py).R < 128 {
					m = min(m, px)
				}
			}
		}
		return m
	}
	w = fc.width("l.....", size)
	asc := fc.ascent(size)
	if bottom := leftmost(y-6, y+1); float64(bottom) > x-0.6*asc {
		t.Errorf("the l at the bottom reaches x %d, want left of %.0f", bottom, x-0.6*asc)
	}
	if top := leftmost(int(y-w), int(y-w/2)); float64(top) < x-0.4*asc {
		t.Errorf("the dots at the top reach x %d, want right of %.0f", top, x-0.4*asc)
	}
}

func TestSVGText(t *testing.T) {
	c := newSVG(100, 50)
	c.text(10, 20, `a<b & "c"`, 12, color.NRGBA{0x33, 0x33, 0x33, 0x80}, anchorEnd, true)
	var b bytes.Buffer
	if err := c.writeTo(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{
		`>a&lt;b &amp; &quot;c&quot;</text>`,
		`text-anchor="end"`,
		`transform="rotate(-90 10 20)"`,
		`fill="#333333" fill-opacity="0.5"`,
		`width="100" height="50"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, "</svg>\n") {
		t.Error("SVG not closed")
	}
}
