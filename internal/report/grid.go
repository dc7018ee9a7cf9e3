package report

// Tile grids: rows of a matrix drawn as small images (learned features,
// inputs, reconstructions, samples), scaled up and laid out in a grid.

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// GridOptions controls FeatureGrid and ImageGrid. The zero value gives the
// defaults.
type GridOptions struct {
	// MaxTiles is the most tiles drawn; the first rows are taken. With
	// RowLabels it is shared among the groups, so that each group shows
	// the same rows. Default 100.
	MaxTiles int

	// Cols is the number of tiles per line. Default: as many as make the
	// image about square.
	Cols int

	// MinWidth is the least width of the image in pixels; tiles are scaled
	// up by a whole factor (nearest neighbour) to reach it. Default 600.
	MinWidth int

	// PerTile (ImageGrid only) stretches each tile to its own min..max.
	// Default false: one scale for all tiles, [0, 1] when every value lies
	// in it, else the overall min..max, so that tiles compare with each
	// other. FeatureGrid always normalises each tile.
	PerTile bool

	// RowLabels splits the n rows into len(RowLabels) equal consecutive
	// groups (n must divide) and draws them as labelled lines of tiles, the
	// i-th tile of every group in the same column: with {"input",
	// "reconstruction"} and 2m rows, the first m rows are drawn above the
	// last m. Default: one unlabelled group.
	RowLabels []string

	// Border is the colour of the 1-pixel lines between tiles and of the
	// background. Default white.
	Border color.Color
}

const (
	defaultMaxTiles = 100
	defaultMinWidth = 600
	labelFontPx     = 15
)

// FeatureGrid writes a PNG of the n rows of w (n x d, row-major, d = imgH*imgW
// pixels, each row an image in row-major order), for example the decoder
// directions of the latents. Each tile is contrast-normalised on its own: a
// tile with negative values is drawn symmetric around 0 (0 is mid-gray,
// negative darker, positive lighter, the largest magnitude at black or
// white); an all non-negative tile is stretched from its min (black) to its
// max (white). A constant tile is mid-gray. NaN or Inf values are an error
// naming the row and column.
func FeatureGrid(path string, w []float32, n, d, imgH, imgW int, opt GridOptions) error {
	return writeGrid("feature grid", path, w, n, d, imgH, imgW, opt, true)
}

// ImageGrid writes a PNG of the n rows of rows (n x d, row-major, d =
// imgH*imgW pixels) drawn as images: inputs, reconstructions, generated
// samples. Values map to gray levels on one scale for all tiles (see
// GridOptions.PerTile), black for the lowest. RowLabels draws groups of rows
// as labelled lines, for example originals above their reconstructions.
// NaN or Inf values are an error naming the row and column.
func ImageGrid(path string, rows []float32, n, d, imgH, imgW int, opt GridOptions) error {
	return writeGrid("image grid", path, rows, n, d, imgH, imgW, opt, false)
}

// InferImageShape returns the image shape of a row of d values. A non-empty
// spec such as "28x28" (height x width) is parsed and must hold exactly d
// pixels, else err is set. An empty spec gives a square shape when d is a
// perfect square of side at least 2 (784 → 28x28, 64 → 8x8), and ok = false
// otherwise.
func InferImageShape(d int, spec string) (h, w int, ok bool, err error) {
	if d <= 0 {
		return 0, 0, false, fmt.Errorf("report: image shape: dimension %d is not positive", d)
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		s := int(math.Round(math.Sqrt(float64(d))))
		if s >= 2 && s*s == d {
			return s, s, true, nil
		}
		return 0, 0, false, nil
	}
	hs, ws, found := strings.Cut(strings.ToLower(spec), "x")
	if !found {
		return 0, 0, false, fmt.Errorf("report: image shape %q: want HEIGHTxWIDTH, e.g. 28x28", spec)
	}
	h, err1 := strconv.Atoi(strings.TrimSpace(hs))
	w, err2 := strconv.Atoi(strings.TrimSpace(ws))
	if err1 != nil || err2 != nil || h <= 0 || w <= 0 {
		return 0, 0, false, fmt.Errorf("report: image shape %q: want HEIGHTxWIDTH with positive integers, e.g. 28x28", spec)
	}
	if h*w != d {
		return 0, 0, false, fmt.Errorf("report: image shape %q has %d pixels, the data has %d values per row", spec, h*w, d)
	}
	return h, w, true, nil
}

// gridLayout is where every tile goes in the output image.
type gridLayout struct {
	groups, perGroup int // tiles drawn per group
	cols, bands      int // tiles per line; lines per group
	scale            int // pixels per value, each way
	labelW           int // width of the label column, 0 without labels
	bandGap          int // extra space between bands of grouped lines
	width, height    int
}

func (l gridLayout) tileOrigin(tileH, tileW, group, i int) image.Point {
	band, col := i/l.cols, i%l.cols
	line := band*l.groups + group
	x := l.labelW + 1 + col*(tileW*l.scale+1)
	y := 1 + line*(tileH*l.scale+1) + band*l.bandGap
	return image.Point{x, y}
}

func layoutGrid(n, imgH, imgW int, opt GridOptions, labelW int) (gridLayout, error) {
	var l gridLayout
	l.groups = max(1, len(opt.RowLabels))
	if n%l.groups != 0 {
		return l, fmt.Errorf("%d rows do not split into %d labelled groups", n, l.groups)
	}
	maxTiles := opt.MaxTiles
	if maxTiles <= 0 {
		maxTiles = defaultMaxTiles
	}
	l.perGroup = min(n/l.groups, max(1, maxTiles/l.groups))
	l.cols = opt.Cols
	if l.cols <= 0 {
		// Near-square in pixels: cols*imgW ≈ groups*ceil(k/cols)*imgH.
		l.cols = int(math.Ceil(math.Sqrt(float64(l.groups*l.perGroup*imgH) / float64(imgW))))
	}
	l.cols = max(1, min(l.cols, l.perGroup))
	l.bands = (l.perGroup + l.cols - 1) / l.cols

	minWidth := opt.MinWidth
	if minWidth <= 0 {
		minWidth = defaultMinWidth
	}
	l.labelW = labelW
	inner := minWidth - labelW - (l.cols + 1)
	l.scale = max(1, (inner+l.cols*imgW-1)/(l.cols*imgW))
	if l.groups > 1 && l.bands > 1 {
		l.bandGap = max(4, imgH*l.scale/4)
	}
	l.width = labelW + 1 + l.cols*(imgW*l.scale+1)
	lines := l.bands * l.groups
	l.height = 1 + lines*(imgH*l.scale+1) + (l.bands-1)*l.bandGap
	if int64(l.width)*int64(l.height) > 1<<28 {
		return l, fmt.Errorf("image of %dx%d pixels is too large; lower MaxTiles or MinWidth", l.width, l.height)
	}
	return l, nil
}

// drawnRange is the range of the rows drawn of vals (rows of d values),
// [0, 1] when it lies within.
func drawnRange(vals []float32, drawn []int, d int) (lo, hi float32) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, r := range drawn {
		tlo, thi := minMax(vals[r*d : (r+1)*d])
		lo, hi = min(lo, tlo), max(hi, thi)
	}
	if lo >= 0 && hi <= 1 {
		lo, hi = 0, 1
	}
	return lo, hi
}

func writeGrid(op, path string, vals []float32, n, d, imgH, imgW int, opt GridOptions, features bool) error {
	fail := func(err error) error { return fmt.Errorf("report: %s %s: %w", op, path, err) }
	if err := checkExt(path, ".png"); err != nil {
		return fail(err)
	}
	switch {
	case n <= 0 || d <= 0:
		return fail(fmt.Errorf("no data (n=%d, d=%d)", n, d))
	case len(vals) != n*d:
		return fail(fmt.Errorf("%d values, want n*d = %d*%d = %d", len(vals), n, d, n*d))
	case imgH <= 0 || imgW <= 0 || imgH*imgW != d:
		return fail(fmt.Errorf("image shape %dx%d does not hold d = %d values", imgH, imgW, d))
	}
	var face font.Face
	labelW := 0
	if len(opt.RowLabels) > 0 {
		var err error
		if face, err = labelFace(); err != nil {
			return fail(err)
		}
		for _, s := range opt.RowLabels {
			labelW = max(labelW, font.MeasureString(face, s).Ceil())
		}
		labelW += 2 * 10
	}
	l, err := layoutGrid(n, imgH, imgW, opt, labelW)
	if err != nil {
		return fail(err)
	}
	perGroupRows := n / l.groups

	// The rows actually drawn, group by group.
	var drawn []int
	for g := range l.groups {
		for i := range l.perGroup {
			drawn = append(drawn, g*perGroupRows+i)
		}
	}
	for _, r := range drawn {
		for j, v := range vals[r*d : (r+1)*d] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fail(fmt.Errorf("row %d, column %d: value is %v", r, j, v))
			}
		}
	}

	// One scale for all tiles unless each tile gets its own.
	global := !features && !opt.PerTile
	lo, hi := drawnRange(vals, drawn, d)

	border := opt.Border
	if border == nil {
		border = color.White
	}
	img := image.NewRGBA(image.Rect(0, 0, l.width, l.height))
	draw.Draw(img, img.Bounds(), image.NewUniform(border), image.Point{}, draw.Src)

	for g := range l.groups {
		for i := range l.perGroup {
			r := g*perGroupRows + i
			row := vals[r*d : (r+1)*d]
			var gray func(v float32) uint8
			switch {
			case features:
				gray = featureScale(row)
			case global:
				gray = minMaxScale(lo, hi)
			default:
				tlo, thi := minMax(row)
				gray = minMaxScale(tlo, thi)
			}
			o := l.tileOrigin(imgH, imgW, g, i)
			drawTile(img, o, row, imgH, imgW, l.scale, gray)
		}
	}
	if face != nil {
		ink := labelInk(border)
		for g, s := range opt.RowLabels {
			for b := range l.bands {
				o := l.tileOrigin(imgH, imgW, g, b*l.cols)
				mid := o.Y + imgH*l.scale/2
				drawLabel(img, face, s, l.labelW-10, mid, ink)
			}
		}
	}

	err = safefile.Write(path, func(w io.Writer) error {
		return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, img)
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// drawTile paints row (h x w values) at o, each value as a scale x scale block.
func drawTile(img *image.RGBA, o image.Point, row []float32, h, w, scale int, gray func(float32) uint8) {
	for y := range h {
		for x := range w {
			g := gray(row[y*w+x])
			for dy := range scale {
				off := img.PixOffset(o.X+x*scale, o.Y+y*scale+dy)
				px := img.Pix[off : off+4*scale]
				for k := 0; k < len(px); k += 4 {
					px[k], px[k+1], px[k+2], px[k+3] = g, g, g, 255
				}
			}
		}
	}
}

func minMax(v []float32) (lo, hi float32) {
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// featureScale is the per-tile contrast of FeatureGrid: symmetric around 0
// when the tile has negative values, min-max otherwise, mid-gray if flat.
func featureScale(row []float32) func(float32) uint8 {
	lo, hi := minMax(row)
	if lo >= 0 {
		return minMaxScale(lo, hi)
	}
	m := max(-lo, hi)
	return func(v float32) uint8 { return toByte(0.5 + 0.5*float64(v)/float64(m)) }
}

// minMaxScale maps lo to black and hi to white, everything to mid-gray if
// lo == hi.
func minMaxScale(lo, hi float32) func(float32) uint8 {
	if hi <= lo {
		return func(float32) uint8 { return 128 }
	}
	span := float64(hi) - float64(lo)
	return func(v float32) uint8 { return toByte((float64(v) - float64(lo)) / span) }
}

func toByte(g float64) uint8 {
	return uint8(math.Round(255 * min(1, max(0, g))))
}

func labelFace() (font.Face, error) {
	f, err := sansFont()
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: labelFontPx, DPI: 72, Hinting: font.HintingFull})
}

// labelInk is dark text on a light border, light text on a dark one.
func labelInk(bg color.Color) color.Color {
	r, g, b, _ := bg.RGBA()
	if 299*r+587*g+114*b > 500*0xffff {
		return color.RGBA{0x33, 0x33, 0x33, 0xff}
	}
	return color.RGBA{0xee, 0xee, 0xee, 0xff}
}

// drawLabel right-aligns s at x, vertically centred on midY.
func drawLabel(img *image.RGBA, face font.Face, s string, x, midY int, ink color.Color) {
	m := face.Metrics()
	w := font.MeasureString(face, s)
	baseline := midY + (m.Ascent.Ceil()-m.Descent.Ceil())/2
	dr := font.Drawer{
		Dst:  img,
		Src:  image.NewUniform(ink),
		Face: face,
		Dot:  fixed.Point26_6{X: fixed.I(x) - w, Y: fixed.I(baseline)},
	}
	dr.DrawString(s)
}

// checkExt accepts path if its extension (any case) is one of exts.
func checkExt(path string, exts ...string) error {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range exts {
		if ext == e {
			return nil
		}
	}
	if len(exts) == 1 {
		return fmt.Errorf("unsupported file extension %q (want %s)", ext, exts[0])
	}
	return fmt.Errorf("unsupported file extension %q (want %s)", ext, strings.Join(exts, " or "))
}
