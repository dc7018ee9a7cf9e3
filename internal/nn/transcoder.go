package nn

import "github.com/sae-go/sae/internal/kernels"

// Transcoders (Spec.Out > 0): the code of the input x [B,d] predicts
// another array, its target y [B,o], after Dunefsky, Chlenski and Nanda
// 2024, "Transcoders Find Interpretable LLM Feature Circuits". Every kind
// trains one: the network is the kind's one-layer dictionary with a
// decoder of o columns (W_dec [h,o], b_dec [o]) whose encoder reads x as
// it is (b_dec lives in the target's space, so nothing centres x), and
// the kind's objective with y in place of x as the reconstruction target.
// Spec.Skip adds a linear skip from x to y:
//
//	ŷ_i = decode(a_i) + x_i·W_skip          W_skip [d,o], starting at 0
//
// The skip enters every term that compares a prediction with y exactly as
// b_dec does, as a per-row offset: the kind's objective with the target
// y' = y - x·W_skip is the objective with the skip, and with δ_i the
// gradient at ŷ_i summed over those terms (Workspace.outGrad; dz when a
// kind has one such term),
//
//	dW_skip += x^T·δ                        one GEMM
//
// AuxK, which reconstructs the residual y' - ŷ held constant, gives it no
// gradient; gated's auxiliary reconstruction through the frozen decoder
// compares with y' too, and the skip learns from it as from the main
// reconstruction (it is not part of the frozen copy).

// skipForward adds x·W_skip to z [rows,O] (nothing without a skip).
func (n *Net[T]) skipForward(x []T, rows int, z []T) {
	if n.wSkip == nil {
		return
	}
	kernels.GemmN(n.nt, false, false, rows, n.O, n.D, 1, x, n.D, n.wSkip, n.O, 1, z, n.O)
}

// skipForwardBackward is ForwardBackward of a transcoder with a skip: the
// kind's step on the target y - x·W_skip, then W_skip's gradient.
func (n *Net[T]) skipForwardBackward(w *Workspace[T], x, target []T, rows int, norm T, t *Terms, rates []T) Parts {
	o := n.O
	w.skipT = grow(w.skipT, rows*o)
	yt := w.skipT
	copy(yt, target[:rows*o])
	kernels.GemmN(n.nt, false, false, rows, o, n.D, -1, x, n.D, n.wSkip, o, 1, yt, o)
	w.outGrad = nil
	lp := n.code.forwardBackward(n, w, x, yt, rows, norm, t, rates)
	delta := w.outGrad
	if delta == nil {
		delta = w.dz[:rows*o]
	}
	kernels.GemmN(n.nt, true, false, n.D, o, rows, 1, x, n.D, delta, o, 1, w.grad[n.skipAt:n.skipAt+n.D*o], o)
	return lp
}

// Transcoder reports whether the network is a transcoder (Spec.Out > 0).
func (n *Net[T]) Transcoder() bool { return n.trans }
