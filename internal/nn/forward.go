package nn

import (
	"github.com/sae-go/sae/internal/kernels"
)

// The network's passes. Encode, Decode, Reconstruct and ReconLoss serve
// inference and evaluation; ForwardBackward is a training step's forward
// and backward pass. Each dispatches to the kind's code (kind.go), and the
// penalty kinds' code is the dense autoencoder below (denseCode).

// Parts is the objective split into its terms, each already scaled.
type Parts struct {
	Recon, Sparsity, Contractive, Decay, Aux float64
}

// Total is the objective.
func (l Parts) Total() float64 {
	return l.Recon + l.Sparsity + l.Contractive + l.Decay + l.Aux
}

// Encode returns the codes [rows,h] of x [rows,d] by the kind's inference
// rule (a variational model's code is its mean). The slice is w's.
func (n *Net[T]) Encode(w *Workspace[T], x []T, rows int) []T {
	w.ensure(n, rows)
	return n.code.encode(n, w, x, rows)
}

// Decode writes the reconstructions x̂ [rows,d] of codes [rows,h] into dst.
func (n *Net[T]) Decode(w *Workspace[T], codes []T, rows int, dst []T) {
	w.ensure(n, rows)
	if n.loss == BCE {
		n.decodeWith(w, codes, rows, w.z[:rows*n.O], dst)
	} else {
		n.decodeWith(w, codes, rows, dst, nil)
	}
}

// Reconstruct writes the reconstructions x̂ [rows,d] of x [rows,d] into
// dst (a kind with its own code decodes from its few active latents; a
// transcoder's are its predictions [rows,Out], with the skip).
func (n *Net[T]) Reconstruct(w *Workspace[T], x []T, rows int, dst []T) {
	w.ensure(n, rows)
	codes := n.code.encode(n, w, x, rows)
	if n.loss == BCE {
		n.code.decode(n, w, codes, rows, w.z[:rows*n.O], dst)
	} else {
		n.code.decode(n, w, codes, rows, dst, nil)
		n.skipForward(x, rows, dst)
	}
}

// ReconLoss returns the summed reconstruction loss of rows x against
// target (no gradient), leaving the code in w (Workspace.Code) and the
// reconstruction (Workspace.Output).
func (n *Net[T]) ReconLoss(w *Workspace[T], x, target []T, rows int) float64 {
	w.ensure(n, rows)
	z := w.z[:rows*n.O]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*n.O]
	}
	codes := n.code.encode(n, w, x, rows)
	n.code.decode(n, w, codes, rows, z, xhat)
	n.skipForward(x, rows, z)
	return lossValue(n.loss, z, target[:rows*n.O])
}

// ForwardBackward runs x [rows,d] forward and accumulates into w's
// gradient the gradient of norm * (sum over rows of the reconstruction
// loss and the kind's per-row terms) + the kind's batch terms (KL). target
// is the reconstruction target (x itself for a plain autoencoder, the
// clean rows for a denoising one).
//
// norm is 1/B for a mini-batch and 1/N for one chunk of a full-batch pass
// over N rows. rates, when non-nil, are the latents' mean rates over all N
// rows (computed by a first pass: FullGrad); when nil a penalty on rates
// takes them from this batch and charges its value here. The caller
// clears the gradient once per step (the optimisers leave it zeroed) and
// adds weight decay.
func (n *Net[T]) ForwardBackward(w *Workspace[T], x, target []T, rows int, norm T, t *Terms, rates []T) Parts {
	w.ensure(n, rows)
	w.ensureGrad(n)
	if n.wSkip == nil {
		return n.code.forwardBackward(n, w, x, target, rows, norm, t, rates)
	}
	return n.skipForwardBackward(w, x, target, rows, norm, t, rates)
}

// Active is the number of active latents (|a| > ActiveEps, or kept by the
// kind's own code) in the rows of the last ForwardBackward.
func (n *Net[T]) Active(w *Workspace[T], rows int) int { return n.code.active(n, w, rows) }

// ActiveEps is the magnitude above which a latent counts as active.
const ActiveEps = 1e-6

// denseCode is the code of the penalty kinds: the plain (deep, tied,
// contractive, variational) autoencoder, with the kind's penalty on the
// code (nil: none).
type denseCode[T Float] struct{ pen penalty[T] }

// encode runs the encoder on x [rows,d], leaving each layer's output in
// w.encA; it returns the code [rows,h].
//
// For a variational model the code is the mean: the last layer's
// [mean | log-variance] rows stay in w.encA[k-1] and the means are copied
// to w.a.
func (denseCode[T]) encode(n *Net[T], w *Workspace[T], x []T, rows int) []T {
	in := x
	k := n.Depth()
	for l := range n.enc {
		L := &n.enc[l]
		out := w.encA[l][:rows*L.out]
		L.forward(in, rows, out)
		if n.vae && l == k-1 {
			kernels.AddRows(out, rows, L.b)
			code := w.a[:rows*n.H]
			for i := 0; i < rows; i++ {
				copy(code[i*n.H:(i+1)*n.H], out[i*2*n.H:i*2*n.H+n.H])
			}
			return code
		}
		biasActivate(n.act, out, rows, L.b)
		in = out
	}
	return in
}

func (denseCode[T]) decode(n *Net[T], w *Workspace[T], code []T, rows int, z, xhat []T) {
	n.decodeWith(w, code, rows, z, xhat)
}

// decodeWith runs the decoder on the code [rows,h] using w's hidden
// buffers: z is the last layer's output and, for bce, xhat = sigmoid(z)
// (for mse x̂ is z itself and xhat may be nil).
func (n *Net[T]) decodeWith(w *Workspace[T], code []T, rows int, z, xhat []T) {
	in := code
	k := n.Depth()
	for m := 0; m < k-1; m++ {
		L := &n.dec[m]
		out := w.decA[m][:rows*L.out]
		L.forward(in, rows, out)
		biasActivate(n.act, out, rows, L.b)
		in = out
	}
	L := &n.dec[k-1]
	L.forward(in, rows, z)
	kernels.AddRows(z, rows, L.b)
	if n.loss == BCE {
		for i, v := range z[:rows*n.O] {
			xhat[i] = sigmoid(v)
		}
	}
}

func (c denseCode[T]) active(n *Net[T], w *Workspace[T], rows int) int {
	active := 0
	for _, v := range w.a[:rows*n.H] {
		if v > ActiveEps || v < -ActiveEps {
			active++
		}
	}
	return active
}

func (c denseCode[T]) forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, rates []T) Parts {
	d, h, k := n.O, n.H, n.Depth()
	z := w.z[:rows*d]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*d]
	}
	// Forward.
	code := c.encode(n, w, x, rows)
	dec := code
	if n.vae {
		dec = n.sample(w, rows)
	}
	n.decodeWith(w, dec, rows, z, xhat)

	// Reconstruction loss and dL/dz [rows,d].
	var lp Parts
	dz := w.dz[:rows*d]
	target = target[:rows*d]
	rec := outputGrad(n.loss, z, xhat, target, dz, norm)
	if t.Trim > 0 {
		rec = trimRows(w, rec, z, target, dz, rows, d, t.Trim, n.loss)
	}
	lp.Recon = rec * float64(norm)

	// Decoder, from the output back to the code.
	g := w.grad
	dcur := dz
	for m := k - 1; m >= 0; m-- {
		L := &n.dec[m]
		in := dec
		if m > 0 {
			in = w.decA[m-1][:rows*L.in]
		}
		dx := w.da[:rows*h]
		if m > 0 {
			dx = w.other(dcur, rows*L.in)
		}
		L.backward(in, dcur, rows, g, dx, w.colTmp)
		if m > 0 {
			activationBackward(n.act, in, dx)
		}
		dcur = dx
	}

	da := w.da[:rows*h]
	if n.vae {
		// Gaussian code: through the sampling to [mean | log-variance],
		// plus the KL term; then the encoder from its last layer.
		lp.Sparsity = n.vaeBackward(w, da, rows, norm)
		n.encoderBackward(w, x, w.dvae[:rows*2*h], rows, g, norm, t.Contractive, &lp)
		return lp
	}
	// The penalty on the code, then through the code's activation.
	if c.pen != nil && t.Sparse {
		lp.Sparsity = c.pen.backward(n, w, code, da, rows, norm, t, rates)
	}
	if t.Contractive > 0 {
		L := &n.enc[k-1]
		lp.Contractive += contractiveForwardBackward(n.act, L.w, L.in, L.out, code, da, g[L.gw:L.gw+L.in*L.out], rows, T(t.Contractive)*norm, w.cs, w.cg)
	}
	activationBackward(n.act, code, da)

	n.encoderBackward(w, x, da, rows, g, norm, t.Contractive, &lp)
	return lp
}

// encoderBackward backpropagates dcode, the gradient at the last encoder
// layer's pre-activation output, through the encoder into g, with the
// contractive penalty of coefficient contract on each hidden layer.
func (n *Net[T]) encoderBackward(w *Workspace[T], x, dcode []T, rows int, g []T, norm T, contract float64, lp *Parts) {
	k := n.Depth()
	dcur := dcode
	for l := k - 1; l >= 0; l-- {
		L := &n.enc[l]
		in := x
		if l > 0 {
			in = w.encA[l-1][:rows*L.in]
		}
		var dx []T
		if l > 0 {
			dx = w.other(dcur, rows*L.in)
		}
		L.backward(in, dcur, rows, g, dx, w.colTmp)
		if l > 0 {
			if contract > 0 {
				P := &n.enc[l-1]
				lp.Contractive += contractiveForwardBackward(n.act, P.w, P.in, P.out, in, dx, g[P.gw:P.gw+P.in*P.out], rows, T(contract)*norm, w.cs, w.cg)
			}
			activationBackward(n.act, in, dx)
			dcur = dx
		}
	}
}

func (c denseCode[T]) stats(n *Net[T], t *Terms) stats[T] {
	if c.pen == nil || !t.Sparse {
		return nil
	}
	return c.pen.stats(n, t)
}

func (denseCode[T]) afterStep(*Net[T], *Workspace[T], int, *State) {}

// AfterStep does the kind's bookkeeping after an optimiser step on the
// rows rows of the last ForwardBackward (batchtopk's threshold, jumprelu's
// clamp), with st the kind's training state.
func (n *Net[T]) AfterStep(w *Workspace[T], rows int, st *State) { n.code.afterStep(n, w, rows, st) }

// Act is the hidden activation.
func (n *Net[T]) Act() Act { return n.act }
