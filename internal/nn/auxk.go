package nn

// Dead latents and the AuxK loss that revives them (topk, batchtopk).
//
// A latent is dead when it has not fired (been kept with a > 0) in the last
// Config.DeadWindow training samples. AuxK reconstructs each row's
// residual e_i = target_i - x̂_i (held constant: no gradient flows into the
// main reconstruction through it) from the AuxK largest pre-activations of
// the dead latents alone, without the decoder bias:
//
//	ê_i = Σ_{j kept among dead} relu(pre_ij) W_dec[j,:]
//	L_aux = AuxCoef * norm * Σ_i 1/2 ||ê_i - e_i||²
//	dê_i = AuxCoef * norm * (ê_i - e_i), then as for the main code (select.go)
//
// so the dead latents' encoder columns and decoder rows move towards what
// the live latents fail to reconstruct.

// DeadLatents counts, per latent, the training samples seen since it last
// fired.
type DeadLatents struct {
	Since  []int64 // samples since each latent fired (saved in checkpoints)
	Window int64
	Dead   []bool // Since >= Window
	N      int    // number of dead latents
}

// NewDeadLatents tracks h latents with the given window.
func NewDeadLatents(h int, window int64) *DeadLatents {
	return &DeadLatents{Since: make([]int64, h), Window: window, Dead: make([]bool, h)}
}

// Observe records a training batch of rows samples that kept the latents
// kept (Workspace.Kept).
func (t *DeadLatents) Observe(kept []int32, rows int) {
	for j := range t.Since {
		t.Since[j] += int64(rows)
	}
	for _, j := range kept {
		t.Since[j] = 0
	}
	t.count()
}

// Restore sets the counts since each latent fired (a checkpoint's).
func (t *DeadLatents) Restore(since []int64) {
	copy(t.Since, since)
	t.count()
}

// Revive marks latent j alive (restarted).
func (t *DeadLatents) Revive(j int) {
	t.Since[j] = 0
	t.Dead[j] = false
	t.N--
}

func (t *DeadLatents) count() {
	t.N = 0
	for j, s := range t.Since {
		t.Dead[j] = s >= t.Window
		if t.Dead[j] {
			t.N++
		}
	}
}

// Fraction is the fraction of latents dead now.
func (t *DeadLatents) Fraction() float64 { return float64(t.N) / float64(len(t.Since)) }

// auxForwardBackward adds the AuxK term for the batch whose pre-activations
// are pre [rows,h] and whose reconstruction is z [rows,d]: it leaves the
// kept dead latents in w.sel.aux with their gradients, accumulates dW_dec
// into w.grad and returns the term's value and whether it applied.
func (n *Net[T]) auxForwardBackward(w *Workspace[T], pre, z, target []T, rows int, norm T, t *Terms) (float64, bool) {
	if t.AuxCoef == 0 || t.Dead == nil {
		return 0, false
	}
	sw := &w.sel
	dead := sw.deadIdx[:0]
	for j, isDead := range t.Dead {
		if isDead {
			dead = append(dead, int32(j))
		}
	}
	sw.deadIdx = dead
	nd := len(dead)
	ka := min(t.AuxK, nd)
	if ka == 0 {
		return 0, false
	}
	d, h := n.O, n.H
	// The dead latents' pre-activations, gathered into [rows, nd].
	sw.buf = grow(sw.buf, rows*nd)
	cols := sw.buf
	for i := 0; i < rows; i++ {
		pi, ci := pre[i*h:(i+1)*h], cols[i*nd:(i+1)*nd]
		for c, j := range dead {
			ci[c] = pi[j]
		}
	}
	selectTopK(n.nt, sw, &sw.aux, cols, rows, nd, ka, dead)
	sw.eh = grow(sw.eh, rows*d)
	eh := sw.eh
	n.decodeSelected(&sw.aux, rows, eh, nil)
	coef := T(t.AuxCoef) * norm
	var loss float64
	for i, v := range eh {
		r := target[i] - z[i] // the residual
		if t.auxResidual != nil {
			r = T(t.auxResidual[i])
		}
		e := v - r
		loss += float64(e * e)
		eh[i] = coef * e
	}
	n.backSelected(&sw.aux, eh, rows, w.grad)
	return 0.5 * loss * float64(coef), true
}
