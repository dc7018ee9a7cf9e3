// Package synth makes the data sets sae generates itself: images drawn from
// a small dictionary of pen strokes (the demo's data, with a known sparse
// structure) and their anomalies.
package synth

import (
	"math"
	"math/rand/v2"
)

// Strokes is a dictionary of stroke images of Side x Side pixels.
type Strokes struct {
	Side  int
	Atoms [][]float32 // each Side*Side, values in [0,1]
}

// NewStrokes draws n random strokes: short anti-aliased line segments with
// random position, angle and length, some of them bent.
func NewStrokes(n, side int, rng *rand.Rand) *Strokes {
	s := &Strokes{Side: side}
	for len(s.Atoms) < n {
		img := make([]float32, side*side)
		x0 := 2 + rng.Float64()*float64(side-4)
		y0 := 2 + rng.Float64()*float64(side-4)
		ang := rng.Float64() * math.Pi
		length := float64(side) * (0.3 + 0.35*rng.Float64())
		x1, y1 := x0+length*math.Cos(ang), y0+length*math.Sin(ang)
		if x1 < 1 || x1 > float64(side-2) || y1 < 1 || y1 > float64(side-2) {
			continue
		}
		drawSegment(img, side, x0, y0, x1, y1)
		if rng.Float64() < 0.3 {
			// A bend: a second, shorter segment from the end point.
			a2 := ang + (rng.Float64()-0.5)*2
			l2 := length * 0.5
			x2, y2 := x1+l2*math.Cos(a2), y1+l2*math.Sin(a2)
			if x2 >= 1 && x2 <= float64(side-2) && y2 >= 1 && y2 <= float64(side-2) {
				drawSegment(img, side, x1, y1, x2, y2)
			}
		}
		s.Atoms = append(s.Atoms, img)
	}
	return s
}

// drawSegment adds an anti-aliased line of width ~1.5 px, saturating at 1.
func drawSegment(img []float32, side int, x0, y0, x1, y1 float64) {
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	for py := 0; py < side; py++ {
		for px := 0; px < side; px++ {
			fx, fy := float64(px)+0.5, float64(py)+0.5
			t := ((fx-x0)*dx + (fy-y0)*dy) / l2
			t = math.Max(0, math.Min(1, t))
			ex, ey := fx-(x0+t*dx), fy-(y0+t*dy)
			dist := math.Sqrt(ex*ex + ey*ey)
			v := math.Exp(-dist * dist / (2 * 0.6 * 0.6))
			i := py*side + px
			img[i] = float32(math.Min(1, float64(img[i])+v))
		}
	}
}

// Images returns n images (row-major, n x Side*Side), each the sum of
// between minK and maxK strokes with intensities in [0.6, 1], clipped to
// [0, 1], and which strokes each image holds.
func (s *Strokes) Images(n, minK, maxK int, rng *rand.Rand) ([]float32, [][]int) {
	d := s.Side * s.Side
	x := make([]float32, n*d)
	used := make([][]int, n)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		k := minK + rng.IntN(maxK-minK+1)
		for j := 0; j < k; j++ {
			a := rng.IntN(len(s.Atoms))
			used[i] = append(used[i], a)
			c := float32(0.6 + 0.4*rng.Float64())
			for p, v := range s.Atoms[a] {
				row[p] += c * v
			}
		}
		for p, v := range row {
			row[p] = min(v, 1)
		}
	}
	return x, used
}

// Anomalies returns n images unlike the strokes: filled blobs and random
// speckle, the kind a stroke model reconstructs badly.
func (s *Strokes) Anomalies(n int, rng *rand.Rand) []float32 {
	side := s.Side
	d := side * side
	x := make([]float32, n*d)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		if i%2 == 0 {
			cx, cy := rng.Float64()*float64(side), rng.Float64()*float64(side)
			r := float64(side) * (0.15 + 0.15*rng.Float64())
			for py := 0; py < side; py++ {
				for px := 0; px < side; px++ {
					dx, dy := float64(px)-cx, float64(py)-cy
					if dx*dx+dy*dy < r*r {
						row[py*side+px] = 1
					}
				}
			}
		} else {
			for p := range row {
				if rng.Float64() < 0.15 {
					row[p] = float32(rng.Float64())
				}
			}
		}
	}
	return x
}
