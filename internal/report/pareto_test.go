package report

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ParetoFront keeps exactly the points no other beats on both figures:
// checked against the definition, pair by pair, on random points with ties.
func TestParetoFront(t *testing.T) {
	x := []float64{3, 1, 2, 2, 4, math.NaN(), 1, 5}
	y := []float64{1, 5, 2, 3, 1, 0, 5, 0.5}
	// (1,5) twice: the first kept; (2,3) is beaten by (2,2); (4,1) by (3,1).
	if got, want := ParetoFront(x, y), []int{1, 2, 0, 7}; !slices.Equal(got, want) {
		t.Fatalf("front %v, want %v", got, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(30)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = float64(rng.IntN(8)), float64(rng.IntN(8))
		}
		front := ParetoFront(x, y)
		for i := range x {
			beaten := false
			for j := range x {
				beaten = beaten || x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i])
			}
			firstOfEqual := true
			for j := range i {
				if x[j] == x[i] && y[j] == y[i] {
					firstOfEqual = false
				}
			}
			if want := !beaten && firstOfEqual; slices.Contains(front, i) != want {
				t.Fatalf("trial %d: point %d (%g, %g) on the front: %v, want %v (front %v of %v, %v)", trial, i, x[i], y[i], !want, want, front, x, y)
			}
		}
		for k := 1; k < len(front); k++ {
			if x[front[k]] <= x[front[k-1]] || y[front[k]] >= y[front[k-1]] {
				t.Fatalf("front %v is not a staircase in increasing x", front)
			}
		}
	}
}

// The chart draws the front in colour and the rest in gray, with the
// trials' names; bad input is an error naming the path.
func TestPareto(t *testing.T) {
	dir := t.TempDir()
	x := []float64{20, 40, 80, 160, 50, math.Inf(1)}
	y := []float64{0.4, 0.3, 0.2, 0.15, 0.35, 0.1}
	names := []string{"k=20", "k=40", "k=80", "k=160", "k=50", "k=inf"}
	front := ParetoFront(x, y)
	p := filepath.Join(dir, "p.png")
	if err := Pareto(p, x, y, names, front, ParetoOptions{Title: "sweep", XLabel: "l0", YLabel: "fvu"}); err != nil {
		t.Fatal(err)
	}
	checkChartPNG(t, p, chartW, chartH, palette[0])
	s := filepath.Join(dir, "p.svg")
	if err := Pareto(s, x, y, names, front, ParetoOptions{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, s)
	b, _ := os.ReadFile(s)
	for _, n := range names[:5] {
		if !strings.Contains(string(b), ">"+n+"<") {
			t.Errorf("the SVG does not name %s", n)
		}
	}
	if strings.Contains(string(b), "k=inf") {
		t.Error("a point at infinity is drawn")
	}
	for _, c := range []struct {
		name  string
		x, y  []float64
		front []int
		want  string
	}{
		{"lengths", x, y[:2], nil, "y values"},
		{"front", x, y, []int{9}, "out of range"},
		{"nothing finite", []float64{math.NaN()}, []float64{1}, nil, "no finite points"},
	} {
		err := Pareto(p, c.x, c.y, nil, c.front, ParetoOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q and the path", c.name, err, c.want)
		}
	}
}
