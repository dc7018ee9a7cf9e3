package sae

// Dead latents and the AuxK loss that revives them.
//
// A latent is dead when it has not fired (been kept with a > 0) in the last
// Config.DeadWindow training samples. AuxK reconstructs each row's
// residual e_i = target_i - x̂_i (held constant: no gradient flows into the
// main reconstruction through it) from the AuxK largest pre-activations of
// the dead latents alone, without the decoder bias:
//
//	ê_i = Σ_{j kept among dead} relu(pre_ij) W_dec[j,:]
//	L_aux = auxCoef * norm * Σ_i 1/2 ||ê_i - e_i||²
//	dê_i = auxCoef * norm * (ê_i - e_i), then as for the main code (topk.go)
//
// so the dead latents' encoder columns and decoder rows move towards what
// the live latents fail to reconstruct.

// deadLatents counts, per latent, the training samples seen since it last
// fired.
type deadLatents struct {
	since  []int64
	window int64
	dead   []bool
	n      int // number of dead latents
}

func newDeadLatents(h int, window int64) *deadLatents {
	return &deadLatents{since: make([]int64, h), window: window, dead: make([]bool, h)}
}

// observe records a training batch of rows samples whose kept latents
// are sel's entries.
func (t *deadLatents) observe(sel *selection[float32], rows int) {
	for j := range t.since {
		t.since[j] += int64(rows)
	}
	for _, j := range sel.idx[:sel.entries(rows)] {
		t.since[j] = 0
	}
	t.n = 0
	for j, s := range t.since {
		t.dead[j] = s >= t.window
		if t.dead[j] {
			t.n++
		}
	}
}

// restore sets the counts since each latent fired (a checkpoint's).
func (t *deadLatents) restore(since []int64) {
	copy(t.since, since)
	t.n = 0
	for j, s := range t.since {
		t.dead[j] = s >= t.window
		if t.dead[j] {
			t.n++
		}
	}
}

// fraction is the fraction of latents dead now.
func (t *deadLatents) fraction() float64 { return float64(t.n) / float64(len(t.since)) }

// resolveDeadWindow is Config.DeadWindow's default for trainRows rows.
func resolveDeadWindow(window, trainRows int) int64 {
	if window > 0 {
		return int64(window)
	}
	return int64(min(10_000_000, trainRows))
}

// auxForwardBackward adds the AuxK term for the batch whose pre-activations
// are pre [rows,h] and whose reconstruction is z [rows,d]: it leaves the
// kept dead latents in w.sel.aux with their gradients, accumulates dW_dec
// into w.grad and returns the term's value and whether it applied.
func (n *net[T]) auxForwardBackward(w *workspace[T], pre, z, target []T, rows int, norm T, pen penalty) (float64, bool) {
	if pen.auxCoef == 0 || pen.dead == nil {
		return 0, false
	}
	sw := &w.sel
	dead := sw.deadIdx[:0]
	for j, isDead := range pen.dead {
		if isDead {
			dead = append(dead, int32(j))
		}
	}
	sw.deadIdx = dead
	nd := len(dead)
	ka := min(pen.auxK, nd)
	if ka == 0 {
		return 0, false
	}
	d, h := n.d, n.h
	// The dead latents' pre-activations, gathered into [rows, nd].
	sw.buf = grow(sw.buf, rows*nd)
	cols := sw.buf
	for i := 0; i < rows; i++ {
		pi, ci := pre[i*h:(i+1)*h], cols[i*nd:(i+1)*nd]
		for c, j := range dead {
			ci[c] = pi[j]
		}
	}
	selectTopK(sw, &sw.aux, cols, rows, nd, ka, dead)
	sw.eh = grow(sw.eh, rows*d)
	eh := sw.eh
	n.decodeSelected(&sw.aux, rows, eh, nil)
	coef := T(pen.auxCoef) * norm
	var loss float64
	for i, v := range eh {
		r := target[i] - z[i] // the residual
		if pen.auxResidual != nil {
			r = T(pen.auxResidual[i])
		}
		e := v - r
		loss += float64(e * e)
		eh[i] = coef * e
	}
	n.backSelected(&sw.aux, eh, rows, w.grad)
	return 0.5 * loss * float64(coef), true
}

// auxPenalty sets pen's AuxK fields for the next training step: the dead
// latents as of now.
func (t *trainer) auxPenalty(pen *penalty) {
	if t.dead == nil || pen.sparsity != t.cfg.Sparsity {
		return // not a selection code, or the fine-tuning phase
	}
	pen.auxK, pen.auxCoef, pen.dead = t.cfg.AuxK, t.cfg.AuxCoef, nil
	if t.dead.n > 0 {
		pen.dead = t.dead.dead
	}
}

// afterSelectStep does a selection code's bookkeeping after an optimiser
// step on a batch of rows rows: the decoder constraint, the dead-latent
// counts and batchtopk's threshold.
func (t *trainer) afterSelectStep(rows int) {
	t.constrainParams()
	n := t.net
	if n.code == "" {
		return
	}
	if t.dead == nil {
		t.dead = newDeadLatents(n.h, resolveDeadWindow(t.cfg.DeadWindow, t.train.len()))
	}
	t.dead.observe(&t.w.sel.main, rows)
	if n.code == SparsityBatchTopK {
		t.thresholdSteps++
		updateThreshold(n.thr, t.w.sel.minKept, t.thresholdSteps)
	}
}
