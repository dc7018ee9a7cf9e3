package sae

// The anomaly score's second view: how far a row lies from the training
// rows.
//
// Reconstruction error misses anomalies that lie inside the span of the
// normal rows but away from them: a row between two clusters of a
// multi-modal table is rebuilt as well as the clusters' own rows. The
// distance to the nearest training rows sees them. So a model keeps
// neighbourSets samples of Config.Neighbours (default neighbourRows) of
// its training rows (each drawn without replacement, independently; all
// of them when it has fewer), and a row's neighbour distance is, for each sample, the mean squared
// difference per column between it and its neighbourK nearest rows of the
// sample, averaged over the samples. Small samples, as Isolation Forest's
// trees take, keep a cluster of similar anomalies from being each other's
// neighbours; neighbourK neighbours keep one repeated row from scoring
// zero. Distances are measured in the data's default scaling (robust per
// column below 64 columns, one global scale at 64 or more: Normalize
// auto), fitted on the training rows, whatever the model's own.
//
// Model.Score blends the scorers' reconstruction errors (detector.go) with
// this distance: each view's logarithm is standardised by its mean and
// standard deviation over the training rows (a training row's distance not
// counting itself), and the score is the exponential of the two standard
// scores' mean, so that neither view's spread drowns the other's (1: a
// typical training row). On the development folds of bench/quality's 41
// sets this raised both groups' mean ROC AUC over the reconstruction errors
// alone, most on multi-modal and small tables (rounds 10 and 11 of
// bench/quality/README.md). A row reconstructed far better than the
// training rows gets a negative standard score, which can hide a large
// distance.
//
// The samples are training rows in input units, saved with the model
// (model.safetensors, "neighbours.rows"): a model directory holds up to
// neighbourSets*neighbourRows of its training rows. Config.Neighbours -1
// keeps none, and scores by reconstruction error alone, as a model saved
// before does.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/kernels"
)

const (
	neighbourSets    = 10
	neighbourRows    = 256 // Config.Neighbours' default
	neighbourK       = 5
	maxNeighbourRows = 4096
)

// neighbours are the training-row samples of the neighbour distance.
type neighbours struct {
	nz   *Normalizer // the distance's scaling
	raw  []float32   // the samples' rows in input units, sample after sample
	rows []float32   // the same, scaled
	sq   []float32   // each scaled row's squared norm
	per  int         // rows per sample
	d    int         // columns
	// blend standardises the two views' logarithms (withNeighbours).
	blend [4]float64
	// pos is each sampled row's position in the training source, for the
	// scores of the training rows themselves (trainedScores); nil in a
	// loaded model.
	pos []int
}

// neighbourSamples draws the samples of at most rows rows each (<= 0:
// none) from the rows of src, by a generator of the given seed.
func neighbourSamples(src Source, rows int, seed uint64) (*neighbours, error) {
	n, d := src.Dims()
	if n == 0 || rows <= 0 {
		return nil, nil
	}
	nz, err := fitNormalizer(NormalizeAuto, allRows(src), inferChunk)
	if err != nil {
		return nil, err
	}
	per := min(rows, n)
	rng := rand.New(rand.NewPCG(seed, 0x4e1b0125))
	pos := make([]int, 0, neighbourSets*per)
	for range neighbourSets {
		for _, i := range drawRows(rng, n, per) {
			pos = append(pos, int(i))
		}
	}
	raw := make([]float32, len(pos)*d)
	for lo := 0; lo < len(pos); lo += inferChunk { // a source reads a chunk at a time
		hi := min(len(pos), lo+inferChunk)
		if err := src.ReadRows(raw[lo*d:hi*d], pos[lo:hi]); err != nil {
			return nil, err
		}
	}
	nb, err := newNeighbours(nz, raw, per, d)
	if err != nil {
		return nil, err
	}
	nb.pos = pos
	return nb, nil
}

// newNeighbours is the samples of per rows each in raw (input units),
// scaled by nz.
func newNeighbours(nz *Normalizer, raw []float32, per, d int) (*neighbours, error) {
	if per <= 0 || d <= 0 || len(raw) != neighbourSets*per*d {
		return nil, fmt.Errorf("neighbour samples of %d values, want %d samples of rows of %d columns", len(raw), neighbourSets, d)
	}
	nb := &neighbours{nz: nz, raw: raw, per: per, d: d, rows: make([]float32, len(raw)), sq: make([]float32, len(raw)/d)}
	nz.apply(nb.rows, raw, d)
	for i := range nb.sq {
		r := nb.rows[i*d : (i+1)*d]
		nb.sq[i] = kernels.Sdot(r, r)
	}
	return nb, nil
}

// distances writes into dst the neighbour distance of each row of x
// (scaled by nb.nz: xs; rows lo.. of the source). Training rows (self)
// do not count themselves among their neighbours.
func (nb *neighbours) distances(dst []float64, xs []float32, lo int, self bool) {
	d, per := nb.d, nb.per
	rows := len(dst)
	exclude := self && nb.pos != nil && per > 1
	k := min(neighbourK, per)
	if exclude {
		k = min(neighbourK, per-1)
	}
	g := make([]float32, rows*per)
	xsq := make([]float32, rows)
	for i := range xsq {
		r := xs[i*d : (i+1)*d]
		xsq[i] = kernels.Sdot(r, r)
	}
	clear(dst)
	best := make([]float64, k)
	for s := range neighbourSets {
		sample := nb.rows[s*per*d : (s+1)*per*d]
		kernels.Gemm(false, true, rows, per, d, 1, xs, d, sample, d, 0, g, per)
		for i := range rows {
			for j := range best {
				best[j] = math.Inf(1)
			}
			for j := range per {
				if exclude && nb.pos[s*per+j] == lo+i {
					continue
				}
				v := max(float64(xsq[i])-2*float64(g[i*per+j])+float64(nb.sq[s*per+j]), 0)
				if v < best[k-1] { // insert into the k smallest so far
					p := k - 1
					for p > 0 && best[p-1] > v {
						best[p] = best[p-1]
						p--
					}
					best[p] = v
				}
			}
			var sum float64
			for _, v := range best {
				sum += v
			}
			dst[i] += sum / float64(k*d)
		}
	}
	for i := range dst {
		dst[i] /= neighbourSets
	}
}

// scores is the neighbour distance of every row of x; self: x is the
// training source the samples were drawn from.
func (nb *neighbours) scores(x Source, self bool) ([]float64, error) {
	n, d := x.Dims()
	out := make([]float64, n)
	chunk := max(1, min(inferChunk, (4<<20)/max(1, d+nb.per)))
	raw := make([]float32, chunk*d)
	xs := make([]float32, chunk*d)
	pos := make([]int, 0, chunk)
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		pos = pos[:0]
		for r := lo; r < hi; r++ {
			pos = append(pos, r)
		}
		if err := x.ReadRows(raw[:(hi-lo)*d], pos); err != nil {
			return nil, err
		}
		nb.nz.apply(xs[:(hi-lo)*d], raw[:(hi-lo)*d], d)
		nb.distances(out[lo:hi], xs[:(hi-lo)*d], lo, self)
	}
	return out, nil
}

// NeighbourRows is the number of training rows in each of the samples
// that Score measures a row's distance to (neighbours.go); 0: the model
// keeps none, and scores by reconstruction errors alone.
func (m *Model) NeighbourRows() int {
	if m.nb == nil {
		return 0
	}
	return m.nb.per
}

// withNeighbours folds the neighbour distances of the rows of x into
// their reconstruction scores rec (in place). Each view's logarithm is
// standardised by its mean and standard deviation over the training rows
// (the blend), and a row's score is the exponential of the two standard
// scores' mean: neither view's spread drowns the other's. train: x is the
// training source, whose rows are not counted among their own neighbours
// and on which the blend is fitted first. A model without samples leaves
// rec as it is.
func (m *Model) withNeighbours(x Source, rec []float64, train bool) error {
	nb := m.nb
	if nb == nil {
		return nil
	}
	dist, err := nb.scores(x, train)
	if err != nil {
		return err
	}
	if train {
		nb.blend = fitBlend(rec, dist)
	}
	b := nb.blend
	for i, r := range rec {
		zr := (safeLog(r) - b[0]) / b[1]
		zd := (safeLog(dist[i]) - b[2]) / b[3]
		rec[i] = math.Exp((zr + zd) / 2)
	}
	return nil
}

// safeLog is the logarithm of v, 0 counting as the smallest positive
// float64.
func safeLog(v float64) float64 { return math.Log(max(v, math.SmallestNonzeroFloat64)) }

// fitBlend is the mean and standard deviation of the logarithms of the
// training rows' reconstruction scores rec and neighbour distances dist:
// {mean rec, sd rec, mean dist, sd dist}, a standard deviation of 0 (a
// view constant over the rows) counting as 1.
func fitBlend(rec, dist []float64) [4]float64 {
	var b [4]float64
	logs := make([]float64, len(rec))
	for v, xs := range [][]float64{rec, dist} {
		var sum, sq float64
		for i, x := range xs {
			logs[i] = safeLog(x)
			sum += logs[i]
		}
		mean := sum / float64(max(len(xs), 1))
		for _, l := range logs {
			sq += (l - mean) * (l - mean)
		}
		sd := math.Sqrt(sq / float64(max(len(xs), 1)))
		if !(sd > 0) || !isFinite(sd) {
			sd = 1
		}
		b[2*v], b[2*v+1] = mean, sd
	}
	return b
}

// wantNeighbours adds the neighbour samples' tensors that config.json
// (mf, at cfgPath) declares to want, and their values to *values.
func (mf *modelFile) wantNeighbours(cfgPath string, want map[string][]int, values *int64, inputs int) error {
	per := mf.NeighbourRows
	if per == 0 {
		return nil
	}
	if per < 0 || per > maxNeighbourRows {
		return fmt.Errorf("%s: neighbour_rows %d is out of range [0, %d]", cfgPath, per, maxNeighbourRows)
	}
	switch mf.NeighbourNormalize {
	case NormalizeStandard, NormalizeMinMax, NormalizeRobust, NormalizeGlobal:
	default:
		return fmt.Errorf("%s: neighbour_normalize %q is not standard, minmax, robust or global", cfgPath, mf.NeighbourNormalize)
	}
	want["neighbours.rows"] = []int{neighbourSets * per, inputs}
	want["neighbours.shift"] = []int{inputs}
	want["neighbours.scale"] = []int{inputs}
	*values += int64(neighbourSets*per+2) * int64(inputs)
	return nil
}

// loadNeighbours is the neighbour samples of the model file mf from its
// weights file's tensors (nil: it has none).
func (mf *modelFile) loadNeighbours(wPath string, tensors map[string]data.Tensor, inputs int) (*neighbours, error) {
	if mf.NeighbourRows == 0 {
		return nil, nil
	}
	nz, err := modelNormalizer(wPath, mf.NeighbourNormalize, tensors, "neighbours")
	if err != nil {
		return nil, err
	}
	raw := tensors["neighbours.rows"].Data
	for i, v := range raw {
		if !isFinite(float64(v)) {
			return nil, fmt.Errorf("%s: neighbours.rows value %d is %g", wPath, i, v)
		}
	}
	b := mf.NeighbourBlend
	if len(b) != 4 || !isFinite(b[0]) || !isFinite(b[2]) || !(b[1] > 0) || !(b[3] > 0) || !isFinite(b[1]) || !isFinite(b[3]) {
		return nil, fmt.Errorf("%s: neighbour_blend %v is not 4 finite numbers with positive 2nd and 4th", filepath.Join(filepath.Dir(wPath), ConfigFile), b)
	}
	nb, err := newNeighbours(nz, raw, mf.NeighbourRows, inputs)
	if err != nil {
		return nil, err
	}
	nb.blend = [4]float64(b)
	return nb, nil
}
