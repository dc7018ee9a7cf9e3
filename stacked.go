package sae

import (
	"context"
	"fmt"
	"math"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/optim"
)

// The supervised side of a stacked autoencoder: a softmax head on the code,
// trained with the whole encoder on labelled rows.
//
//	logits [B,C] = code·W_head + b_head
//	loss = norm * Σ_rows -log softmax(logits)[label]

// headForward writes the class probabilities of the codes [rows,h] into
// probs [rows,C].
func (n *net[T]) headForward(code []T, rows int, probs []T) {
	H := n.head
	c := H.out
	H.forward(code, rows, probs)
	kernels.AddRows(probs, rows, H.b)
	for i := 0; i < rows; i++ {
		softmaxRow(probs[i*c : (i+1)*c])
	}
}

// softmaxRow replaces logits by their softmax, stably.
func softmaxRow[T kernels.Float](v []T) {
	m := v[0]
	for _, x := range v[1:] {
		m = max(m, x)
	}
	var s float64
	for i, x := range v {
		e := math.Exp(float64(x - m))
		v[i] = T(e)
		s += e
	}
	for i := range v {
		v[i] = T(float64(v[i]) / s)
	}
}

// supervisedForwardBackward runs rows x through the encoder and the head,
// accumulates into w.grad the gradient of norm * Σ cross-entropy, and
// returns that loss and the number of rows classified correctly. probs
// [rows,C] is scratch.
func (n *net[T]) supervisedForwardBackward(w *workspace[T], x []T, labels []int32, rows int, norm T, probs []T) (float64, int) {
	w.ensure(n, rows)
	w.ensureGrad(n)
	h, c := n.h, n.head.out
	code := n.encodeInto(w, x, rows)
	n.headForward(code, rows, probs)
	var loss float64
	correct := 0
	for i := 0; i < rows; i++ {
		p := probs[i*c : (i+1)*c]
		y := int(labels[i])
		if argmax(p) == y {
			correct++
		}
		loss -= math.Log(math.Max(float64(p[y]), 1e-30))
		// d/dlogits = p - onehot(y), scaled; in place.
		for j := range p {
			p[j] *= norm
		}
		p[y] -= norm
	}
	// Head gradients, and the gradient at the code into w.da.
	da := w.da[:rows*h]
	n.head.backward(code, probs[:rows*c], rows, w.grad, da, w.colTmp)
	if n.vae {
		// The code of a variational model is the (linear) mean: the
		// gradient goes to the mean half of the last layer's output.
		dv := w.dvae[:rows*2*h]
		clear(dv)
		for i := 0; i < rows; i++ {
			copy(dv[i*2*h:i*2*h+h], da[i*h:(i+1)*h])
		}
		var lp lossParts
		n.encoderBackward(w, x, dv, rows, w.grad, norm, penalty{}, &lp)
		return loss * float64(norm), correct
	}
	activationBackward(n.act, code, da)
	var lp lossParts
	n.encoderBackward(w, x, da, rows, w.grad, norm, penalty{}, &lp)
	return loss * float64(norm), correct
}

// pretrain trains the layers of a stacked model greedily: layer l as a
// one-layer autoencoder (the configured penalty, noise, trimming) of the
// codes of layers 0..l-1, then copies its encoder and decoder into the
// deep network.
func (t *trainer) pretrain(ctx context.Context) error {
	k := t.net.depth()
	var codes, val Source = t.train, t.val
	for l := 0; l < k; l++ {
		sub := t.cfg
		sub.Layers, sub.Hidden, sub.Stacked = nil, t.net.sizes[l+1], false
		sub.Normalize, sub.FinetuneEpochs, sub.ValSplit, sub.Contamination = NormalizeNone, 0, 0, 0
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
			phase := fmt.Sprintf("pretrain %d/%d", l+1, k)
			opt.Progress = func(p Progress) {
				if p.Phase == PhaseFinal {
					return // a layer's end is not the model's
				}
				p.Phase, p.Step, p.Steps = phase, offset+p.Step, t.steps
				t.opt.Progress(p)
			}
		}
		m, err := TrainSource(ctx, codes, sub, opt)
		if err != nil {
			return fmt.Errorf("pre-training layer %d: %w", l+1, err)
		}
		t.step = offset + t.cfg.Epochs*((t.train.len()+t.cfg.Batch-1)/t.cfg.Batch)
		src := m.net
		dst, mirror := &t.net.enc[l], &t.net.dec[k-1-l]
		copy(dst.w, src.enc[0].w)
		copy(dst.b, src.enc[0].b)
		if mirror.w != nil {
			copy(mirror.w, src.dec[0].w)
		}
		copy(mirror.b, src.dec[0].b)
		t.hist.Pretrain = append(t.hist.Pretrain, *m.History)
		t.samples += int(m.History.SamplesPerSecond * m.History.Seconds)
		// The next layer reads these codes, computed as it reads them.
		codes, val = &encodedSource{m: m, src: codes}, &encodedSource{m: m, src: val}
	}
	return nil
}

// runSupervised trains the softmax head and the whole encoder on the
// labelled rows: mini-batch Adam on the cross-entropy plus weight decay,
// with early stopping on the validation cross-entropy.
func (t *trainer) runSupervised(ctx context.Context, epochs int) error {
	cfg := t.cfg
	d, n, c := t.train.cols, t.train.len(), t.classes
	opt := newAdam(t.net)
	bs := min(cfg.Batch, n)
	// Each phase has its own schedule: warm-up, then decay to its end.
	phaseSteps := epochs * ((n + bs - 1) / bs)
	warm := int(cfg.Warmup * float64(phaseSteps))
	phaseStep := 0
	xb := make([]float32, bs*d)
	yb := make([]int32, bs)
	probs := make([]float32, max(bs, t.chunkRows())*c)
	perm := identity(n)
	t.w.ensure(t.net, bs)
	t.w.ensureGrad(t.net)
	clear(t.w.grad) // from here on each step leaves it zeroed
	t.best, t.bestVal = nil, math.Inf(1)
	first, stopped, err := t.resumePhase(phaseSupervised, opt, perm, &phaseStep)
	if err != nil {
		return err
	}
	for epoch := first; epoch <= epochs && !stopped; epoch++ {
		t.rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var sum float64
		for lo := 0; lo < n; lo += bs {
			if err := ctx.Err(); err != nil {
				return err
			}
			rows := min(bs, n-lo)
			if err := t.train.readAt(xb[:rows*d], perm[lo:lo+rows]); err != nil {
				return err
			}
			for i, r := range perm[lo : lo+rows] {
				yb[i] = t.trainY[r]
			}
			loss, _ := t.net.supervisedForwardBackward(&t.w, xb[:rows*d], yb[:rows], rows, 1/float32(rows), probs)
			decay, finite := opt.Step(t.net.params, t.w.grad, optim.LR(cfg.LR, phaseStep, phaseSteps, warm, cfg.Decay), cfg.WeightDecay, cfg.ClipNorm)
			loss += decay
			if !isFinite(loss) || !finite {
				return fmt.Errorf("%w in supervised epoch %d: the loss (%g) or the gradient is not finite; lower --lr or set --clip", ErrDiverged, epoch, loss)
			}
			phaseStep++
			t.step++
			t.samples += rows
			sum += loss * float64(rows)
			if t.opt.Progress != nil {
				t.opt.Progress(Progress{Phase: "supervised", Epoch: epoch, Epochs: epochs, Step: t.step, Steps: t.steps, Loss: loss, ValLoss: math.NaN()})
			}
		}
		t.hist.Epochs++
		t.hist.TrainLoss = append(t.hist.TrainLoss, sum/float64(n))
		val := math.NaN()
		if t.val.len() > 0 {
			var err error
			if val, _, err = t.crossEntropy(t.val, t.valY, probs); err != nil {
				return err
			}
			t.hist.ValLoss = append(t.hist.ValLoss, val)
			if t.best == nil || val < t.bestVal {
				t.bestVal, t.best = val, append(t.best[:0], t.net.params...)
				t.hist.BestEpoch = t.hist.Epochs
			} else if cfg.Patience > 0 && t.hist.Epochs-t.hist.BestEpoch >= cfg.Patience {
				t.hist.StoppedEarly = true
				stopped = true
			}
		}
		if t.opt.Progress != nil {
			t.opt.Progress(Progress{Phase: "supervised", Epoch: epoch, Epochs: epochs, Step: t.step, Steps: t.steps, Loss: sum / float64(n), ValLoss: val, EpochCompleted: true})
		}
		if err := t.checkpoint(phaseSupervised, epoch, epochs, stopped, phaseStep, opt, perm); err != nil {
			return err
		}
	}
	if t.best != nil {
		copy(t.net.params, t.best)
	}
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
	t.w.ensure(t.net, chunk)
	err := rs.scan(t.chunkBuf(rs.cols), chunk, func(x []float32, lo, rows int) error {
		code := t.net.encodeInto(&t.w, x, rows)
		t.net.headForward(code, rows, probs[:rows*c])
		for i := 0; i < rows; i++ {
			p := probs[i*c : (i+1)*c]
			lbl := int(y[lo+i])
			loss -= math.Log(math.Max(float64(p[lbl]), 1e-30))
			if argmax(p) == lbl {
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

func argmax[T kernels.Float](v []T) int {
	best := 0
	for j := range v {
		if v[j] > v[best] {
			best = j
		}
	}
	return best
}

// Classes is the number of classes of a model trained with labels (0
// without).
func (m *Model) Classes() int { return m.net.classes() }

// Predict returns the class probabilities [x.Rows, Classes()] of the rows
// of x (input units) for a model trained with labels.
func (m *Model) Predict(x Matrix) (Matrix, error) {
	c := m.net.classes()
	if c == 0 {
		return Matrix{}, fmt.Errorf("predict: the model was trained without labels (train with --labels)")
	}
	if err := x.check("predict input", m.Inputs); err != nil {
		return Matrix{}, err
	}
	out := NewMatrix(x.Rows, c)
	m.forEachChunk(x, func(s *inferScratch, xs, _ []float32, lo, hi int) {
		code := m.net.encodeInto(&s.w, xs, hi-lo)
		m.net.headForward(code, hi-lo, out.Data[lo*c:hi*c])
	})
	return out, nil
}
