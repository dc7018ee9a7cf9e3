package sae

// Transcoders: a model whose code of the input x predicts another array,
// its target y (Config.Out columns), instead of reconstructing x
// (internal/nn/transcoder.go has the network and its gradients). Train
// takes the targets as TrainOptions.Target, row for row beside the input;
// the trainer reads the two as one table of rows [x | y] (pairSource), so
// that the split, the shuffling, the batches and the checkpoints are the
// autoencoder's, and splits each batch before the step. The target has a
// scaling of its own (Model.TargetNorm, of the input's kind, fitted on the
// training targets): predictions come back in the target's units.
// Model.Reconstruct returns the predictions and Model.EvalTarget measures
// them (FVU of the target); Score and Eval, which compare a row with its
// reconstruction, refuse a transcoder.

import (
	"errors"
	"fmt"
	"slices"
)

// errTranscoder is what the methods that compare rows with their own
// reconstruction say of a transcoder.
var errTranscoder = errors.New("a transcoder predicts a target, not its input: measure it with its target (EvalTarget, sae eval --target)")

// pairSource reads the rows of x and y side by side: rows [x_i | y_i].
type pairSource struct {
	x, y   Source
	dx, dy int
	bx, by []float32
	rows   int
}

func newPairSource(x, y Source) *pairSource {
	n, dx := x.Dims()
	_, dy := y.Dims()
	return &pairSource{x: x, y: y, dx: dx, dy: dy, rows: n}
}

func (p *pairSource) Dims() (int, int) { return p.rows, p.dx + p.dy }

func (p *pairSource) ReadRows(dst []float32, idx []int) error {
	m := len(idx)
	p.bx, p.by = grow(p.bx, m*p.dx), grow(p.by, m*p.dy)
	if err := p.x.ReadRows(p.bx, idx); err != nil {
		return err
	}
	if err := p.y.ReadRows(p.by, idx); err != nil {
		return err
	}
	w := p.dx + p.dy
	for i := 0; i < m; i++ {
		copy(dst[i*w:i*w+p.dx], p.bx[i*p.dx:(i+1)*p.dx])
		copy(dst[i*w+p.dx:(i+1)*w], p.by[i*p.dy:(i+1)*p.dy])
	}
	return nil
}

// splitRows copies the rows [x | y] of pairs (rows of dx+dy values) into
// x [rows,dx] and y [rows,dy].
func splitRows(pairs []float32, rows, dx, dy int, x, y []float32) {
	w := dx + dy
	for i := 0; i < rows; i++ {
		copy(x[i*dx:(i+1)*dx], pairs[i*w:i*w+dx])
		copy(y[i*dy:(i+1)*dy], pairs[i*w+dx:(i+1)*w])
	}
}

// pairTarget checks a transcoder's target against its input: the same
// rows, and valid values.
func pairTarget(x, y Source, name string) error {
	if err := checkSource(y, name, 0); err != nil {
		return err
	}
	n, _ := x.Dims()
	ny, dy := y.Dims()
	if ny != n {
		return fmt.Errorf("%s: %d rows for %d input rows; a target has one row per input row", name, ny, n)
	}
	if dy == 0 {
		return fmt.Errorf("%s: has no columns", name)
	}
	return nil
}

// Transcoder reports whether the model is a transcoder (Config.Out > 0).
func (m *Model) Transcoder() bool { return m.Config.Out > 0 }

// Outputs is the width of what Reconstruct returns: the target's for a
// transcoder, else the input's.
func (m *Model) Outputs() int { return m.net.O }

// EvalTarget computes a transcoder's Metrics on the rows of x and their
// targets y: MSE and FVU are the predictions' against y (target units),
// Loss the objective's reconstruction term (scaled units).
func (m *Model) EvalTarget(x, y Source) (Metrics, error) {
	if !m.Transcoder() {
		return Metrics{}, errors.New("not a transcoder: use Eval")
	}
	if err := checkSource(x, "eval input", m.Inputs); err != nil {
		return Metrics{}, err
	}
	if err := pairTarget(x, y, "eval target"); err != nil {
		return Metrics{}, err
	}
	if _, dy := y.Dims(); dy != m.Outputs() {
		return Metrics{}, fmt.Errorf("eval target: has %d columns, the model predicts %d", dy, m.Outputs())
	}
	return m.evalSource(x, y, nil)
}

// outNorm is the scaling of what the network outputs: the target's for a
// transcoder, else the input's.
func (m *Model) outNorm() *Normalizer {
	if m.Transcoder() {
		return m.TargetNorm
	}
	return m.Norm
}

// readTargets reads the target rows [lo,hi) of y, as they are (raw) and
// scaled (ys), into s's buffers.
func (m *Model) readTargets(s *inferScratch, y Source, lo, hi int) (raw, ys []float32, err error) {
	rows, o := hi-lo, m.Outputs()
	s.yraw, s.ys = grow(s.yraw, rows*o), grow(s.ys, rows*o)
	s.yidx = s.yidx[:0]
	for r := lo; r < hi; r++ {
		s.yidx = append(s.yidx, r)
	}
	if err := y.ReadRows(s.yraw, s.yidx); err != nil {
		return nil, nil, err
	}
	m.TargetNorm.apply(s.ys, s.yraw, o)
	return s.yraw, s.ys, nil
}

// pairData checks a transcoder's targets (TrainOptions.Target, ValTarget)
// and returns the training and validation rows paired with them (sources
// of rows [x | y]), setting cfg.Out; without a target it returns src and
// val as they are.
func pairData(src, val Source, cfg *Config, opt TrainOptions) (Source, Source, error) {
	if opt.Target == nil {
		if cfg.Out > 0 {
			return nil, nil, fmt.Errorf("Config.Out %d: a transcoder needs its target rows (TrainOptions.Target)", cfg.Out)
		}
		return src, val, nil
	}
	if opt.Labels != nil {
		return nil, nil, errors.New("labels: a transcoder has no classifier head")
	}
	if err := pairTarget(src, opt.Target, "training target"); err != nil {
		return nil, nil, err
	}
	_, o := opt.Target.Dims()
	if cfg.Out != 0 && cfg.Out != o {
		return nil, nil, fmt.Errorf("training target: has %d columns, Config.Out says %d", o, cfg.Out)
	}
	cfg.Out = o
	if val != nil {
		if opt.ValTarget.Rows == 0 {
			return nil, nil, errors.New("validation data: a transcoder's needs its targets (TrainOptions.ValTarget)")
		}
		if err := pairTarget(val, opt.ValTarget, "validation target"); err != nil {
			return nil, nil, err
		}
		if _, vo := opt.ValTarget.Dims(); vo != o {
			return nil, nil, fmt.Errorf("validation target: has %d columns, the training target %d", vo, o)
		}
		val = newPairSource(val, opt.ValTarget)
	}
	return newPairSource(src, opt.Target), val, nil
}

// parts are the input and target rows of rs, a set of rows [x | y].
func (t *trainer) parts(rs *rowSet) (x, y *rowSet) {
	p := rs.src.(*pairSource)
	return &rowSet{src: p.x, idx: rs.idx, n: rs.n, cols: p.dx}, &rowSet{src: p.y, idx: rs.idx, n: rs.n, cols: p.dy}
}

// split returns the input and target rows of rows rows [x | y] of a
// transcoder's (in bufs, grown as needed), or pairs itself twice for an
// autoencoder.
func (t *trainer) split(pairs []float32, rows int, bx, by *[]float32) (x, y []float32) {
	if t.cfg.Out == 0 {
		return pairs, pairs
	}
	d, o := t.dIn, t.cfg.Out
	*bx, *by = grow(*bx, rows*d), grow(*by, rows*o)
	splitRows(pairs, rows, d, o, *bx, *by)
	return *bx, *by
}

// fitPairNormalizer settles a transcoder's scaling: auto resolves on the
// input rows, and the input's and the target's scalings of that kind are
// fitted apart (t.nz is the input's, t.nzY the target's); pairNz is the
// two side by side, the scaling of the rows [x | y] (nil: none).
func (t *trainer) fitPairNormalizer(kind Normalize) (Normalize, *Normalizer, error) {
	xs, ys := t.parts(t.train)
	kind, err := resolveNormalize(kind, xs, t.cfg.Loss, t.chunkRows())
	if err != nil {
		return kind, nil, err
	}
	if t.nz, err = fitNormalizer(kind, xs, t.chunkRows()); err != nil {
		return kind, nil, err
	}
	if t.nzY, err = fitNormalizer(kind, ys, t.chunkRows()); err != nil {
		return kind, nil, err
	}
	if t.nz == nil {
		return kind, nil, nil
	}
	pairNz := &Normalizer{Kind: kind, Shift: append(slices.Clone(t.nz.Shift), t.nzY.Shift...), Scale: append(slices.Clone(t.nz.Scale), t.nzY.Scale...)}
	return kind, pairNz, nil
}

// finishTranscoder completes a transcoder's model m: the metrics of its
// predictions on the validation and all the rows; no anomaly threshold.
func (t *trainer) finishTranscoder(m *Model) (*Model, error) {
	m.TargetNorm = t.nzY
	if t.valRaw.len() > 0 {
		x, y := t.parts(t.valRaw)
		mt, err := m.EvalTarget(x, y)
		if err != nil {
			return nil, err
		}
		t.hist.Val = &mt
	}
	x, y := t.parts(allRows(t.src))
	all, err := m.EvalTarget(x, y)
	if err != nil {
		return nil, err
	}
	h := t.hist
	h.All = &all
	m.History = &h
	return m, nil
}
