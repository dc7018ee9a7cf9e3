package sae

import (
	"context"
	"fmt"
	"math"

	"github.com/sae-go/sae/internal/nn"
)

// pretrain trains the layers of a stacked model greedily: layer l as a
// one-layer autoencoder (the configured penalty, noise, trimming) of the
// codes of layers 0..l-1, then copies its encoder and decoder into the
// deep network.
func (t *trainer) pretrain(ctx context.Context) error {
	k := t.net.Depth()
	var codes, val Source = t.train, t.val
	for l := 0; l < k; l++ {
		sub := t.cfg
		sub.Layers, sub.Hidden, sub.Stacked = nil, t.net.Sizes[l+1], false
		sub.Normalize, sub.FinetuneEpochs, sub.ValSplit, sub.Contamination, sub.Ensemble = NormalizeNone, 0, 0, 0, 1
		sub.Seed = t.cfg.Seed + uint64(l) + 1
		if l > 0 {
			sub.Loss = MSE // the codes of relu or tanh layers are not in [0, 1]
		}
		opt := TrainOptions{}
		if n, _ := val.Dims(); n > 0 {
			opt.valSrc = val
		}
		offset := t.step
		if t.opt.Progress != nil {
			phase := Phase(fmt.Sprintf("pretrain %d/%d", l+1, k))
			opt.Progress = func(p Progress) {
				if p.Phase == PhaseFinal {
					return // a layer's end is not the model's
				}
				p.Phase, p.Step, p.Steps = phase, offset+p.Step, t.steps
				t.opt.Progress(p)
			}
		}
		m, err := Train(ctx, codes, sub, opt)
		if err != nil {
			return fmt.Errorf("pre-training layer %d: %w", l+1, err)
		}
		t.step = offset + t.cfg.Epochs*((t.train.len()+t.cfg.Batch-1)/t.cfg.Batch)
		t.net.CopyLayer(l, m.net)
		t.hist.Pretrain = append(t.hist.Pretrain, *m.History)
		t.samples += int(m.History.SamplesPerSecond * m.History.Seconds)
		// The next layer reads these codes, computed as it reads them.
		codes, val = &encodedSource{m: m, src: codes}, &encodedSource{m: m, src: val}
	}
	return nil
}

// runSupervised trains the softmax head and the whole encoder on the
// labelled rows: mini-batch Adam on the cross-entropy plus weight decay,
// with early stopping on the validation cross-entropy; then it measures
// the accuracies.
func (t *trainer) runSupervised(ctx context.Context, epochs int) error {
	n, c := t.train.len(), t.classes
	bs := min(t.cfg.Batch, n)
	yb := make([]int32, bs)
	probs := make([]float32, max(bs, t.chunkRows())*c)
	ph := &phase{id: phaseSupervised, epochs: epochs, opt: newAdam(t.cfg, t.net), perm: identity(n), unit: 1}
	ph.validate = func() (float64, error) {
		val, _, err := t.crossEntropy(t.val, t.valY, probs)
		return val, err
	}
	ph.step = func(b batch) (float64, error) {
		for i, r := range b.pos {
			yb[i] = t.trainY[r]
		}
		loss, _ := t.net.SupervisedForwardBackward(&t.w, b.x, yb[:b.rows], b.rows, 1/float32(b.rows), probs)
		decay, finite := ph.opt.Step(t.net.Params, t.w.Grad(t.net), b.lr, t.cfg.WeightDecay, t.cfg.ClipNorm)
		loss += decay
		if !isFinite(loss) || !finite {
			return 0, fmt.Errorf("%w in supervised epoch %d: the loss (%g) or the gradient is not finite; lower Config.LR or set Config.ClipNorm", ErrDiverged, b.epoch, loss)
		}
		return loss, nil
	}
	if err := t.miniBatches(ctx, ph); err != nil {
		return err
	}
	if t.best != nil {
		copy(t.net.Params, t.best)
	}
	var err error
	if _, t.hist.Accuracy, err = t.crossEntropy(t.train, t.trainY, probs); err != nil {
		return err
	}
	if t.val.len() > 0 {
		if _, t.hist.ValAccuracy, err = t.crossEntropy(t.val, t.valY, probs); err != nil {
			return err
		}
	}
	return nil
}

// crossEntropy returns the mean cross-entropy and the accuracy of the
// head on the rows of rs (scaled) with labels y.
func (t *trainer) crossEntropy(rs *rowSet, y []int32, probs []float32) (float64, float64, error) {
	c, n := t.classes, rs.len()
	var loss float64
	correct := 0
	chunk := min(n, t.chunkRows())
	err := rs.scan(t.chunkBuf(rs.cols), chunk, func(x []float32, lo, rows int) error {
		t.net.Classify(&t.w, x, rows, probs[:rows*c])
		for i := 0; i < rows; i++ {
			p := probs[i*c : (i+1)*c]
			lbl := int(y[lo+i])
			loss -= math.Log(math.Max(float64(p[lbl]), 1e-30))
			if nn.Argmax(p) == lbl {
				correct++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return loss / float64(n), float64(correct) / float64(n), nil
}

// Classes is the number of classes of a model trained with labels (0
// without).
func (m *Model) Classes() int { return m.net.Classes() }

// Predict returns the class probabilities [x.Rows, Classes()] of the rows
// of x (input units) for a model trained with labels.
func (m *Model) Predict(x Matrix) (Matrix, error) {
	c := m.net.Classes()
	if c == 0 {
		return Matrix{}, fmt.Errorf("predict: the model was trained without labels (TrainOptions.Labels)")
	}
	if err := checkSource(x, "predict input", m.Inputs); err != nil {
		return Matrix{}, err
	}
	out := NewMatrix(x.Rows, c)
	m.forEachChunk(x, func(s *inferScratch, xs, _ []float32, lo, hi int) {
		m.net.Classify(&s.w, xs, hi-lo, out.Data[lo*c:hi*c])
	})
	return out, nil
}
