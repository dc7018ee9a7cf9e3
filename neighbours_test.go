package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// refDistance is the neighbour distance of row x (scaled) by brute force
// in float64: for each sample, the mean of its k smallest squared
// distances per column, skipping the sample row at training position skip
// (-1: none), averaged over the samples.
func refDistance(nb *neighbours, x []float32, skip int) float64 {
	d, per := nb.d, nb.per
	var total float64
	for s := range neighbourSets {
		var ds []float64
		for j := range per {
			if skip >= 0 && nb.pos[s*per+j] == skip {
				continue
			}
			var e float64
			for c := range d {
				v := float64(x[c]) - float64(nb.rows[(s*per+j)*d+c])
				e += v * v
			}
			ds = append(ds, e)
		}
		slices.Sort(ds)
		k := min(neighbourK, len(ds))
		var sum float64
		for _, v := range ds[:k] {
			sum += v
		}
		total += sum / float64(k*d)
	}
	return total / neighbourSets
}

func TestNeighbourDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct{ n, d, rows int }{{700, 7, 256}, {40, 3, 256}, {300, 70, 16}, {1, 2, 256}} {
		x := NewMatrix(c.n, c.d)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64() * float64(1+i%c.d))
		}
		if c.n > 1 {
			copy(x.Data[c.d:2*c.d], x.Data[:c.d]) // a repeated row
		}
		nb, err := neighbourSamples(x, c.rows, 7)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(c.rows, c.n); nb.per != want {
			t.Fatalf("n=%d: %d rows a sample, want %d", c.n, nb.per, want)
		}
		for _, self := range []bool{false, true} {
			got, err := nb.scores(x, self)
			if err != nil {
				t.Fatal(err)
			}
			xs := make([]float32, len(x.Data))
			nb.nz.apply(xs, x.Data, c.d)
			for i := range c.n {
				skip := -1
				if self && c.n > 1 {
					skip = i
				}
				want := refDistance(nb, xs[i*c.d:(i+1)*c.d], skip)
				if math.Abs(got[i]-want) > 1e-4*(want+1) {
					t.Fatalf("n=%d d=%d self=%v row %d: distance %g, want %g", c.n, c.d, self, i, got[i], want)
				}
			}
		}
	}
}

// twoClusters is rows on a line in d columns, half near -c, half near +c
// (along the diagonal), with small noise off the line.
func twoClusters(n, d int, c float64, seed uint64) Matrix {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := NewMatrix(n, d)
	for i := range n {
		t := c + rng.NormFloat64()*0.3
		if i%2 == 0 {
			t = -t
		}
		for j := range d {
			x.Data[i*d+j] = float32(t + 0.05*rng.NormFloat64())
		}
	}
	return x
}

// A row between the two clusters of the training rows, on their line, is
// reconstructed as well as they are (here: better, in the middle of the
// sigmoid code's range); the neighbour distance singles it out. Each view
// counts by its spread on the training rows.
func TestNeighboursSeeRowsBetweenClusters(t *testing.T) {
	x := twoClusters(600, 4, 3, 1)
	probe := twoClusters(200, 4, 3, 2)
	for j := range 4 {
		probe.Data[j] = 0 // row 0: between the clusters
	}
	cfg := DefaultConfig()
	cfg.Sparsity, cfg.Hidden, cfg.Epochs, cfg.Ensemble = SparsityNone, 2, 30, 1
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.ownScores(probe)
	if err != nil {
		t.Fatal(err)
	}
	if r := above(rec); r < 20 {
		t.Fatalf("the reconstruction error alone ranks the row between the clusters below only %d of 199 rows: the test no longer shows what the samples add", r)
	}
	b := m.nb.blend
	typical := make([]float64, probe.Rows)
	for i := range typical {
		typical[i] = math.Exp(b[0]) // the training rows' typical error
	}
	if err := m.withNeighbours(probe, typical, false); err != nil {
		t.Fatal(err)
	}
	if r := above(typical); r != 0 {
		t.Errorf("at a typical reconstruction error, %d of 199 rows score at least the row between the clusters, want 0", r)
	}
	// The other view: a row reconstructed 4 standard deviations worse than
	// typical scores e^2 times as high (the mean of the two standard
	// scores, exponentiated).
	before := typical[1]
	for i := range typical {
		typical[i] = math.Exp(b[0])
	}
	typical[1] = math.Exp(b[0] + 4*b[1])
	if err := m.withNeighbours(probe, typical, false); err != nil {
		t.Fatal(err)
	}
	if r := typical[1] / before; math.Abs(r-math.E*math.E) > 1e-9*r {
		t.Errorf("4 sd more reconstruction error multiplied the score by %g, want e^2", r)
	}
	s, _ := m.Score(probe)
	t.Logf("rows at or above the row between: reconstruction %d, Score %d", above(rec), above(s))
}

// above is the number of rows after the first that score at least as high
// as it.
func above(s []float64) int {
	r := 0
	for _, v := range s[1:] {
		if v >= s[0] {
			r++
		}
	}
	return r
}

func TestNeighboursSavedAndRefused(t *testing.T) {
	m, x := trainSmall(t, nil)
	if m.nb == nil || m.nb.per != neighbourRows {
		t.Fatalf("a default model keeps no samples of %d rows: %+v", neighbourRows, m.nb)
	}
	base := filepath.Join(t.TempDir(), "m")
	if err := m.Save(base); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(base)
	if err != nil {
		t.Fatal(err)
	}
	if m2.nb == nil || !slices.Equal(m2.nb.raw, m.nb.raw) || m2.nb.nz.Kind != m.nb.nz.Kind {
		t.Fatal("the samples differ after save and load")
	}
	a, _ := m.Score(x)
	b, _ := m2.Score(x)
	if !slices.Equal(a, b) {
		t.Fatal("scores differ after save and load")
	}
	// Without samples: the reconstruction errors alone, nothing saved.
	m3, _ := trainSmall(t, func(c *Config) { c.Neighbours = -1 })
	if m3.nb != nil {
		t.Fatal("Neighbours -1 kept samples")
	}
	own, _ := m3.ownScores(x)
	rec, _ := m3.detectorScores(x, own)
	s3, _ := m3.Score(x)
	if !slices.Equal(rec, s3) {
		t.Fatal("without samples the score is not the reconstruction errors'")
	}
	cfgRaw, _ := os.ReadFile(filepath.Join(base, ConfigFile))
	for _, c := range []struct{ from, to, want string }{
		{`"neighbour_rows": 256`, `"neighbour_rows": 255`, "neighbours.rows has shape"},
		{`"neighbour_rows": 256`, `"neighbour_rows": 5000`, "neighbour_rows 5000 is out of range"},
		{`"neighbour_rows": 256,`, ``, "tensor neighbours.rows is not part of the model"},
		{`"neighbour_normalize": "robust"`, `"neighbour_normalize": "none"`, `neighbour_normalize "none"`},
	} {
		if !strings.Contains(string(cfgRaw), c.from) {
			t.Fatalf("config.json has no %s:\n%s", c.from, cfgRaw)
		}
		dir := filepath.Join(t.TempDir(), "bad")
		os.MkdirAll(dir, 0o755)
		w, _ := os.ReadFile(filepath.Join(base, WeightsFile))
		os.WriteFile(filepath.Join(dir, WeightsFile), w, 0o644)
		os.WriteFile(filepath.Join(dir, ConfigFile), []byte(strings.Replace(string(cfgRaw), c.from, c.to, 1)), 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: error %v, want one saying %q", c.from, c.to, err, c.want)
		}
	}
}

// TestDrawRows checks the map-kept shuffle against the plain partial
// Fisher-Yates shuffle of a full permutation: the same generator draws
// the same rows, each once, sorted.
func TestDrawRows(t *testing.T) {
	for _, c := range []struct{ rows, n int }{{1, 1}, {10, 0}, {10, 3}, {10, 10}, {1000, 256}, {300, 299}} {
		for seed := range uint64(3) {
			perm := make([]uint32, c.rows)
			for i := range perm {
				perm[i] = uint32(i)
			}
			ref := rand.New(rand.NewPCG(seed, 7))
			for i := 0; i < c.n; i++ {
				j := i + ref.IntN(c.rows-i)
				perm[i], perm[j] = perm[j], perm[i]
			}
			want := slices.Clone(perm[:c.n])
			slices.Sort(want)
			got := drawRows(rand.New(rand.NewPCG(seed, 7)), c.rows, c.n)
			if !slices.Equal(got, want) {
				t.Fatalf("rows %d, n %d, seed %d: drew %v, want %v", c.rows, c.n, seed, got, want)
			}
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] || int(got[i]) >= c.rows {
					t.Fatalf("rows %d, n %d: %v is not distinct sorted positions", c.rows, c.n, got)
				}
			}
		}
	}
}
