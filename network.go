package sae

import (
	"math"
	"math/rand/v2"

	"github.com/sae-go/sae/internal/kernels"
)

// net is the one-hidden-layer autoencoder, generic so that the float64
// instantiation can check the float32 one's gradients.
//
// Shapes (B rows in a batch, d inputs, h latents), all row-major:
//
//	x     [B,d]   input
//	W_enc [d,h]   encoder weights      b_enc [h]
//	a     [B,h]   code = act(x·W_enc + b_enc)
//	W_dec [h,d]   decoder weights      b_dec [d]   (tied: W_dec = W_enc^T)
//	z     [B,d]   a·W_dec + b_dec;  x̂ = z (mse) or sigmoid(z) (bce)
//
// All parameters live in one flat slice so optimisers see one vector.
type net[T kernels.Float] struct {
	d, h   int
	act    Activation
	loss   Loss
	tied   bool
	params []T
	segs   []paramSegment
	wEnc   []T
	bEnc   []T
	wDec   []T // nil when tied
	bDec   []T
}

// paramSegment describes one tensor inside the flat parameter vector.
type paramSegment struct {
	name   string
	off    int
	shape  []int
	weight bool // subject to weight decay
}

func layout(d, h int, tied bool) ([]paramSegment, int) {
	var segs []paramSegment
	off := 0
	add := func(name string, weight bool, shape ...int) {
		segs = append(segs, paramSegment{name: name, off: off, shape: shape, weight: weight})
		n := 1
		for _, s := range shape {
			n *= s
		}
		off += n
	}
	add("W_enc", true, d, h)
	add("b_enc", false, h)
	if !tied {
		add("W_dec", true, h, d)
	}
	add("b_dec", false, d)
	return segs, off
}

func (s paramSegment) size() int {
	n := 1
	for _, v := range s.shape {
		n *= v
	}
	return n
}

func newNet[T kernels.Float](d, h int, act Activation, loss Loss, tied bool) *net[T] {
	segs, total := layout(d, h, tied)
	n := &net[T]{d: d, h: h, act: act, loss: loss, tied: tied, params: make([]T, total), segs: segs}
	n.bind(segs)
	return n
}

func (n *net[T]) bind(segs []paramSegment) {
	for _, s := range segs {
		v := n.params[s.off : s.off+s.size()]
		switch s.name {
		case "W_enc":
			n.wEnc = v
		case "b_enc":
			n.bEnc = v
		case "W_dec":
			n.wDec = v
		case "b_dec":
			n.bDec = v
		}
	}
}

func (n *net[T]) segments() []paramSegment { return n.segs }

// init draws weights uniformly in ±sqrt(6/(fan_in+fan_out+1)) (the classic
// sparse-autoencoder initialisation) and sets biases to zero; with mean
// non-nil, b_dec starts at the data mean so training starts from the
// best constant reconstruction.
func (n *net[T]) init(rng *rand.Rand, mean []float32) {
	r := math.Sqrt(6 / float64(n.d+n.h+1))
	for i := range n.wEnc {
		n.wEnc[i] = T((2*rng.Float64() - 1) * r)
	}
	for i := range n.wDec {
		n.wDec[i] = T((2*rng.Float64() - 1) * r)
	}
	clear(n.bEnc)
	clear(n.bDec)
	if mean != nil && n.loss == MSE {
		for i, v := range mean {
			n.bDec[i] = T(v)
		}
	}
}

// workspace holds the per-batch buffers of forward and backward; it grows to
// the largest batch seen and is reused, so steady-state steps allocate nothing.
type workspace[T kernels.Float] struct {
	rows   int
	a      []T // [B,h] code
	z      []T // [B,d] output pre-activation (bce) / output (mse)
	xhat   []T // [B,d] reconstruction (aliases z for mse)
	dz     []T // [B,d]
	da     []T // [B,h]
	rhoHat []T // [h] batch firing rates
	klCoef []T // [h]
	grad   []T // [params]
	colTmp []T // [max(d,h)]
}

func (w *workspace[T]) ensure(n *net[T], rows int) {
	if len(w.grad) != len(n.params) {
		w.grad = make([]T, len(n.params))
		w.rhoHat = make([]T, n.h)
		w.klCoef = make([]T, n.h)
		w.colTmp = make([]T, max(n.d, n.h))
		w.rows = 0
	}
	if rows <= w.rows {
		return
	}
	w.rows = rows
	w.a = make([]T, rows*n.h)
	w.z = make([]T, rows*n.d)
	w.dz = make([]T, rows*n.d)
	w.da = make([]T, rows*n.h)
	if n.loss == BCE {
		w.xhat = make([]T, rows*n.d)
	} else {
		w.xhat = nil
	}
}

// encode computes a = act(x·W_enc + b_enc) for the rows x [rows,d] into a.
func (n *net[T]) encode(x []T, rows int, a []T) {
	kernels.Gemm(false, false, rows, n.h, n.d, 1, x, n.d, n.wEnc, n.h, 0, a, n.h)
	biasActivate(n.act, a, rows, n.bEnc)
}

// decode computes z = a·W_dec + b_dec, and x̂ = sigmoid(z) into xhat for
// bce (for mse x̂ is z itself and xhat may be nil).
func (n *net[T]) decode(a []T, rows int, z, xhat []T) {
	if n.tied {
		kernels.Gemm(false, true, rows, n.d, n.h, 1, a, n.h, n.wEnc, n.h, 0, z, n.d)
	} else {
		kernels.Gemm(false, false, rows, n.d, n.h, 1, a, n.h, n.wDec, n.d, 0, z, n.d)
	}
	kernels.AddRows(z, rows, n.bDec)
	if n.loss == BCE {
		for i, v := range z[:rows*n.d] {
			xhat[i] = sigmoid(v)
		}
	}
}

// penalty says which terms the objective includes.
type penalty struct {
	sparsity Sparsity
	l1       float64
	rho      float64
	beta     float64
}

// lossParts is the objective split into its terms, each already scaled.
type lossParts struct {
	recon, sparsity, decay float64
}

func (l lossParts) total() float64 { return l.recon + l.sparsity + l.decay }

// forwardBackward runs x [rows,d] forward and accumulates into w.grad the
// gradient of norm * (sum over rows of the reconstruction loss and the L1
// term) + the KL term. target is the reconstruction target (x itself for a
// plain autoencoder).
//
// norm is 1/B for a mini-batch and 1/N for one chunk of a full-batch pass
// over N rows. rhoHat, when non-nil, is the latents' mean activation over
// all N rows (computed by a first pass); when nil it is computed from this
// batch and the KL term is charged here. The caller clears w.grad and adds
// weight decay (addDecay) once per step.
func (n *net[T]) forwardBackward(w *workspace[T], x, target []T, rows int, norm T, pen penalty, rhoHat []T) lossParts {
	w.ensure(n, rows)
	d, h := n.d, n.h
	a := w.a[:rows*h]
	z := w.z[:rows*d]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*d]
	}
	// Forward.
	n.encode(x, rows, a)
	n.decode(a, rows, z, xhat)

	// Reconstruction loss and dL/dz [rows,d].
	var lp lossParts
	dz := w.dz[:rows*d]
	target = target[:rows*d]
	var rec float64
	if n.loss == BCE {
		for i, zi := range z {
			t := target[i]
			rec += float64(softplus(zi) - t*zi)
			dz[i] = (xhat[i] - t) * norm
		}
	} else {
		for i, zi := range z {
			e := zi - target[i]
			rec += float64(e * e)
			dz[i] = e * norm
		}
		rec *= 0.5
	}
	lp.recon = rec * float64(norm)

	// Decoder gradients.
	g := w.grad
	segs := n.segments()
	gbDec := g[segs[len(segs)-1].off:][:d]
	kernels.ColSums(w.colTmp[:d], dz, rows)
	kernels.Axpy(1, w.colTmp[:d], gbDec)
	gwEnc := g[segs[0].off:][:d*h]
	da := w.da[:rows*h]
	if n.tied {
		// x̂ = a·W_enc^T: dW_enc += dz^T·a [d,h]; da = dz·W_enc.
		kernels.Gemm(true, false, d, h, rows, 1, dz, d, a, h, 1, gwEnc, h)
		kernels.Gemm(false, false, rows, h, d, 1, dz, d, n.wEnc, h, 0, da, h)
	} else {
		gwDec := g[segs[2].off:][:h*d]
		// dW_dec += a^T·dz [h,d]; da = dz·W_dec^T [rows,h].
		kernels.Gemm(true, false, h, d, rows, 1, a, h, dz, d, 1, gwDec, d)
		kernels.Gemm(false, true, rows, h, d, 1, dz, d, n.wDec, d, 0, da, h)
	}

	// Sparsity terms on the code.
	lp.sparsity = sparsityForwardBackward(n.act, a, da, rows, h, norm, pen, rhoHat, w.rhoHat, w.klCoef)

	// Through the activation: dpre = da * act'(a), reusing da.
	activationBackward(n.act, a, da)

	// Encoder gradients: dW_enc += x^T·dpre [d,h]; db_enc += colsum(dpre).
	kernels.Gemm(true, false, d, h, rows, 1, x, d, da, h, 1, gwEnc, h)
	gbEnc := g[segs[1].off:][:h]
	kernels.ColSums(w.colTmp[:h], da, rows)
	kernels.Axpy(1, w.colTmp[:h], gbEnc)
	return lp
}

// addDecay adds lambda/2 * ||W||^2 over the weight matrices to the objective
// and lambda * W to grad; it returns the added loss.
func (n *net[T]) addDecay(grad []T, lambda float64) float64 {
	if lambda == 0 {
		return 0
	}
	var s float64
	for _, seg := range n.segments() {
		if !seg.weight {
			continue
		}
		p := n.params[seg.off : seg.off+seg.size()]
		s += kernels.SumSq(p)
		kernels.Axpy(T(lambda), p, grad[seg.off:seg.off+seg.size()])
	}
	return 0.5 * lambda * s
}

// reconLoss returns the summed reconstruction loss of rows x against target
// (no gradient), using w's buffers.
func (n *net[T]) reconLoss(w *workspace[T], x, target []T, rows int) float64 {
	w.ensure(n, rows)
	a, z := w.a[:rows*n.h], w.z[:rows*n.d]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*n.d]
	}
	n.encode(x, rows, a)
	n.decode(a, rows, z, xhat)
	var rec float64
	if n.loss == BCE {
		for i, zi := range z {
			rec += float64(softplus(zi) - target[i]*zi)
		}
		return rec
	}
	for i, zi := range z {
		e := float64(zi - target[i])
		rec += e * e
	}
	return 0.5 * rec
}

func sigmoid[T kernels.Float](v T) T {
	return T(1 / (1 + math.Exp(-float64(v))))
}

// softplus(z) = log(1 + e^z), computed without overflow.
func softplus[T kernels.Float](z T) T {
	f := float64(z)
	return T(math.Max(f, 0) + math.Log1p(math.Exp(-math.Abs(f))))
}
