package sae

// JumpReLU codes: each latent j has a learned threshold θ_j >= 0 (the
// tensor threshold [h]), after Rajamanoharan et al. 2024, "Jumping Ahead:
// Improving Reconstruction Fidelity with JumpReLU Sparse Autoencoders".
// Forward and backward side by side; B rows, d inputs, h latents:
//
//	xc   [B,d] = x - b_dec                 as for topk (topk.go)
//	pre  [B,h] = xc·W_enc + b_enc
//	a_ij = pre_ij · H(pre_ij - θ_j)         kept where pre_ij > θ_j (a selection)
//	x̂_i  = b_dec + Σ_{j kept} a_ij W_dec[j,:]
//	L    = norm Σ_i 1/2 ||x̂_i - t_i||²  +  λ norm Σ_ij H(pre_ij - θ_j)
//
// Backward, with dz_i = dL/dx̂_i and g_ij = dz_i · W_dec[j,:] = dL/da_ij:
//
//	db_dec, dW_dec, dW_enc, db_enc   as for topk, over the kept entries:
//	                                 da_ij/dpre_ij = 1 there, and the L0
//	                                 term gives pre no gradient
//	dθ_j = Σ_i K((pre_ij - θ_j)/ε) · (-(θ_j/ε) g_ij - λ norm/ε)
//
// The last line is the straight-through estimator: the jump's derivative
// in θ is replaced by pseudo-derivatives through the rectangle kernel
// K(u) = 1 for |u| < 1/2, else 0, of bandwidth ε,
//
//	∂a_ij/∂θ_j          := -(θ_j/ε) K((pre_ij - θ_j)/ε)
//	∂H(pre_ij - θ_j)/∂θ_j := -(1/ε) K((pre_ij - θ_j)/ε)
//
// so a threshold moves by the pre-activations within ε/2 of it: up where
// the L0 term outweighs what those latents add to the reconstruction.
// θ is trained directly (not its logarithm: the log's relative steps are
// too slow for runs of a few thousand steps) and kept >= 0 after each step.

import "github.com/sae-go/sae/internal/kernels"

// jumpInitThreshold is every θ_j's starting value (the paper's).
const jumpInitThreshold = 0.001

// jumpWork holds the entries of a batch within ε/2 of their latent's
// threshold: index i*h + j.
type jumpWork struct {
	near []int
}

// jumpForwardBackward is forwardBackward for a jumprelu code (one layer,
// mse): the objective above, its gradient accumulated into w.grad.
func (n *net[T]) jumpForwardBackward(w *workspace[T], x, target []T, rows int, norm T, pen penalty) lossParts {
	d, h := n.d, n.h
	sw := &w.sel
	pre := n.preActivations(w, x, rows)
	selectAbove(&sw.main, pre, rows, h, n.thr)
	eps := T(pen.bandwidth)
	near := w.jump.near[:0]
	if eps > 0 {
		half := eps / 2
		for i := 0; i < rows; i++ {
			for j, v := range pre[i*h : (i+1)*h] {
				if u := v - n.thr[j]; u > -half && u < half {
					near = append(near, i*h+j)
				}
			}
		}
	}
	w.jump.near = near

	z := w.z[:rows*d]
	n.decodeSelected(&sw.main, rows, z, n.bDec)
	var lp lossParts
	dz := w.dz[:rows*d]
	rec := mseOutputGrad(z, target[:rows*d], dz, norm)
	if pen.trim > 0 {
		rec = trimRows(w, rec, z, target, dz, rows, d, pen.trim, n.loss)
	}
	lp.recon = rec * float64(norm)
	lam := T(pen.l0) * norm
	lp.sparsity = float64(lam) * float64(sw.main.entries(rows))

	g := w.grad
	D := &n.dec[0]
	kernels.ColSums(w.colTmp[:d], dz, rows)
	kernels.Axpy(1, w.colTmp[:d], g[D.gb:D.gb+d])
	n.backSelected(&sw.main, dz, rows, g)
	if eps > 0 {
		gt := g[n.thrOff : n.thrOff+h]
		for _, e := range near {
			i, j := e/h, e%h
			gij := dot(dz[i*d:(i+1)*d], n.wDec[j*d:(j+1)*d])
			gt[j] -= (n.thr[j]*gij + lam) / eps
		}
	}
	n.encoderBackSelected(sw, sw.xc, rows, g, &sw.main)
	return lp
}

// clampThresholds keeps jumprelu's thresholds >= 0 (after a step).
func clampThresholds(thr []float32) {
	for j, v := range thr {
		if v < 0 {
			thr[j] = 0
		}
	}
}
