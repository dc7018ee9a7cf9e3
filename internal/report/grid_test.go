package report

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func grayAt(img image.Image, x, y int) uint8 {
	return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
}

// pixel returns the centre of value (r, c) of tile (line, col) in a grid
// without labels, for tiles of h x w values scaled by s.
func pixel(line, col, r, c, h, w, s int) (x, y int) {
	x = 1 + col*(w*s+1) + c*s + s/2
	y = 1 + line*(h*s+1) + r*s + s/2
	return x, y
}

func TestFeatureGrid(t *testing.T) {
	const h, w = 3, 2
	rows := []float32{
		// tile 0: all positive, max at (2,1), min at (0,0)
		0.1, 0.2, 0.3, 0.4, 0.5, 0.9,
		// tile 1: symmetric, -2 at (0,0), 0 at (0,1), +1 at (1,0)
		-2, 0, 1, 0.5, -1, 0,
		// tile 2: all zero (a dead latent)
		0, 0, 0, 0, 0, 0,
		// tile 3
		1, 1, 1, 1, 1, 2,
	}
	path := filepath.Join(t.TempDir(), "features.png")
	if err := FeatureGrid(path, rows, 4, h*w, h, w, GridOptions{Cols: 2}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	// 2x2 tiles of 2 values across: scale = ceil((600-3)/4) = 150.
	const s = 150
	if b := img.Bounds(); b.Dx() != 1+2*(w*s+1) || b.Dy() != 1+2*(h*s+1) {
		t.Fatalf("size %v, want %dx%d", b.Size(), 1+2*(w*s+1), 1+2*(h*s+1))
	}
	if img.Bounds().Dx() < 600 {
		t.Errorf("width %d < 600", img.Bounds().Dx())
	}
	check := func(name string, line, col, r, c int, want uint8) {
		t.Helper()
		x, y := pixel(line, col, r, c, h, w, s)
		if g := grayAt(img, x, y); g != want {
			t.Errorf("%s: gray at (%d,%d) = %d, want %d", name, x, y, g, want)
		}
	}
	check("positive tile max", 0, 0, 2, 1, 255)
	check("positive tile min", 0, 0, 0, 0, 0)
	check("symmetric tile -max", 0, 1, 0, 0, 0)
	check("symmetric tile zero", 0, 1, 0, 1, 128)
	check("symmetric tile +half", 0, 1, 1, 0, 191)
	check("zero tile", 1, 0, 1, 1, 128)
	check("tile 3 max", 1, 1, 2, 1, 255)

	// Borders: the outer frame and the line between tiles are white.
	white := color.RGBA{255, 255, 255, 255}
	mid := 1 + w*s // the column between tile 0 and tile 1
	for _, p := range []image.Point{{0, 0}, {mid, 10}, {mid, 500}, {10, 1 + h*s}, {img.Bounds().Dx() - 1, img.Bounds().Dy() - 1}} {
		if c := color.RGBAModel.Convert(img.At(p.X, p.Y)); c != white {
			t.Errorf("border pixel %v = %v, want white", p, c)
		}
	}
	// The pixel right next to the border belongs to the tile.
	if g := grayAt(img, mid-1, 1); g == 255 {
		t.Errorf("pixel left of the border is white: tile 0 at (0,1) should be dark")
	}
}

func TestGridSquareLayout(t *testing.T) {
	// 20 tiles 6 high and 30 wide: 2 columns of 10 make a square image.
	path := filepath.Join(t.TempDir(), "wide.png")
	if err := FeatureGrid(path, make([]float32, 20*180), 20, 180, 6, 30, GridOptions{}); err != nil {
		t.Fatal(err)
	}
	b := decodePNG(t, path).Bounds()
	// scale ceil((600-3)/60) = 10: 1+2*(300+1) x 1+10*(60+1).
	if b.Dx() != 603 || b.Dy() != 611 {
		t.Errorf("size %v, want 603x611", b.Size())
	}
}

func TestFeatureGridMaxTilesAndBorder(t *testing.T) {
	const n, d = 30, 16
	rows := make([]float32, n*d)
	for i := range rows {
		rows[i] = float32(i%7) - 3
	}
	path := filepath.Join(t.TempDir(), "f.png")
	red := color.RGBA{255, 0, 0, 255}
	if err := FeatureGrid(path, rows, n, d, 4, 4, GridOptions{MaxTiles: 9, Border: red, MinWidth: 100}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	// 9 tiles -> 3x3; scale ceil((100-4)/12) = 8 -> 1 + 3*(32+1) = 100.
	if b := img.Bounds(); b.Dx() != 100 || b.Dy() != 100 {
		t.Fatalf("size %v, want 100x100", b.Size())
	}
	if c := color.RGBAModel.Convert(img.At(33, 50)); c != red {
		t.Errorf("border %v, want red", c)
	}
}

func TestImageGridScales(t *testing.T) {
	const h, w = 2, 2
	dir := t.TempDir()

	// Data in [0, 1] keeps its meaning: 0 black, 1 white, 0.5 mid-gray,
	// even in a tile whose own range is narrower.
	unit := []float32{0, 1, 0.5, 0.25, 0.5, 0.5, 0.5, 0.75}
	path := filepath.Join(dir, "unit.png")
	if err := ImageGrid(path, unit, 2, h*w, h, w, GridOptions{Cols: 2}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	s := (600 - 3 + 3) / 4 // ceil(597/4) = 150
	for _, c := range []struct {
		col, r, cc int
		want       uint8
	}{{0, 0, 0, 0}, {0, 0, 1, 255}, {0, 1, 0, 128}, {1, 0, 0, 128}, {1, 1, 1, 191}} {
		x, y := pixel(0, c.col, c.r, c.cc, h, w, s)
		if g := grayAt(img, x, y); g != c.want {
			t.Errorf("unit tile %d (%d,%d): gray %d, want %d", c.col, c.r, c.cc, g, c.want)
		}
	}

	// Other data: one min-max over all tiles.
	wide := []float32{-1, 3, 1, 1, 1, 1, 1, 1}
	path = filepath.Join(dir, "wide.png")
	if err := ImageGrid(path, wide, 2, h*w, h, w, GridOptions{Cols: 2}); err != nil {
		t.Fatal(err)
	}
	img = decodePNG(t, path)
	x, y := pixel(0, 1, 0, 0, h, w, s)
	if g := grayAt(img, x, y); g != 128 {
		t.Errorf("global scale: 1 in [-1,3] is gray %d, want 128", g)
	}

	// PerTile stretches each tile on its own.
	path = filepath.Join(dir, "pertile.png")
	if err := ImageGrid(path, unit, 2, h*w, h, w, GridOptions{Cols: 2, PerTile: true}); err != nil {
		t.Fatal(err)
	}
	img = decodePNG(t, path)
	x, y = pixel(0, 1, 1, 1, h, w, s) // 0.75, the max of tile 1
	if g := grayAt(img, x, y); g != 255 {
		t.Errorf("per tile: max of tile 1 is gray %d, want 255", g)
	}
	x, y = pixel(0, 1, 0, 0, h, w, s) // 0.5, the min of tile 1
	if g := grayAt(img, x, y); g != 0 {
		t.Errorf("per tile: min of tile 1 is gray %d, want 0", g)
	}
}

func TestImageGridRowLabels(t *testing.T) {
	const h, w, m = 4, 4, 3
	// Group 0 (rows 0..2) all black, group 1 (rows 3..5) all white.
	rows := make([]float32, 2*m*h*w)
	for i := m * h * w; i < len(rows); i++ {
		rows[i] = 1
	}
	path := filepath.Join(t.TempDir(), "pairs.png")
	opt := GridOptions{RowLabels: []string{"input", "reconstruction"}, Cols: m}
	if err := ImageGrid(path, rows, 2*m, h*w, h, w, opt); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	b := img.Bounds()
	if b.Dx() < 600 {
		t.Errorf("width %d < 600", b.Dx())
	}
	// Find the label column: the first black pixel on the middle of the
	// first tile line is where the tiles start.
	s := 0
	labelW := -1
	for x := 0; x < b.Dx(); x++ {
		if grayAt(img, x, b.Dy()/4) == 0 {
			labelW = x - 1
			break
		}
	}
	if labelW <= 0 {
		t.Fatalf("no label column found (tiles start at %d)", labelW+1)
	}
	s = (b.Dx() - labelW - 1 - m) / (m * w)
	if want := 1 + 2*(h*s+1); b.Dy() != want {
		t.Errorf("height %d, want %d for 2 lines of tiles at scale %d", b.Dy(), want, s)
	}
	// Line 1 holds group 1 (white tiles), under group 0 (black).
	x := labelW + 1 + s*w/2
	if g := grayAt(img, x, 1+h*s+1+h*s/2); g != 255 {
		t.Errorf("second line gray %d, want 255 (reconstructions)", g)
	}
	// Some label ink in the label column.
	ink := false
	for y := 0; y < b.Dy() && !ink; y++ {
		for x := 0; x < labelW; x++ {
			if grayAt(img, x, y) < 128 {
				ink = true
				break
			}
		}
	}
	if !ink {
		t.Error("no label text drawn")
	}

	err := ImageGrid(path, rows[:5*h*w], 5, h*w, h, w, opt)
	if err == nil || !strings.Contains(err.Error(), "groups") {
		t.Errorf("5 rows in 2 groups: err = %v", err)
	}
}

func TestGridErrors(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "g.png")
	ok := make([]float32, 2*4)
	nan := append([]float32{}, ok...)
	nan[6] = float32(math.NaN())
	cases := []struct {
		name    string
		path    string
		v       []float32
		n, d    int
		h, w    int
		wantErr string
	}{
		{"length", png, ok[:7], 2, 4, 2, 2, "n*d"},
		{"shape", png, ok, 2, 4, 3, 2, "shape"},
		{"empty", png, nil, 0, 4, 2, 2, "no data"},
		{"nan", png, nan, 2, 4, 2, 2, "row 1, column 2"},
		{"extension", filepath.Join(dir, "g.jpg"), ok, 2, 4, 2, 2, "extension"},
		{"missing dir", filepath.Join(dir, "nope", "g.png"), ok, 2, 4, 2, 2, "nope"},
	}
	for _, c := range cases {
		for _, fn := range []func(string, []float32, int, int, int, int, GridOptions) error{FeatureGrid, ImageGrid} {
			err := fn(c.path, c.v, c.n, c.d, c.h, c.w, GridOptions{})
			if err == nil {
				t.Errorf("%s: no error", c.name)
				continue
			}
			if !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.path) {
				t.Errorf("%s: error %q should mention %q and the path", c.name, err, c.wantErr)
			}
		}
	}
	if _, err := os.Stat(png); !os.IsNotExist(err) {
		t.Errorf("a failed write left %s behind", png)
	}
}

func TestInferImageShape(t *testing.T) {
	cases := []struct {
		d       int
		spec    string
		h, w    int
		ok, err bool
	}{
		{784, "", 28, 28, true, false},
		{64, "", 8, 8, true, false},
		{4, "", 2, 2, true, false},
		{1, "", 0, 0, false, false},
		{10, "", 0, 0, false, false},
		{3072, "", 0, 0, false, false},
		{784, "28x28", 28, 28, true, false},
		{600, "20x30", 20, 30, true, false},
		{600, " 20 X 30 ", 20, 30, true, false},
		{784, "28x27", 0, 0, false, true},
		{784, "28", 0, 0, false, true},
		{784, "axb", 0, 0, false, true},
		{784, "-28x-28", 0, 0, false, true},
		{0, "", 0, 0, false, true},
	}
	for _, c := range cases {
		h, w, ok, err := InferImageShape(c.d, c.spec)
		if h != c.h || w != c.w || ok != c.ok || (err != nil) != c.err {
			t.Errorf("InferImageShape(%d, %q) = %d, %d, %v, %v; want %d, %d, %v, err %v",
				c.d, c.spec, h, w, ok, err, c.h, c.w, c.ok, c.err)
		}
	}
}
