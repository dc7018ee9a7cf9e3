package sae

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/optim"
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
		sub.Layers, sub.Hidden, sub.Stacked, sub.KeepPretrained = nil, t.net.Sizes[l+1], false, false
		sub.Normalize, sub.FinetuneEpochs, sub.ValSplit, sub.Contamination, sub.Ensemble, sub.Neighbours = NormalizeNone, 0, 0, 0, 1, -1
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
//
// A pre-trained (stacked) network's weights decay towards where the
// phase found them rather than towards zero (L2-SP: Li, Grandvalet and
// Davoine, "Explicit inductive bias for transfer learning with
// convolutional networks", 2018): plain decay pulls the pre-trained
// features away as the labels pull them in, and the decoder, which the
// labels do not train, towards zero. The head, new, decays towards zero.
// Over seeds 1-3 (test accuracy, means) it moved --stacked --labels on
// digits from 96.67 to 97.16% (from scratch: 96.85), breast cancer from
// 96.49 to 96.69% (95.98), wine from 98.15 to 97.53% (97.53: one test row
// on one seed), iris not at all; with it the pre-trained network is at
// least as good as from scratch on every seed of the four.
func (t *trainer) runSupervised(ctx context.Context, epochs int) error {
	n, c := t.train.len(), t.classes
	bs := min(t.cfg.Batch, n)
	yb := make([]int32, bs)
	probs := make([]float32, max(bs, t.chunkRows())*c)
	ph := &phase{id: phaseSupervised, epochs: epochs, opt: newAdam(t.cfg, t.net), perm: identity(n), unit: 1}
	if t.scratch {
		ph.id = phaseScratch
	}
	anchor, anchored, head := t.supervisedAnchor()
	var diff []float32
	if anchor != nil {
		diff = make([]float32, len(anchor))
	}
	var acc float64
	ph.accuracy = &acc
	ph.prior = t.valPrior()
	ph.validate = func() (float64, error) {
		val, a, err := t.crossEntropy(t.val, t.valY, probs)
		acc = a
		return val, err
	}
	ph.step = func(b batch) (float64, error) {
		for i, r := range b.pos {
			yb[i] = t.trainY[r]
		}
		loss, _ := t.net.SupervisedForwardBackward(&t.w, b.x, yb[:b.rows], b.rows, 1/float32(b.rows), probs)
		grad := t.w.Grad(t.net)
		var anchorDecay float64
		if anchor != nil {
			anchorDecay = anchorTowards(t.net.Params, grad, anchor, diff, anchored, head, t.cfg.WeightDecay)
		}
		decay, finite := ph.opt.Step(t.net.Params, grad, b.lr, t.cfg.WeightDecay, t.cfg.ClipNorm)
		if anchor != nil {
			decay = anchorDecay
		}
		loss += decay
		if !isFinite(loss) || !finite {
			return 0, fmt.Errorf("%w in supervised epoch %d: the loss (%g) or the gradient is not finite; lower Config.LR or set Config.ClipNorm", ErrDiverged, b.epoch, loss)
		}
		return loss, nil
	}
	if err := t.miniBatches(ctx, ph); err != nil {
		return err
	}
	t.restoreBest()
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

// valPrior is the share of the validation rows' most common class (0
// without validation rows).
func (t *trainer) valPrior() float64 {
	if len(t.valY) == 0 {
		return 0
	}
	count := make([]int, t.classes)
	for _, l := range t.valY {
		count[l]++
	}
	return float64(slices.Max(count)) / float64(len(t.valY))
}

// triesScratch says whether a stacked classifier is trained again from
// random initialisation (supervisedFromScratch): with labels and
// validation rows, unless Config.KeepPretrained.
func (t *trainer) triesScratch() bool {
	return t.cfg.Stacked && !t.cfg.KeepPretrained && t.classes > 0 && t.val.len() > 0 && t.cfg.SupervisedEpochs > 0
}

// supervisedFromScratch trains the pre-trained classifier's widths again
// from random initialisation, with the same supervised phase (its decay
// towards zero, as a network without pre-training has), the same
// validation rows and as many epochs, from the weights and the generator
// that prepare left: the network Config.Epochs -1 (no pre-training)
// trains on the same schedule, to the bit. It is kept in place of the
// pre-trained network if its best epoch beats the pre-trained network's
// (beats: classifying the validation rows better than the most common
// class first, then the lower cross-entropy). Pre-training is a start,
// not a guarantee: on development folds of 19 two-class tables
// (bench/quality/stacked_start.py, three seeds) the pre-trained network
// alone was behind the one from scratch on 7 sets (mean accuracy 94.57%
// against 94.50%), the network kept by this choice on 4 (94.72%; 94.73%
// and still 4 with the plateau schedule's longer patience where a step
// is cheap, 94.84% and 4 with its longer budget there, the network from
// scratch 94.64% with both). On other splits of the same sets and
// scikit-learn's small sets (bench/quality/stacked_avg.py, validation rows
// given with --val) the choice was 95.18% against the network from
// scratch's 95.33%, and keeping both networks with their probabilities
// averaged 95.46% but behind the network from scratch on 7 sets of 23
// against the choice's 6: not adopted, the rule asked for fewer.
func (t *trainer) supervisedFromScratch(ctx context.Context, epochs int) error {
	pre := slices.Clone(t.net.Params)
	preVal, preAcc, preEpoch := t.bestVal, t.bestAcc, t.hist.BestEpoch
	preTrainAcc, preValAcc := t.hist.Accuracy, t.hist.ValAccuracy
	copy(t.net.Params, t.fresh.params)
	*t.pcg = t.fresh.pcg
	t.scratch = true
	defer func() { t.scratch = false }()
	t.hist.ScratchFrom = t.hist.Epochs
	t.best, t.bestVal, t.bestAcc = nil, math.Inf(1), 0
	if err := t.runSupervised(ctx, epochs); err != nil {
		return err
	}
	t.hist.StartValLoss = []float64{preVal, t.bestVal}
	if beats(t.bestVal, t.bestAcc, preVal, preAcc, t.valPrior(), 0) {
		t.hist.SupervisedStart = "scratch"
		return nil
	}
	t.hist.SupervisedStart = "pretrained"
	copy(t.net.Params, pre)
	t.best = append(t.best[:0], pre...)
	t.bestVal, t.bestAcc, t.hist.BestEpoch = preVal, preAcc, preEpoch
	t.hist.Accuracy, t.hist.ValAccuracy = preTrainAcc, preValAcc
	return nil
}

// supervisedAnchor is the decay anchor of a pre-trained network's
// supervised phase (runSupervised): the weights as the phase starts
// (stacked training writes no checkpoints, so no run resumes inside it),
// the weight spans that decay towards it (all but the head's) and the
// head's; nil without pre-training or weight decay.
func (t *trainer) supervisedAnchor() (anchor []float32, spans []optim.Span, head optim.Span) {
	if !t.cfg.Stacked || t.scratch || t.cfg.WeightDecay == 0 {
		return nil, nil, head
	}
	for _, seg := range t.net.Segments() {
		switch {
		case seg.Name == "W_head":
			head = optim.Span{Lo: seg.Off, Hi: seg.Off + seg.Size()}
		case seg.Weight:
			spans = append(spans, optim.Span{Lo: seg.Off, Hi: seg.Off + seg.Size()})
		}
	}
	return slices.Clone(t.net.Params), spans, head
}

// anchorTowards makes the weight decay wd that Adam adds to grad on the
// spans (wd*W) a decay towards anchor, wd*(W - anchor), and returns the
// decay term of the loss: wd/2 of the squared distance to anchor on the
// spans, plus wd/2 of the squared weights of head. diff is scratch of
// len(params).
func anchorTowards(params, grad, anchor, diff []float32, spans []optim.Span, head optim.Span, wd float64) float64 {
	sq := kernels.SumSq(params[head.Lo:head.Hi])
	for _, sp := range spans {
		a, d := anchor[sp.Lo:sp.Hi], diff[sp.Lo:sp.Hi]
		kernels.Axpy(-float32(wd), a, grad[sp.Lo:sp.Hi])
		copy(d, params[sp.Lo:sp.Hi])
		kernels.Axpy(-1, a, d)
		sq += kernels.SumSq(d)
	}
	return 0.5 * wd * sq
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
