package report

// A small vector canvas with two back ends, SVG text and an antialiased
// raster for PNG, so that a chart is laid out once and drawn the same way in
// both. Coordinates are pixels, origin at the top left, y down. Text is set
// in Liberation Sans (metric-compatible with Arial); the SVG names it first
// and falls back to Arial, Helvetica and sans-serif, so the widths measured
// here hold in a browser.

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

type pt struct{ X, Y float64 }

// finitePt and allFinite guard the back ends against coordinates no
// axis could give (data spanning more than float64 holds): such marks are
// not drawn.
func finitePt(p pt) bool {
	return !math.IsNaN(p.X) && !math.IsInf(p.X, 0) && !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0)
}

func allFinite(p []pt) bool {
	for _, q := range p {
		if !finitePt(q) {
			return false
		}
	}
	return true
}

// anchor is where a text's x falls: at its start, middle or end.
type anchor int

const (
	anchorStart anchor = iota
	anchorMiddle
	anchorEnd
)

// canvas is what a chart draws on. Text positions are baselines; vertical
// text reads bottom to top, and its x is its baseline.
type canvas interface {
	fillRect(x0, y0, x1, y1 float64, c color.Color)
	fillPolygon(p []pt, c color.Color)
	fillCircle(cx, cy, r float64, c color.Color)
	// polyline strokes p with round joins and caps; dash, if not empty,
	// alternates drawn and skipped lengths.
	polyline(p []pt, width float64, c color.Color, dash []float64)
	text(x, y float64, s string, size float64, c color.Color, a anchor, vertical bool)
	writeTo(w io.Writer) error
}

// sansFont is the parsed Liberation Sans, parsed on first use so that a run
// that draws no chart never reads it.
var sansFont = sync.OnceValues(func() (*sfnt.Font, error) {
	return opentype.Parse(liberationsansregular.TTF)
})

// faces holds one font face per pixel size; a face is not safe for
// concurrent use, so each chart has its own.
type faces map[float64]font.Face

func (f faces) at(size float64) font.Face {
	if face, ok := f[size]; ok {
		return face
	}
	sf, err := sansFont()
	if err != nil {
		panic(fmt.Sprintf("report: embedded font: %v", err)) // a build defect, not an input error
	}
	face, err := opentype.NewFace(sf, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic(fmt.Sprintf("report: embedded font at %vpx: %v", size, err))
	}
	f[size] = face
	return face
}

// width is the advance of s at size pixels.
func (f faces) width(s string, size float64) float64 {
	return fixedF(font.MeasureString(f.at(size), s))
}

// ascent is the height of capitals and ascenders above the baseline.
func (f faces) ascent(size float64) float64 { return fixedF(f.at(size).Metrics().Ascent) }

// descent is the depth of descenders below the baseline.
func (f faces) descent(size float64) float64 { return fixedF(f.at(size).Metrics().Descent) }

func fixedF(v fixed.Int26_6) float64 { return float64(v) / 64 }

// ---- SVG ----

type svgCanvas struct {
	b strings.Builder
}

func newSVG(w, h int) *svgCanvas {
	c := &svgCanvas{}
	fmt.Fprintf(&c.b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="'Liberation Sans', Arial, Helvetica, sans-serif">`+"\n",
		w, h, w, h)
	c.fillRect(0, 0, float64(w), float64(h), color.White)
	return c
}

// num prints a coordinate to 0.01 px without trailing zeros.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// paint writes an SVG colour attribute (fill or stroke) and its opacity.
func paint(attr string, c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	s := fmt.Sprintf(`%s="#%02x%02x%02x"`, attr, n.R, n.G, n.B)
	if n.A != 0xff {
		s += fmt.Sprintf(` %s-opacity="%s"`, attr, num(float64(n.A)/255))
	}
	return s
}

func points(p []pt) string {
	var b strings.Builder
	for i, q := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(num(q.X) + "," + num(q.Y))
	}
	return b.String()
}

func (c *svgCanvas) fillRect(x0, y0, x1, y1 float64, col color.Color) {
	if !finitePt(pt{x0, y0}) || !finitePt(pt{x1, y1}) {
		return
	}
	x0, x1 = min(x0, x1), max(x0, x1) // SVG refuses a negative width
	y0, y1 = min(y0, y1), max(y0, y1)
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" %s/>`+"\n",
		num(x0), num(y0), num(x1-x0), num(y1-y0), paint("fill", col))
}

func (c *svgCanvas) fillPolygon(p []pt, col color.Color) {
	if !allFinite(p) {
		return
	}
	fmt.Fprintf(&c.b, `<polygon points="%s" %s/>`+"\n", points(p), paint("fill", col))
}

func (c *svgCanvas) fillCircle(cx, cy, r float64, col color.Color) {
	if !finitePt(pt{cx, cy}) || !finitePt(pt{r, 0}) {
		return
	}
	fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="%s" %s/>`+"\n", num(cx), num(cy), num(r), paint("fill", col))
}

func (c *svgCanvas) polyline(p []pt, width float64, col color.Color, dash []float64) {
	if !allFinite(p) {
		return
	}
	d := ""
	if len(dash) > 0 {
		s := make([]string, len(dash))
		for i, v := range dash {
			s[i] = num(v)
		}
		d = ` stroke-dasharray="` + strings.Join(s, " ") + `" stroke-linecap="butt"`
	} else {
		d = ` stroke-linecap="round"`
	}
	fmt.Fprintf(&c.b, `<polyline points="%s" fill="none" %s stroke-width="%s" stroke-linejoin="round"%s/>`+"\n",
		points(p), paint("stroke", col), num(width), d)
}

var svgAnchor = [...]string{"start", "middle", "end"}

func (c *svgCanvas) text(x, y float64, s string, size float64, col color.Color, a anchor, vertical bool) {
	if !finitePt(pt{x, y}) {
		return
	}
	rot := ""
	if vertical {
		rot = fmt.Sprintf(` transform="rotate(-90 %s %s)"`, num(x), num(y))
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="%s" text-anchor="%s" %s%s>%s</text>`+"\n",
		num(x), num(y), num(size), svgAnchor[a], paint("fill", col), rot, escapeXML(s))
}

// escapeXML escapes s for SVG text, dropping the control characters XML
// does not allow and replacing invalid UTF-8.
func escapeXML(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xfffe || r == 0xffff {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\ufffd"))
	return xmlEscaper.Replace(s)
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func (c *svgCanvas) writeTo(w io.Writer) error {
	_, err := io.WriteString(w, c.b.String()+"</svg>\n")
	return err
}

// ---- raster ----

type rasterCanvas struct {
	img     *image.RGBA
	f       faces
	z       vector.Rasterizer
	maskPix []byte
}

func newRaster(w, h int, f faces) *rasterCanvas {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return &rasterCanvas{img: img, f: f}
}

// shape collects polygons in pixel coordinates and fills their union:
// every polygon is added counter-clockwise, so overlaps never cancel.
type shape struct {
	polys [][]pt
	lo    pt
	hi    pt
}

func (s *shape) add(p []pt) {
	if len(p) < 3 {
		return
	}
	area := 0.0
	for i := range p {
		j := (i + 1) % len(p)
		area += p[i].X*p[j].Y - p[j].X*p[i].Y
	}
	if area < 0 {
		q := make([]pt, len(p))
		for i := range p {
			q[i] = p[len(p)-1-i]
		}
		p = q
	}
	if len(s.polys) == 0 {
		s.lo, s.hi = p[0], p[0]
	}
	for _, q := range p {
		s.lo.X, s.lo.Y = min(s.lo.X, q.X), min(s.lo.Y, q.Y)
		s.hi.X, s.hi.Y = max(s.hi.X, q.X), max(s.hi.Y, q.Y)
	}
	s.polys = append(s.polys, p)
}

// fill rasterises the union of the shape's polygons over the image in c.
// Only the part on the image is rasterised; a shape with a coordinate that
// is not finite (data no axis could place) is not drawn.
func (rc *rasterCanvas) fill(s *shape, col color.Color) {
	if len(s.polys) == 0 || !finitePt(s.lo) || !finitePt(s.hi) {
		return
	}
	b := rc.img.Bounds()
	// Coordinates far off the image are pulled in to a margin around it
	// (the rasteriser walks every row between a segment's ends); shapes
	// that reach so far are off the chart's frame anyway.
	const margin = 1024
	w, h := float64(b.Dx()), float64(b.Dy())
	near := func(q pt) pt { return pt{min(w+margin, max(-margin, q.X)), min(h+margin, max(-margin, q.Y))} }
	lo, hi := near(s.lo), near(s.hi)
	r := image.Rect(int(math.Floor(lo.X)), int(math.Floor(lo.Y)), int(math.Ceil(hi.X))+1, int(math.Ceil(hi.Y))+1).Intersect(b)
	if r.Empty() {
		return
	}
	rc.z.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	for _, p := range s.polys {
		q := near(p[0])
		rc.z.MoveTo(float32(q.X-ox), float32(q.Y-oy))
		for _, q := range p[1:] {
			q = near(q)
			rc.z.LineTo(float32(q.X-ox), float32(q.Y-oy))
		}
		rc.z.ClosePath()
	}
	// A mask exactly the shape's size: the rasteriser's fast path takes
	// the mask's pixels as one run, so it must not be a sub-image.
	n := r.Dx() * r.Dy()
	if cap(rc.maskPix) < n {
		rc.maskPix = make([]byte, n)
	}
	m := &image.Alpha{Pix: rc.maskPix[:n], Stride: r.Dx(), Rect: image.Rect(0, 0, r.Dx(), r.Dy())}
	rc.z.DrawOp = draw.Src // every mask pixel is written
	rc.z.Draw(m, m.Rect, image.Opaque, image.Point{})
	draw.DrawMask(rc.img, r, image.NewUniform(col), image.Point{}, m, image.Point{}, draw.Over)
}

func (rc *rasterCanvas) fillRect(x0, y0, x1, y1 float64, col color.Color) {
	var s shape
	s.add([]pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}})
	rc.fill(&s, col)
}

func (rc *rasterCanvas) fillPolygon(p []pt, col color.Color) {
	var s shape
	s.add(p)
	rc.fill(&s, col)
}

// disc is a circle as a polygon, fine enough that its edge reads round.
func disc(cx, cy, r float64) []pt {
	n := max(12, min(64, int(r*2.5)))
	p := make([]pt, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / float64(n)
		p[i] = pt{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	return p
}

func (rc *rasterCanvas) fillCircle(cx, cy, r float64, col color.Color) {
	rc.fillPolygon(disc(cx, cy, r), col)
}

func (rc *rasterCanvas) polyline(p []pt, width float64, col color.Color, dash []float64) {
	var s shape
	round := len(dash) == 0
	for _, seg := range dashes(p, dash) {
		strokeInto(&s, seg, width/2, round)
	}
	rc.fill(&s, col)
}

// strokeInto adds to s the outline of a polyline of half-width hw: a quad
// per segment, and with round set a disc at every point (joins and caps).
func strokeInto(s *shape, p []pt, hw float64, round bool) {
	for i := 1; i < len(p); i++ {
		a, b := p[i-1], p[i]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		nx, ny := -dy/l*hw, dx/l*hw
		s.add([]pt{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}})
	}
	if round {
		for _, q := range p {
			s.add(disc(q.X, q.Y, hw))
		}
	}
}

// dashes cuts p into the drawn pieces of the dash pattern; with no pattern
// it is p itself.
func dashes(p []pt, dash []float64) [][]pt {
	if len(dash) == 0 || len(p) < 2 {
		return [][]pt{p}
	}
	for _, d := range dash {
		if !(d > 0) { // a zero length would never advance
			return [][]pt{p}
		}
	}
	var out [][]pt
	var cur []pt
	k, left := 0, dash[0] // the pattern entry in force and what is left of it
	on := true
	cur = []pt{p[0]}
	for i := 1; i < len(p); i++ {
		a, b := p[i-1], p[i]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		t := 0.0
		for l-t > left {
			t += left
			q := pt{a.X + (b.X-a.X)*t/l, a.Y + (b.Y-a.Y)*t/l}
			if on {
				out = append(out, append(cur, q))
				cur = nil
			} else {
				cur = []pt{q}
			}
			on = !on
			k = (k + 1) % len(dash)
			left = dash[k]
		}
		left -= l - t
		if on {
			cur = append(cur, b)
		}
	}
	if on && len(cur) > 1 {
		out = append(out, cur)
	}
	return out
}

func (rc *rasterCanvas) text(x, y float64, s string, size float64, col color.Color, a anchor, vertical bool) {
	if !finitePt(pt{x, y}) || math.Abs(x) > 1e6 || math.Abs(y) > 1e6 {
		return
	}
	face := rc.f.at(size)
	w := rc.f.width(s, size)
	off := [...]float64{0, w / 2, w}[a]
	if !vertical {
		d := font.Drawer{Dst: rc.img, Src: image.NewUniform(col), Face: face,
			Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round((x - off) * 64)), Y: fixed.Int26_6(math.Round(y * 64))}}
		d.DrawString(s)
		return
	}
	// Vertical: set the text horizontally in a mask, then turn it a
	// quarter to the left onto the image.
	asc, desc := math.Ceil(rc.f.ascent(size)), math.Ceil(rc.f.descent(size))
	tw, th := int(math.Ceil(w))+2, int(asc+desc)+2
	m := image.NewAlpha(image.Rect(0, 0, tw, th))
	d := font.Drawer{Dst: m, Src: image.Opaque, Face: face, Dot: fixed.P(1, int(asc)+1)}
	d.DrawString(s)
	// Mask pixel (u, v) lands at (x0+v, y0-u): u runs up the page.
	x0 := int(math.Round(x - asc - 1))
	y0 := int(math.Round(y + off - 1))
	turned := image.NewAlpha(image.Rect(x0, y0-tw+1, x0+th, y0+1))
	for v := 0; v < th; v++ {
		for u := 0; u < tw; u++ {
			turned.SetAlpha(x0+v, y0-u, m.AlphaAt(u, v))
		}
	}
	r := turned.Rect.Intersect(rc.img.Bounds())
	draw.DrawMask(rc.img, r, image.NewUniform(col), image.Point{}, turned, r.Min, draw.Over)
}

func (rc *rasterCanvas) writeTo(w io.Writer) error {
	return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, rc.img)
}
