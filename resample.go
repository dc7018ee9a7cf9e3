package sae

// Resampling dead latents.
//
// A latent that has not fired for a whole dead window gets no gradient
// from the reconstruction, and AuxK's gradient is slow to bring it back
// when the live latents' activations are much larger than its own. So,
// every dead window of training samples (until 80% of the sparse phase),
// the trainer restarts the dead latents where the model is worst: it
// measures the squared residual ||x - x̂||² of a sample of training rows,
// draws one row per dead latent with probability proportional to it
// (without replacement), and points the latent at that row's residual:
//
//	W_dec[j,:] = r/||r|| (times the live rows' mean norm for a free decoder)
//	W_enc[:,j] = Resample * (live latents' mean encoder norm) * r/||r||
//	b_enc[j]   = 0, and the optimiser's state of those entries cleared
//
// so the latent starts out reading and writing a direction the live
// latents miss, at a scale where it competes for the top k. (The scheme
// follows the neuron resampling of Bricken et al. 2023, "Towards
// Monosemanticity", with a selection code's scale.) A transcoder's latent
// writes the residual of the target, y - ŷ, and reads the row's input x.

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/optim"
)

// resampleEnd is the fraction of a phase after which no resampling
// happens: the last restarted latents need time to settle.
const resampleEnd = 0.8

// plateauResampleSpan is the span, in samples, that resampleDue takes for
// a phase of the plateau schedule of epochs epochs of n rows in batches of
// batch, after drops drops of the rate. Its end is not known: restart dead
// latents until the first drop, and in the first quarter of the budget at
// most, of the shorter budget where a step is cheap (plateauBudgetSteps:
// the longer one lets runs that reached the shorter go on, and changes no
// other run).
func plateauResampleSpan(epochs, n, batch, drops int) int64 {
	if drops > 0 {
		return 0
	}
	per := int64(max(1, (n+batch-1)/max(batch, 1)))
	total := min(int64(epochs), (plateauBudgetSteps+per-1)/per) * int64(n)
	return int64(float64(total) / 4 / resampleEnd)
}

// resampleDue reports whether the step that brought the phase's sample
// count from before to after crosses a multiple of the dead window while
// before the phase's last 20%, for the kinds that allow it (topk and
// batchtopk; jumprelu's thresholds would need restarting too: not done).
func (t *trainer) resampleDue(before, after, total int64) bool {
	if t.dead == nil || t.cfg.Resample == 0 || t.dead.Window <= 0 || !t.net.Kind().Traits().Resample {
		return false
	}
	w := t.dead.Window
	return before/w != after/w && float64(after) <= resampleEnd*float64(total)
}

// resampleDead restarts the dead latents (see above). Rows are read bs at
// a time into the trainer's batch buffer.
func (t *trainer) resampleDead(opt optim.Optimizer, bs int) error {
	n, dl := t.net, t.dead
	if dl.N == 0 || !n.Kind().Traits().Code {
		return nil
	}
	d, o, h, width := n.D, n.O, n.H, t.train.cols
	dead := make([]int, 0, dl.N)
	for j, isDead := range dl.Dead {
		if isDead {
			dead = append(dead, j)
		}
	}
	// The sample: enough rows to give each dead latent its own, at most a
	// quarter of a window (so the pass costs a few percent of the
	// window's training).
	S := min(t.train.len(), max(4096, 2*len(dead)), max(4096, int(dl.Window/4)))
	idx := t.perm[:S]                    // this epoch's random order
	rows := t.chunkBuf(width)[:bs*width] // the batch buffer: the step that used it is done
	res := make([]float32, bs*o)
	var xb []float32
	// residuals sets res to y - ŷ (x - x̂) for the training rows rs (at
	// most bs), and xb to their inputs.
	residuals := func(rs []uint32) error {
		m := len(rs)
		if err := t.train.readAt(rows[:m*width], rs); err != nil {
			return err
		}
		var y []float32
		xb, y = t.split(rows[:m*width], m, &t.bx, &t.by)
		n.Reconstruct(&t.w, xb, m, res[:m*o])
		for i := range res[:m*o] {
			res[i] = y[i] - res[i]
		}
		return nil
	}
	w2 := make([]float64, S)
	for lo := 0; lo < S; lo += bs {
		m := min(bs, S-lo)
		if err := residuals(idx[lo : lo+m]); err != nil {
			return err
		}
		for i := 0; i < m; i++ {
			r := res[i*o : (i+1)*o]
			w2[lo+i] = float64(kernels.Sdot(r, r))
		}
	}
	keys := drawWeighted(t.rng, w2, len(dead))
	if len(keys) == 0 {
		return nil
	}
	// Scales from the live latents.
	var encNorm, decNorm float64
	live := 0
	for j := 0; j < h; j++ {
		if !dl.Dead[j] {
			encNorm += n.EncoderNorm(j)
			decNorm += n.DecoderNorm(j)
			live++
		}
	}
	if live == 0 {
		return nil // nothing to compete with: leave the latents to AuxK
	}
	encNorm /= float64(live)
	decNorm /= float64(live)
	if t.cfg.DecoderNorm == DecoderUnit {
		decNorm = 1
	}
	encScale := float32(t.cfg.Resample * encNorm)
	// The drawn rows' residuals, all measured before any latent changes.
	m := len(keys)
	dirs, enc := make([]float32, m*o), make([]float32, m*d)
	rs := make([]uint32, 0, bs)
	for lo := 0; lo < m; lo += bs {
		c := min(bs, m-lo)
		rs = rs[:0]
		for q := 0; q < c; q++ {
			rs = append(rs, idx[keys[lo+q]])
		}
		if err := residuals(rs); err != nil {
			return err
		}
		copy(dirs[lo*o:(lo+c)*o], res[:c*o])
		if n.Transcoder() {
			copy(enc[lo*d:(lo+c)*d], xb[:c*d])
		} else {
			copy(enc[lo*d:(lo+c)*d], res[:c*d])
		}
	}
	for q, j := range dead[:m] {
		n.Restart(j, enc[q*d:(q+1)*d], dirs[q*o:(q+1)*o], encScale, float32(decNorm), opt.Forget)
		dl.Revive(j)
	}
	return nil
}

// drawWeighted draws up to m distinct indices of w, each with probability
// proportional to its weight (sampling without replacement by the keys
// u^(1/w) of Efraimidis and Spirakis: the m largest); indices whose weight
// is not a positive finite number are never drawn. The result is in
// drawing order.
func drawWeighted(rng *rand.Rand, w []float64, m int) []int {
	type keyed struct {
		key float64 // log u / w
		i   int
	}
	keys := make([]keyed, 0, len(w))
	for i, wi := range w {
		if wi > 0 && !math.IsInf(wi, 0) {
			keys = append(keys, keyed{math.Log(rng.Float64()) / wi, i})
		}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		switch {
		case a.key > b.key:
			return -1
		case a.key < b.key:
			return 1
		}
		return a.i - b.i
	})
	out := make([]int, min(m, len(keys)))
	for q := range out {
		out[q] = keys[q].i
	}
	return out
}
