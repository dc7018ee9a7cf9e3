package report

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// countNear counts pixels within tol of c in every channel.
func countNear(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	abs := func(v int) int { return max(v, -v) }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if abs(int(p.R)-int(c.R)) <= tol && abs(int(p.G)-int(c.G)) <= tol && abs(int(p.B)-int(c.B)) <= tol {
				n++
			}
		}
	}
	return n
}

// checkChartPNG decodes a chart and checks its size, its white corners and
// that some pixels have each of the colours.
func checkChartPNG(t *testing.T, path string, w, h int, colors ...color.RGBA) {
	t.Helper()
	img := decodePNG(t, path)
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: size %v, want %dx%d", filepath.Base(path), b.Size(), w, h)
	}
	white := color.RGBA{255, 255, 255, 255}
	for _, p := range []image.Point{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}} {
		if c := color.RGBAModel.Convert(img.At(p.X, p.Y)); c != white {
			t.Errorf("%s: corner %v is %v, want white", filepath.Base(path), p, c)
		}
	}
	for _, c := range colors {
		if n := countNear(img, c, 8); n < 20 {
			t.Errorf("%s: %d pixels of colour %v, want some", filepath.Base(path), n, c)
		}
	}
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("<?xml")) && !bytes.HasPrefix(b, []byte("<svg")) {
		t.Errorf("%s starts with %q", path, b[:min(len(b), 20)])
	}
	if !bytes.Contains(b, []byte("</svg>")) {
		t.Errorf("%s: no closing </svg>", path)
	}
	// Well-formed XML, and no rectangle of negative size (which SVG
	// refuses to draw).
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: not well-formed XML: %v", path, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			for _, a := range se.Attr {
				if (a.Name.Local == "width" || a.Name.Local == "height") && strings.HasPrefix(a.Value, "-") {
					t.Errorf("%s: rect with %s=%s", path, a.Name.Local, a.Value)
				}
			}
		}
	}
}

// TestChartsAwkwardRanges draws data whose ranges have no round steps in
// float64 (spans that overflow, values a few ulps apart), narrow bars and a
// title with control characters: each must finish, and the SVG must parse.
func TestChartsAwkwardRanges(t *testing.T) {
	dir := t.TempDir()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tiny := math.Nextafter(1, 2)
		for _, ext := range []string{".png", ".svg"} {
			thr := 1e9 // far right: the bars are a pixel wide
			for i, draw := range []func(p string) error{
				func(p string) error {
					return Scatter2D(p, []float64{-1e308, 1e308}, []float64{0, 1}, nil, "wide\x01\xff")
				},
				func(p string) error { return LossCurve(p, []float64{1e308, -1e308}, nil, "") },
				func(p string) error { return Histogram(p, []float64{1, tiny, 1, tiny}, HistOptions{}) },
				func(p string) error { return Histogram(p, []float64{1, 2, 3}, HistOptions{Threshold: &thr}) },
			} {
				p := filepath.Join(dir, strconv.Itoa(i)+ext)
				if err := draw(p); err != nil {
					t.Error(err)
				} else if ext == ".svg" {
					checkSVG(t, p)
				}
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("charts of awkward ranges did not finish in 60 s")
	}
}

func TestLossCurve(t *testing.T) {
	dir := t.TempDir()
	train := []float64{1, 0.5, 0.3, math.NaN(), 0.2}
	val := []float64{1.1, 0.6, 0.4, 0.35, 0.3}
	p := filepath.Join(dir, "loss.png")
	if err := LossCurve(p, train, val, "Loss"); err != nil {
		t.Fatal(err)
	}
	checkChartPNG(t, p, 900, 540, palette[0], palette[1])

	// Train only, a log axis (range > 100x), one epoch, SVG.
	p = filepath.Join(dir, "log.png")
	if err := LossCurve(p, []float64{100, 1, 0.5}, nil, ""); err != nil {
		t.Fatal(err)
	}
	checkChartPNG(t, p, 900, 540, palette[0])
	if err := LossCurve(filepath.Join(dir, "one.png"), []float64{0.3}, nil, "one"); err != nil {
		t.Fatal(err)
	}
	svg := filepath.Join(dir, "loss.SVG")
	if err := LossCurve(svg, train, val, "Loss"); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg)

	for _, c := range []struct {
		name, path string
		train      []float64
	}{
		{"empty", filepath.Join(dir, "e.png"), nil},
		{"all NaN", filepath.Join(dir, "n.png"), []float64{math.NaN(), math.Inf(1)}},
		{"extension", filepath.Join(dir, "x.pdf"), []float64{1}},
	} {
		if err := LossCurve(c.path, c.train, nil, ""); err == nil || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: err = %v, want an error naming the path", c.name, err)
		}
	}
}

func TestHistogram(t *testing.T) {
	dir := t.TempDir()
	var vals []float64
	for i := range 500 {
		vals = append(vals, math.Exp(float64(i%50)/10-6))
	}
	vals = append(vals, 0, 0, math.NaN())
	thr := 0.02
	p := filepath.Join(dir, "h.png")
	if err := Histogram(p, vals, HistOptions{Title: "rates", XLabel: "rate", LogX: true, Threshold: &thr}); err != nil {
		t.Fatal(err)
	}
	histBlue := color.RGBA{0x4c, 0x8b, 0xc4, 0xff}
	checkChartPNG(t, p, 900, 540, histBlue, palette[3])

	p = filepath.Join(dir, "lin.svg")
	if err := Histogram(p, vals, HistOptions{Bins: 5}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, p)
	// One distinct value still makes a chart.
	if err := Histogram(filepath.Join(dir, "one.png"), []float64{3, 3, 3}, HistOptions{}); err != nil {
		t.Fatal(err)
	}

	bad := -1.0
	for _, c := range []struct {
		name string
		v    []float64
		opt  HistOptions
		want string
	}{
		{"empty", nil, HistOptions{}, "no finite values"},
		{"NaN only", []float64{math.NaN()}, HistOptions{}, "no finite values"},
		{"log of non-positive", []float64{0, -1}, HistOptions{LogX: true}, "no finite values"},
		{"log threshold", []float64{1, 2}, HistOptions{LogX: true, Threshold: &bad}, "threshold"},
	} {
		path := filepath.Join(dir, "bad.png")
		err := Histogram(path, c.v, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want %q and the path", c.name, err, c.want)
		}
	}
}

func TestROCCurve(t *testing.T) {
	dir := t.TempDir()
	fpr := []float64{0, 0.1, 0.2, 0.5, 1}
	tpr := []float64{0, 0.6, 0.8, 0.95, 1}
	p := filepath.Join(dir, "roc.png")
	if err := ROCCurve(p, fpr, tpr, 0.87); err != nil {
		t.Fatal(err)
	}
	checkChartPNG(t, p, 720, 660, palette[0])
	svg := filepath.Join(dir, "roc.svg")
	if err := ROCCurve(svg, fpr, tpr, math.NaN()); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg)
	b, _ := os.ReadFile(svg)
	if !bytes.Contains(b, []byte("AUC = n/a")) {
		t.Error("NaN AUC not shown as n/a")
	}

	for _, c := range []struct {
		name     string
		fpr, tpr []float64
		want     string
	}{
		{"lengths", fpr, tpr[:4], "positive rates"},
		{"one point", []float64{0}, []float64{0}, "at least 2"},
		{"NaN", []float64{0, math.NaN()}, []float64{0, 1}, "point 1"},
		{"range", []float64{0, 1.5}, []float64{0, 1}, "outside [0, 1]"},
	} {
		err := ROCCurve(p, c.fpr, c.tpr, 0.5)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q and the path", c.name, err, c.want)
		}
	}
}

func TestScatter2D(t *testing.T) {
	dir := t.TempDir()
	var x, y []float64
	var labels []int
	for i := range 300 {
		a := float64(i) * 0.1
		x = append(x, math.Cos(a)*float64(i%3+1))
		y = append(y, math.Sin(a)*float64(i%3+1))
		labels = append(labels, i%3*7) // labels 0, 7, 14
	}
	x[5] = math.NaN()
	p := filepath.Join(dir, "s.png")
	if err := Scatter2D(p, x, y, labels, "codes"); err != nil {
		t.Fatal(err)
	}
	// The legend glyphs are drawn in the full colours of the first three.
	img := decodePNG(t, p)
	if img.Bounds().Dx() <= 840 {
		t.Errorf("width %d: no room for the legend", img.Bounds().Dx())
	}
	checkChartPNG(t, p, img.Bounds().Dx(), 720, palette[0], palette[1], palette[2])

	p = filepath.Join(dir, "plain.svg")
	if err := Scatter2D(p, x, y, nil, "codes"); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, p)

	for _, c := range []struct {
		name   string
		x, y   []float64
		labels []int
		want   string
	}{
		{"lengths", x, y[:3], nil, "y values"},
		{"labels", x, y, labels[:3], "labels"},
		{"no points", nil, nil, nil, "no finite points"},
		{"NaN only", []float64{math.NaN()}, []float64{1}, nil, "no finite points"},
	} {
		err := Scatter2D(p, c.x, c.y, c.labels, "")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q and the path", c.name, err, c.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	labels := func(ts []string) string { return strings.Join(ts, " ") }
	cases := []struct {
		lo, hi  float64
		integer bool
		want    string
	}{
		{0, 1, false, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 110, false, "0 20 40 60 80 100"},
		{0, 100, false, "0 20 40 60 80 100"},
		{0, 0.25, false, "0.00 0.05 0.10 0.15 0.20 0.25"},
		{-7, 7, false, "-6 -4 -2 0 2 4 6"},
		{1, 30, true, "5 10 15 20 25 30"},
		{0, 0.012, false, "0.000 0.002 0.004 0.006 0.008 0.010 0.012"},
		{1, 3, true, "1 2 3"},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range (niceTicks{integer: c.integer}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if labels(got) != c.want {
			t.Errorf("niceTicks(%v, %v) = %q, want %q", c.lo, c.hi, labels(got), c.want)
		}
	}

	var got []string
	for _, tk := range (log10Ticks{}).Ticks(-4.2, -0.5) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if want := "0.0001 0.001 0.01 0.1"; labels(got) != want {
		t.Errorf("log10Ticks(-4.2, -0.5) labels %q, want %q", labels(got), want)
	}
	got = nil
	for _, tk := range (log10Ticks{}).Ticks(math.Log10(1.5), math.Log10(8)) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if want := "2 5"; labels(got) != want {
		t.Errorf("log10Ticks within one decade labels %q, want %q", labels(got), want)
	}
	got = nil
	for _, tk := range (log10Ticks{}).Ticks(math.Log10(0.048), math.Log10(0.085)) {
		got = append(got, tk.Label)
	}
	if want := "0.05 0.06 0.07 0.08"; labels(got) != want {
		t.Errorf("log10Ticks(0.048..0.085) labels %q, want %q", labels(got), want)
	}
	got = nil
	for _, tk := range (log10Ticks{}).Ticks(math.Log10(0.051), math.Log10(0.059)) {
		got = append(got, tk.Label)
	}
	if len(got) < 2 {
		t.Errorf("log10Ticks(0.051..0.059) labels %q, want at least two", labels(got))
	}
}

// The demo's objective falls from 169 to 17.8 over 60 epochs: on a linear
// axis every epoch after the first few lay on one flat line. Such a range
// is drawn on a log axis; a loss that varies by less than 5x is not.
func TestLossCurveLogAxis(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		log    bool
	}{{17.8, 169, true}, {0.5, 100, true}, {1, 4.9, false}, {0, 100, false}, {-1, 1, false}} {
		if got := logLoss(c.lo, c.hi); got != c.log {
			t.Errorf("logLoss(%g, %g) = %v, want %v", c.lo, c.hi, got, c.log)
		}
	}
}
