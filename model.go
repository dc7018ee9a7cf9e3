package sae

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/nn"
)

// Model is a trained sparse autoencoder: its resolved Config, input width,
// input scaling (nil: none), anomaly threshold on Score, and History (nil
// for imported models). Its methods are safe for concurrent use.
type Model struct {
	Config    Config
	Inputs    int
	Norm      *Normalizer
	Threshold float64
	History   *History
	// TargetNorm is a transcoder's target scaling (nil: none).
	TargetNorm *Normalizer
	// Columns are the names of the input columns, as the training data
	// named them (a CSV header, a table's columns); nil: unnamed. Saved
	// with the model, so that later data is read by the same names.
	Columns []string
	// Fill holds, per input column, the value that stood for a missing
	// one in training (the training column's median; nil: none were
	// filled). Saved with the model, for later data's missing values.
	Fill []float32

	net      *nn.Net[float32]
	detector []*Model    // the anomaly detector's extra members (detector.go)
	nb       *neighbours // training-row samples for Score (neighbours.go)
	pool     sync.Pool   // *inferScratch
}

// inferChunk bounds the rows processed at once, so that inference memory
// does not grow with the data; chunkRows lowers it for wide models.
const inferChunk = 1024

// SmallBatch is the most rows that Encode, Score, Reconstruct and Decode
// may multiply row by row, summing in another order than for more rows
// (faster for a single row): a row's result is the same bit for bit in
// every call of more than SmallBatch rows, whatever the other rows and its
// place among them, and may differ in its last bits in a call of
// SmallBatch rows or fewer. Cut a long run of rows into calls of more than
// SmallBatch rows to get the results of one call on the whole run.
const SmallBatch = kernels.SmallM

// chunkEnd is the end of the chunk of rows [lo, n) that starts at lo, of
// at most chunk rows, taking the rest of the rows when at most SmallBatch
// would be left: no chunk of a few rows follows a longer one (see
// SmallBatch).
func chunkEnd(lo, n, chunk int) int {
	if n-lo-chunk <= SmallBatch {
		return n
	}
	return lo + chunk
}

type inferScratch struct {
	w   nn.Workspace[float32]
	x   []float32 // scaled rows
	raw []float32 // rows read from a source
	rec []float32 // scaled reconstructions
	idx []int
	// A transcoder's target rows, as read and scaled (EvalTarget).
	yraw, ys []float32
	yidx     []int
}

func newModel(cfg Config, d int, n *nn.Net[float32], nz *Normalizer) *Model {
	return &Model{Config: cfg, Inputs: d, Norm: nz, net: n}
}

// Hidden is the number of latents.
func (m *Model) Hidden() int { return m.net.H }

func (m *Model) scratch() *inferScratch {
	if s, ok := m.pool.Get().(*inferScratch); ok {
		return s
	}
	return &inferScratch{}
}

// chunkRows is the rows per inference chunk: up to inferChunk, fewer for
// wide models so that a chunk's scratch stays near 4 MiB.
func (m *Model) chunkRows() int {
	width := 3 * m.Inputs
	if m.Transcoder() {
		width += 3 * m.Outputs()
	}
	for _, s := range m.net.Sizes[1:] {
		width += 3 * s
	}
	return max(16, min(inferChunk, (1<<20)/width))
}

// forEachChunk reads src chunk by chunk (a Matrix in place) and calls fn
// with the rows [lo,hi) scaled (xs) and as read (raw).
func (m *Model) forEachChunk(src Source, fn func(s *inferScratch, xs, raw []float32, lo, hi int)) error {
	s := m.scratch()
	defer m.pool.Put(s)
	n, d := src.Dims()
	mat, isMat := src.(Matrix)
	chunk := m.chunkRows()
	for lo, hi := 0, 0; lo < n; lo = hi {
		hi = chunkEnd(lo, n, chunk)
		rows := hi - lo
		var raw []float32
		if isMat {
			raw = mat.Data[lo*d : hi*d]
		} else {
			if cap(s.raw) < rows*d {
				s.raw = make([]float32, rows*d)
			}
			raw = s.raw[:rows*d]
			s.idx = s.idx[:0]
			for r := lo; r < hi; r++ {
				s.idx = append(s.idx, r)
			}
			if err := src.ReadRows(raw, s.idx); err != nil {
				return err
			}
		}
		if cap(s.x) < rows*d {
			s.x = make([]float32, rows*d)
		}
		xs := s.x[:rows*d]
		m.Norm.apply(xs, raw, d)
		fn(s, xs, raw, lo, hi)
	}
	return nil
}

// encodeRows writes the codes of rows x [rows, Inputs] (input units) into
// dst [rows, Hidden].
func (m *Model) encodeRows(x []float32, rows int, dst []float32) {
	h := m.net.H
	m.forEachChunk(Matrix{Rows: rows, Cols: m.Inputs, Data: x[:rows*m.Inputs]}, func(s *inferScratch, xs, _ []float32, lo, hi int) {
		copy(dst[lo*h:hi*h], m.net.Encode(&s.w, xs, hi-lo))
	})
}

// Encode returns the codes [x.Rows, Hidden] of the rows of x (input units).
func (m *Model) Encode(x Matrix) (Matrix, error) {
	if err := checkSource(x, "encode input", m.Inputs); err != nil {
		return Matrix{}, err
	}
	out := NewMatrix(x.Rows, m.net.H)
	m.encodeRows(x.Data, x.Rows, out.Data)
	return out, nil
}

// Decode maps codes [n, Hidden] to reconstructions in input units (a
// transcoder's: predictions in the target's units; one with a skip needs
// the input too, and refuses).
func (m *Model) Decode(codes Matrix) (Matrix, error) {
	if err := checkSource(codes, "decode input", m.net.H); err != nil {
		return Matrix{}, err
	}
	if m.Config.Skip {
		return Matrix{}, errors.New("decode: a skip transcoder's prediction needs the input (x·W_skip): use Reconstruct")
	}
	d, h := m.Outputs(), m.net.H
	out := NewMatrix(codes.Rows, d)
	s := m.scratch()
	defer m.pool.Put(s)
	chunk := m.chunkRows()
	for lo, hi := 0, 0; lo < codes.Rows; lo = hi {
		hi = chunkEnd(lo, codes.Rows, chunk)
		m.net.Decode(&s.w, codes.Data[lo*h:hi*h], hi-lo, out.Data[lo*d:hi*d])
	}
	m.outNorm().invert(out.Data, d)
	return out, nil
}

// Reconstruct returns the reconstructions of x (input units): a denoising
// model's denoised rows, a transcoder's predictions of its target
// [x.Rows, Outputs] (target units).
func (m *Model) Reconstruct(x Matrix) (Matrix, error) {
	if err := checkSource(x, "reconstruct input", m.Inputs); err != nil {
		return Matrix{}, err
	}
	d := m.Outputs()
	out := NewMatrix(x.Rows, d)
	m.forEachChunk(x, func(s *inferScratch, xs, _ []float32, lo, hi int) {
		m.net.Reconstruct(&s.w, xs, hi-lo, out.Data[lo*d:hi*d])
	})
	m.outNorm().invert(out.Data, d)
	return out, nil
}

// Score returns each row's anomaly score: the geometric mean over the
// scorers (Scorers: the model, for a dense code, and its detector's
// members) of the row's mean squared reconstruction error over the
// features, each in its model's scaled units, blended with the row's
// distance to its nearest training rows when the model keeps samples of
// them (NeighbourRows; neighbours.go).
func (m *Model) Score(x Source) ([]float64, error) {
	if err := checkSource(x, "score input", m.Inputs); err != nil {
		return nil, err
	}
	if m.Transcoder() {
		return nil, errTranscoder
	}
	var own []float64
	if m.selfScored() || len(m.detector) == 0 {
		var err error
		if own, err = m.ownScores(x); err != nil {
			return nil, err
		}
	}
	scores, err := m.detectorScores(x, own)
	if err != nil {
		return nil, err
	}
	return scores, m.withNeighbours(x, scores, false)
}

// ownScores is each row's mean squared reconstruction error over the
// features under m alone, in its scaled units.
func (m *Model) ownScores(x Source) ([]float64, error) {
	n, d := x.Dims()
	scores := make([]float64, n)
	err := m.forEachChunk(x, func(s *inferScratch, xs, _ []float32, lo, hi int) {
		rows := hi - lo
		s.rec = grow(s.rec, rows*d)
		m.net.Reconstruct(&s.w, xs, rows, s.rec)
		rowScores(scores[lo:hi], s.rec, xs, d)
	})
	if err != nil {
		return nil, err
	}
	return scores, nil
}

// rowScores writes each row's anomaly score, the mean squared difference
// between its reconstruction rec and the row xs (scaled units, d columns).
func rowScores(dst []float64, rec, xs []float32, d int) {
	for i := range dst {
		var e float64
		for j := 0; j < d; j++ {
			diff := float64(rec[i*d+j] - xs[i*d+j])
			e += diff * diff
		}
		dst[i] = e / float64(d)
	}
}

// Flagged reports which scores exceed the model's threshold.
func (m *Model) Flagged(scores []float64) []bool {
	f := make([]bool, len(scores))
	for i, s := range scores {
		f[i] = s > m.Threshold
	}
	return f
}

// Weights returns copies of the tensors: W_enc [d,h], b_enc, W_dec [h,d],
// b_dec (W_enc.i ... per layer of a deep model), and the kind's own.
func (m *Model) Weights() map[string][]float32 {
	n := m.net
	w := map[string][]float32{}
	for _, s := range n.Segments() {
		w[s.Name] = append([]float32(nil), n.Params[s.Off:s.Off+s.Size()]...)
	}
	if m.Config.Tied && n.Depth() == 1 {
		w["W_dec"] = nn.Transpose(w["W_enc"], n.D, n.H)
	}
	return w
}

// FromWeights builds a model of input width d and architecture cfg from
// tensors named as Weights names them (copied; a missing, unexpected,
// misshapen or non-finite one is an error) and the input scaling norm.
func FromWeights(cfg Config, d int, weights map[string][]float32, norm *Normalizer) (*Model, error) {
	if d < 1 {
		return nil, fmt.Errorf("input width %d must be positive", d)
	}
	cfg = cfg.Resolve(d, 0)
	cfg.Normalize = NormalizeNone
	if norm != nil {
		if len(norm.Shift) != d || len(norm.Scale) != d {
			return nil, fmt.Errorf("normalisation %s has %d shifts and %d scales for %d inputs", norm.Kind, len(norm.Shift), len(norm.Scale), d)
		}
		for j := 0; j < d; j++ {
			if !isFinite(float64(norm.Shift[j])) || !(norm.Scale[j] > 0) || !isFinite(float64(norm.Scale[j])) {
				return nil, fmt.Errorf("normalisation %s: column %d has shift %g and scale %g; scales must be positive and both finite", norm.Kind, j+1, norm.Shift[j], norm.Scale[j])
			}
		}
		norm = &Normalizer{Kind: norm.Kind, Shift: append([]float32(nil), norm.Shift...), Scale: append([]float32(nil), norm.Scale...)}
		cfg.Normalize = norm.Kind
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := nn.New[float32](cfg.netSpec(d))
	used := map[string]bool{}
	for _, s := range n.Segments() {
		w, ok := weights[s.Name]
		if !ok {
			return nil, fmt.Errorf("tensor %s is missing", s.Name)
		}
		if len(w) != s.Size() {
			return nil, fmt.Errorf("tensor %s holds %d values; shape %v needs %d", s.Name, len(w), s.Shape, s.Size())
		}
		for i, v := range w {
			if !isFinite(float64(v)) {
				return nil, fmt.Errorf("tensor %s value %d is %g", s.Name, i+1, v)
			}
		}
		copy(n.Params[s.Off:], w)
		used[s.Name] = true
	}
	var extra []string
	for name, w := range weights {
		if used[name] {
			continue
		}
		if name == "W_dec" && cfg.Tied && n.Depth() == 1 && slices.Equal(w, nn.Transpose(weights["W_enc"], n.D, n.H)) {
			continue
		}
		extra = append(extra, name)
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, fmt.Errorf("unexpected tensors %v for a %s model", extra, cfg.Activation)
	}
	return newModel(cfg, d, n, norm), nil
}

// Features returns the dictionary, n rows of input width: the last decoder
// layer's rows (tied: the first encoder layer's columns).
func (m *Model) Features() (f []float32, n int) { return m.net.Features() }

func (m *Model) String() string {
	c := m.Config
	widths := fmt.Sprint(m.Inputs)
	for _, s := range m.net.Sizes[1:] {
		widths += fmt.Sprintf(" -> %d", s)
	}
	p := c.params()
	kind := m.net.Kind().Describe(&p)
	if m.net.VAE() {
		kind = "variational"
	}
	name := "sae"
	if c.Out > 0 {
		name, widths = "transcoder", widths+fmt.Sprintf(" -> %d", c.Out)
		if c.Skip {
			kind += ", skip"
		}
	}
	s := fmt.Sprintf("%s %s (%s, %s, %s loss", name, widths, c.Activation, kind, c.Loss)
	if c.Tied {
		s += ", tied"
	}
	return s + ")"
}

func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
