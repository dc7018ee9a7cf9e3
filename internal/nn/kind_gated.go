package nn

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// gated: which latents fire and how strongly are decided by two paths
// that share the encoder's weights, after Rajamanoharan et al. 2024,
// "Improving Dictionary Learning with Gated Sparse Autoencoders". The
// sparsity penalty acts on the gate alone, so it does not shrink the
// magnitudes. The tensors: W_gate = W_enc, b_gate = b_enc, and r_mag [h],
// b_mag [h] (the magnitude path's weights are W_enc·exp(r_mag), per
// column). Forward and backward side by side; B rows, d inputs, h
// latents:
//
//	xc    [B,d] = x - b_dec                        as for topk (select.go)
//	π_g   [B,h] = xc·W_enc + b_enc                 the gate's pre-activations
//	π_m_ij      = e_j (π_g_ij - b_enc_j) + b_mag_j e_j = exp(r_mag_j): xc·W_enc·diag(e) + b_mag
//	f_ij        = 1[π_g_ij > 0] relu(π_m_ij)       the code (a selection: both > 0)
//	x̂_i         = b_dec + Σ_j f_ij W_dec[j,:]
//	L = norm Σ_i 1/2 ||x̂_i - t_i||²                                   reconstruction
//	  + λ norm Σ_ij relu(π_g_ij) r_j                                   sparsity (Parts.Sparsity)
//	  + norm Σ_i 1/2 ||b̄_dec + Σ_j relu(π_g_ij) W̄_dec[j,:] - t_i||²   auxiliary (Parts.Aux)
//
// λ is Config.L1 (the coefficient Config.TargetL0 tunes), r_j the norm of
// decoder row j (1 with the unit-norm decoder these dictionaries keep),
// and W̄_dec, b̄_dec, r_j a frozen copy of the decoder: the last two terms
// give the decoder no gradient, as published (the gate's own centring by
// b_dec is the encoder's input and is not frozen). Without the auxiliary
// term nothing would teach the gate: the step 1[π_g > 0] has no gradient. Backward, with g_ij = dz_i · W_dec[j,:]
// on the kept entries and u_ij = relu(π_g_ij) on the open gates:
//
//	dW_dec[j,:] += f_ij dz_i;  db_dec += Σ_i dz_i          reconstruction only
//	dπ_m_ij = g_ij:  db_mag_j += g_ij;  dr_mag_j += g_ij (π_m_ij - b_mag_j)
//	dπ_g_ij = λ norm r_j + de_i · W̄_dec[j,:],  de_i = norm (ê_i - t_i)
//	db_enc_j += Σ_i dπ_g_ij;  dW_enc[:,j] += Σ_i xc_i (e_j g_ij + dπ_g_ij)
//	db_dec   -= W_enc · Σ_i (e_j g_ij + dπ_g_ij)         the centring
//
// The full-data objective, and so the validation loss, is the
// reconstruction's alone.
type gatedKind struct{ kindBase }

func (gatedKind) Name() string { return "gated" }

func (gatedKind) Summary() string {
	return "gate and magnitude paths sharing the encoder, an L1 penalty Config.L1 on the gate"
}

func (gatedKind) Traits() Traits { return Traits{Code: true, Resample: true} }

func (gatedKind) Fields() []string { return []string{"L1", "TargetL0", "DeadWindow", "Resample"} }

// Resolve: the dictionary's defaults (dictionaryDefaults) and scaling
// (dictionaryScaling).
func (gatedKind) Resolve(p *Params, d int) {
	dictionaryDefaults(p)
	dictionaryScaling(p, d)
}

func (k gatedKind) Validate(p *Params, bad func(field, format string, args ...any)) {
	dictionaryValidate(k.Name(), p, bad)
	if p.TargetL0 > 0 && !(p.L1 > 0) {
		bad("TargetL0", "tunes Config.L1 from its value, which must be > 0 (got %g)", p.L1)
	}
}

func (gatedKind) Target(p *Params) Target { return Target{Field: "L1", Coef: &p.L1, Sign: 1} }

func (gatedKind) Tensors(h int) []Tensor {
	return []Tensor{{Name: "r_mag", Shape: []int{h}, Latent: true}, {Name: "b_mag", Shape: []int{h}, Latent: true}}
}

func (k gatedKind) Describe(*Params) string { return k.Name() }
func (gatedKind) code32() code[float32]     { return gatedCode[float32]{} }
func (gatedKind) code64() code[float64]     { return gatedCode[float64]{} }

type gatedCode[T Float] struct{ selectCode[T] }

// gatedWork holds a step's open gates (values relu(π_g)), the frozen
// decoder's row norms, the auxiliary reconstruction [B,d] and per-latent
// sums.
type gatedWork[T Float] struct {
	gate         selection[T]
	norms, e     []T
	eh           []T
	bias, centre []T
}

// gates selects the entries of pre [rows,h] with an open gate into gate
// (nil: not kept) and those with a positive magnitude too into main, with
// their magnitudes π_m.
func (n *Net[T]) gates(pre []T, rows int, main, gate *selection[T]) {
	h := n.H
	rMag, bMag := n.kt[0], n.kt[1]
	main.reset(rows)
	if gate != nil {
		gate.reset(rows)
	}
	for i := 0; i < rows; i++ {
		for j, v := range pre[i*h : (i+1)*h] {
			if !(v > 0) {
				continue
			}
			if gate != nil {
				gate.idx, gate.val = append(gate.idx, int32(j)), append(gate.val, v)
			}
			if m := expT(rMag[j])*(v-n.bEnc[j]) + bMag[j]; m > 0 {
				main.idx, main.val = append(main.idx, int32(j)), append(main.val, m)
			}
		}
		main.ptr[i+1] = int32(len(main.idx))
		if gate != nil {
			gate.ptr[i+1] = int32(len(gate.idx))
		}
	}
}

func (gatedCode[T]) encode(n *Net[T], w *Workspace[T], x []T, rows int) []T {
	pre := n.preActivations(w, x, rows)
	n.gates(pre, rows, &w.sel.main, nil)
	return n.scatter(&w.sel.main, pre, rows)
}

// frozenDecoder is the decoder the sparsity and auxiliary terms read: the
// current one, or the copy a gradient check holds fixed (t.frozenDecoder,
// W_dec then b_dec, float64 only).
func frozenDecoder[T Float](n *Net[T], t *Terms) (W, b []T) {
	if t.frozenDecoder != nil {
		f := any(t.frozenDecoder).([]T)
		return f[:n.H*n.O], f[n.H*n.O:]
	}
	return n.wDec, n.bDec
}

// forwardBackward: the objective above, its gradient accumulated into
// w.grad. Without t.Sparse (fine-tuning) λ is 0; the auxiliary term stays.
func (gatedCode[T]) forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, _ []T) Parts {
	d, h := n.O, n.H
	sw := &w.sel
	gw := kindScratch(w, func() *gatedWork[T] { return &gatedWork[T]{} })
	pre := n.preActivations(w, x, rows)
	n.gates(pre, rows, &sw.main, &gw.gate)

	// Reconstruction, then the magnitude path's gradients.
	z := w.z[:rows*d]
	n.decodeSelected(&sw.main, rows, z, n.bDec)
	lp, dz := n.selectOutputGrad(w, z, target, rows, norm, t)
	g := w.grad
	n.backSelected(&sw.main, dz, rows, g)
	gw.e, gw.bias, gw.centre = grow(gw.e, h), grow(gw.bias, h), grow(gw.centre, h)
	clear(gw.bias)
	clear(gw.centre)
	for j, r := range n.kt[0] {
		gw.e[j] = expT(r)
	}
	gr, gb := g[n.ktOff[0]:n.ktOff[0]+h], g[n.ktOff[1]:n.ktOff[1]+h]
	for e, j := range sw.main.idx[:sw.main.entries(rows)] {
		gij := sw.main.grad[e]
		gb[j] += gij
		gr[j] += gij * (sw.main.val[e] - n.kt[1][j])
		sw.main.grad[e] = gij * gw.e[j] // now the gradient at xc·W_enc[:,j]
		gw.centre[j] += sw.main.grad[e]
	}

	// The gate: the sparsity and auxiliary terms, on the frozen decoder.
	fW, fb := frozenDecoder(n, t)
	gw.norms = grow(gw.norms, h)
	kernels.RowNorms(gw.norms, fW, d)
	var lam T
	if t.Sparse {
		lam = T(t.L1) * norm
	}
	gate := &gw.gate
	gw.eh = grow(gw.eh, rows*d)
	n.decodeSelectedW(gate, rows, gw.eh, fb, fW)
	var aux float64
	for i, v := range gw.eh {
		e := v - target[i]
		aux += float64(e * e)
		gw.eh[i] = e * norm
	}
	lp.Aux = 0.5 * aux * float64(norm)
	gate.grad = grow(gate.grad, gate.entries(rows))
	for i := 0; i < rows; i++ {
		de := gw.eh[i*d : (i+1)*d]
		for e := gate.ptr[i]; e < gate.ptr[i+1]; e++ {
			j := int(gate.idx[e])
			sp := lam * gw.norms[j]
			lp.Sparsity += float64(sp * gate.val[e])
			gate.grad[e] = sp + dot(de, fW[j*d:(j+1)*d])
			gw.bias[j] += gate.grad[e]
			gw.centre[j] += gate.grad[e]
		}
	}

	if n.wSkip != nil {
		// A transcoder's skip takes part in both reconstructions
		// (transcoder.go): its gradient is x^T·(dz + de).
		kernels.Axpy(1, dz, gw.eh)
		w.outGrad = gw.eh
	}
	gate.byLatent(rows, h) // sw.main is grouped by backSelected
	n.gradSums(sw, rows, &sw.main, gate)
	n.encoderBiasBack(g, gw.bias, gw.centre)
	n.encoderWeightBack(sw, sw.xc, rows, g, &sw.main, gate)
	return lp
}

func expT[T Float](v T) T { return T(math.Exp(float64(v))) }
