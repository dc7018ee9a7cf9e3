package sae

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sae-go/sae/internal/kernels"
)

// net is the autoencoder: k dense encoder layers down to the code and k
// mirrored decoder layers back to the input. It is generic so that the
// float64 instantiation can check the float32 one's gradients.
//
// Shapes (B rows in a batch, widths sizes = [d, h1, ..., hk], hk = h the
// code width), all row-major:
//
//	x      [B,d]         input
//	enc l  W [s_l, s_l+1], b [s_l+1]    a_l+1 = act(a_l·W + b), a_0 = x
//	code   a_k [B,h]     (the sparsity penalty acts here)
//	dec m  W [s_k-m, s_k-m-1], b        u_m+1 = act(u_m·W + b), u_0 = code
//	z      [B,d]         last decoder layer before the output function;
//	                     x̂ = z (mse) or sigmoid(z) (bce)
//
// Tied decoder layers use the mirrored encoder layer's W transposed. All
// parameters live in one flat slice so optimisers see one vector.
type net[T kernels.Float] struct {
	d, h   int
	sizes  []int
	act    Activation
	loss   Loss
	tied   bool
	vae    bool      // variational: the last encoder layer outputs [mean | log-variance]
	code   Sparsity  // topk, batchtopk or jumprelu: the code is a selection (topk.go, jumprelu.go); "" otherwise
	k      int       // active latents per row (topk, batchtopk)
	thr    []T       // [h] per-latent threshold: batchtopk's at inference (not trained by the optimiser), jumprelu's θ (trained)
	thrOff int       // offset of thr in the parameter vector
	head   *dense[T] // softmax head on the code (nil without classes)
	params []T
	segs   []paramSegment
	enc    []dense[T]
	dec    []dense[T]
	// One-layer views (the classic model), used by Weights and the tests.
	wEnc, bEnc, wDec, bDec []T
}

// dense is one layer's view into the parameter vector.
type dense[T kernels.Float] struct {
	in, out int
	w       []T // [in,out]; nil for a tied layer
	tw      []T // tied: the mirrored encoder weight [out,in], used transposed
	b       []T // [out]
	gw, gb  int // offsets of the weight (the tied encoder weight) and bias in the gradient
}

// paramSegment describes one tensor inside the flat parameter vector.
type paramSegment struct {
	name   string
	off    int
	shape  []int
	weight bool // subject to weight decay
}

func (s paramSegment) size() int {
	n := 1
	for _, v := range s.shape {
		n *= v
	}
	return n
}

// segName names layer i's tensor: W_enc, b_enc, W_dec, b_dec for a one-layer
// model (the classic names, and SAELens's), W_enc.i etc. for deep ones.
func segName(base string, i, k int) string {
	if k == 1 {
		return base
	}
	return fmt.Sprintf("%s.%d", base, i)
}

// netSpec is the shape of a network.
type netSpec struct {
	sizes []int // [d, layer widths...]; the last is the code width h
	act   Activation
	loss  Loss
	tied  bool
	// vae makes the last encoder layer a Gaussian one: 2h linear outputs,
	// the mean and the log-variance of the code.
	vae bool
	// classes > 0 adds a softmax head on the code: W_head [h,classes],
	// b_head [classes].
	classes int
	// code is topk or batchtopk for a selection code of k latents per row,
	// jumprelu for one of learned thresholds (one-layer models); batchtopk
	// and jumprelu add the tensor threshold [h].
	code Sparsity
	k    int
}

// layout places the tensors of a network.
func layout(spec netSpec) ([]paramSegment, int) {
	sizes, tied := spec.sizes, spec.tied
	k := len(sizes) - 1
	var segs []paramSegment
	off := 0
	add := func(name string, weight bool, shape ...int) {
		s := paramSegment{name: name, off: off, shape: shape, weight: weight}
		segs = append(segs, s)
		off += s.size()
	}
	for l := 0; l < k; l++ {
		out := sizes[l+1]
		if spec.vae && l == k-1 {
			out *= 2
		}
		add(segName("W_enc", l, k), true, sizes[l], out)
		add(segName("b_enc", l, k), false, out)
	}
	for m := 0; m < k; m++ {
		in, out := sizes[k-m], sizes[k-m-1]
		if !tied {
			add(segName("W_dec", m, k), true, in, out)
		}
		add(segName("b_dec", m, k), false, out)
	}
	if spec.classes > 0 {
		add("W_head", true, sizes[k], spec.classes)
		add("b_head", false, spec.classes)
	}
	if spec.code == SparsityBatchTopK || spec.code == SparsityJumpReLU {
		add("threshold", false, sizes[k])
	}
	return segs, off
}

func newNet[T kernels.Float](spec netSpec) *net[T] {
	segs, total := layout(spec)
	sizes, tied := spec.sizes, spec.tied
	k := len(sizes) - 1
	n := &net[T]{d: sizes[0], h: sizes[k], sizes: append([]int(nil), sizes...), act: spec.act, loss: spec.loss, tied: tied,
		vae: spec.vae, code: spec.code, k: spec.k, params: make([]T, total), segs: segs}
	byName := map[string]paramSegment{}
	for _, s := range segs {
		byName[s.name] = s
	}
	view := func(name string) ([]T, int) {
		s := byName[name]
		return n.params[s.off : s.off+s.size()], s.off
	}
	for l := 0; l < k; l++ {
		L := dense[T]{in: sizes[l], out: sizes[l+1]}
		if spec.vae && l == k-1 {
			L.out *= 2
		}
		L.w, L.gw = view(segName("W_enc", l, k))
		L.b, L.gb = view(segName("b_enc", l, k))
		n.enc = append(n.enc, L)
	}
	for m := 0; m < k; m++ {
		L := dense[T]{in: sizes[k-m], out: sizes[k-m-1]}
		if tied {
			mirror := n.enc[k-1-m]
			L.tw, L.gw = mirror.w, mirror.gw
		} else {
			L.w, L.gw = view(segName("W_dec", m, k))
		}
		L.b, L.gb = view(segName("b_dec", m, k))
		n.dec = append(n.dec, L)
	}
	if spec.classes > 0 {
		H := dense[T]{in: n.h, out: spec.classes}
		H.w, H.gw = view("W_head")
		H.b, H.gb = view("b_head")
		n.head = &H
	}
	if k == 1 {
		n.wEnc, n.bEnc, n.wDec, n.bDec = n.enc[0].w, n.enc[0].b, n.dec[0].w, n.dec[0].b
	}
	if spec.code == SparsityBatchTopK || spec.code == SparsityJumpReLU {
		n.thr, n.thrOff = view("threshold")
	}
	if spec.code == SparsityJumpReLU {
		for j := range n.thr {
			n.thr[j] = jumpInitThreshold
		}
	}
	return n
}

// classes is the number of classes of the softmax head (0 without one).
func (n *net[T]) classes() int {
	if n.head == nil {
		return 0
	}
	return n.head.out
}

func (n *net[T]) segments() []paramSegment { return n.segs }

func (n *net[T]) spec() netSpec {
	return netSpec{sizes: n.sizes, act: n.act, loss: n.loss, tied: n.tied, vae: n.vae, classes: n.classes(), code: n.code, k: n.k}
}

// depth is the number of encoder layers.
func (n *net[T]) depth() int { return len(n.enc) }

// init draws every weight uniformly in ±sqrt(6/(fan_in+fan_out+1)) (the
// classic sparse-autoencoder initialisation) and sets biases to zero; with
// mean non-nil and the mse loss, the output bias starts at the data mean so
// training starts from the best constant reconstruction.
func (n *net[T]) init(rng *rand.Rand, mean []float32) {
	layers := [][]dense[T]{n.enc, n.dec}
	if n.head != nil {
		layers = append(layers, []dense[T]{*n.head})
	}
	for _, ls := range layers {
		for _, L := range ls {
			r := math.Sqrt(6 / float64(L.in+L.out+1))
			for i := range L.w {
				L.w[i] = T((2*rng.Float64() - 1) * r)
			}
			clear(L.b)
		}
	}
	if mean != nil && n.loss == MSE {
		out := n.dec[len(n.dec)-1].b
		for i, v := range mean {
			out[i] = T(v)
		}
	}
}

// forward computes y = x·W + b for rows of x (no activation).
func (L *dense[T]) forward(x []T, rows int, y []T) {
	if L.tw != nil {
		kernels.Gemm(false, true, rows, L.out, L.in, 1, x, L.in, L.tw, L.in, 0, y, L.out)
	} else {
		kernels.Gemm(false, false, rows, L.out, L.in, 1, x, L.in, L.w, L.out, 0, y, L.out)
	}
}

// backward accumulates the layer's gradients for output gradient dy [rows,out]
// and input x [rows,in] into g, and, when dx is non-nil, sets dx = dy·W^T.
func (L *dense[T]) backward(x, dy []T, rows int, g, dx, colTmp []T) {
	if L.tw != nil {
		// y = x·tw^T: d(tw) [out,in] += dy^T·x; dx = dy·tw.
		kernels.Gemm(true, false, L.out, L.in, rows, 1, dy, L.out, x, L.in, 1, g[L.gw:L.gw+L.out*L.in], L.in)
		if dx != nil {
			kernels.Gemm(false, false, rows, L.in, L.out, 1, dy, L.out, L.tw, L.in, 0, dx, L.in)
		}
	} else {
		// dW [in,out] += x^T·dy; dx = dy·W^T.
		kernels.Gemm(true, false, L.in, L.out, rows, 1, x, L.in, dy, L.out, 1, g[L.gw:L.gw+L.in*L.out], L.out)
		if dx != nil {
			kernels.Gemm(false, true, rows, L.in, L.out, 1, dy, L.out, L.w, L.out, 0, dx, L.in)
		}
	}
	kernels.ColSums(colTmp[:L.out], dy, rows)
	kernels.Axpy(1, colTmp[:L.out], g[L.gb:L.gb+L.out])
}

// workspace holds the per-batch buffers of forward and backward; it grows to
// the largest batch seen and is reused, so steady-state steps allocate nothing.
type workspace[T kernels.Float] struct {
	rows    int
	encA    [][]T         // [k] encoder outputs [B, s_l+1]; encA[k-1] is the code
	decA    [][]T         // [k-1] hidden decoder outputs
	a       []T           // the code [B,h] (= encA[k-1])
	z       []T           // [B,d] output pre-activation (bce) / output (mse)
	xhat    []T           // [B,d] reconstruction (bce only; mse uses z)
	dz      []T           // [B,d]
	da      []T           // [B,h] gradient at the code
	d1, d2  []T           // [B, max width] gradient scratch for deep models
	cs, cg  []T           // [max width] contractive scratch
	eps     []T           // [B,h] standard normal draws (variational; zero: use the mean)
	zs      []T           // [B,h] sampled codes (variational)
	dvae    []T           // [B,2h] gradient at [mean | log-variance]
	rhoHat  []T           // [h] batch firing rates
	klCoef  []T           // [h]
	grad    []T           // [params] (ensureGrad)
	nparams int           // the parameter count ensure sized the scratch for
	rowLoss []float64     // [B] per-row loss (trimming)
	order   []int         // [B]
	colTmp  []T           // [max width]
	sel     selectWork[T] // topk, batchtopk, jumprelu: the kept latents of each row (topk.go)
	jump    jumpWork      // jumprelu: the entries near their threshold (jumprelu.go)
	l1w     []T           // [2h] weighted l1: decoder row norms, summed |a| per latent
}

// ensureGrad allocates the gradient (zeroed) on first use.
func (w *workspace[T]) ensureGrad(n *net[T]) {
	if len(w.grad) != len(n.params) {
		w.grad = make([]T, len(n.params))
	}
}

func (w *workspace[T]) ensure(n *net[T], rows int) {
	maxW := n.classes()
	for _, s := range n.sizes {
		maxW = max(maxW, s)
	}
	for _, L := range n.enc {
		maxW = max(maxW, L.out) // 2h for a variational code
	}
	if w.nparams != len(n.params) {
		w.nparams = len(n.params)
		w.grad = nil // allocated by ensureGrad: inference needs none
		w.rhoHat = make([]T, n.h)
		w.klCoef = make([]T, n.h)
		w.colTmp = make([]T, maxW)
		w.cs = make([]T, maxW)
		w.cg = make([]T, maxW)
		w.rows = 0
	}
	if rows <= w.rows {
		return
	}
	w.rows = rows
	k := n.depth()
	w.encA = w.encA[:0]
	for l := 0; l < k; l++ {
		w.encA = append(w.encA, make([]T, rows*n.enc[l].out))
	}
	w.a = w.encA[k-1]
	if n.vae {
		w.a = make([]T, rows*n.h)
		w.eps = make([]T, rows*n.h)
		w.zs = make([]T, rows*n.h)
		w.dvae = make([]T, rows*2*n.h)
	}
	w.decA = w.decA[:0]
	for m := 0; m < k-1; m++ {
		w.decA = append(w.decA, make([]T, rows*n.sizes[k-m-1]))
	}
	w.z = make([]T, rows*n.d)
	w.dz = make([]T, rows*n.d)
	w.da = make([]T, rows*n.h)
	if k > 1 {
		w.d1 = make([]T, rows*maxW)
		w.d2 = make([]T, rows*maxW)
	}
	if n.loss == BCE {
		w.xhat = make([]T, rows*n.d)
	} else {
		w.xhat = nil
	}
}

// encodeInto runs the encoder on x [rows,d], leaving each layer's output in
// w.encA; it returns the code [rows,h].
//
// For a variational model the code is the mean: the last layer's
// [mean | log-variance] rows stay in w.encA[k-1] and the means are copied
// to w.a.
func (n *net[T]) encodeInto(w *workspace[T], x []T, rows int) []T {
	if n.code != "" {
		return n.encodeSelect(w, x, rows)
	}
	in := x
	k := n.depth()
	for l := range n.enc {
		L := &n.enc[l]
		out := w.encA[l][:rows*L.out]
		L.forward(in, rows, out)
		if n.vae && l == k-1 {
			kernels.AddRows(out, rows, L.b)
			code := w.a[:rows*n.h]
			for i := 0; i < rows; i++ {
				copy(code[i*n.h:(i+1)*n.h], out[i*2*n.h:i*2*n.h+n.h])
			}
			return code
		}
		biasActivate(n.act, out, rows, L.b)
		in = out
	}
	return in
}

// decodeWith runs the decoder on the code [rows,h] using w's hidden
// buffers: z is the last layer's output and, for bce, xhat = sigmoid(z)
// (for mse x̂ is z itself and xhat may be nil).
func (n *net[T]) decodeWith(w *workspace[T], code []T, rows int, z, xhat []T) {
	in := code
	k := n.depth()
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
		for i, v := range z[:rows*n.d] {
			xhat[i] = sigmoid(v)
		}
	}
}

// penalty says which terms the objective includes.
type penalty struct {
	trim     float64 // fraction of each batch's worst-reconstructed rows left out of the loss
	contract float64 // contractive penalty coefficient
	sparsity Sparsity
	l1       float64
	rho      float64
	beta     float64
	// l1Weighted weighs each latent's |a| by its decoder row's norm
	// (untied models; Config.L1Weight decoder).
	l1Weighted bool
	// l0 is jumprelu's L0 coefficient and bandwidth its ε (0: the
	// thresholds get no gradient).
	l0, bandwidth float64
	// AuxK (topk, batchtopk): dead[j] marks the dead latents; auxK and
	// auxCoef as in Config. No dead latents or auxCoef 0: no AuxK term.
	dead    []bool
	auxK    int
	auxCoef float64
	// auxResidual, when set (gradient checks), is the residual AuxK
	// reconstructs instead of target - x̂: the term treats the residual as
	// a constant, and a finite-difference check must hold it fixed.
	auxResidual []float64
}

// lossParts is the objective split into its terms, each already scaled.
type lossParts struct {
	recon, sparsity, contractive, decay, aux float64
}

func (l lossParts) total() float64 {
	return l.recon + l.sparsity + l.contractive + l.decay + l.aux
}

// forwardBackward runs x [rows,d] forward and accumulates into w.grad the
// gradient of norm * (sum over rows of the reconstruction loss and the L1
// term) + the KL term. target is the reconstruction target (x itself for a
// plain autoencoder, the clean rows for a denoising one).
//
// norm is 1/B for a mini-batch and 1/N for one chunk of a full-batch pass
// over N rows. rhoHat, when non-nil, is the latents' mean activation over
// all N rows (computed by a first pass); when nil it is computed from this
// batch and the KL term is charged here. The caller clears w.grad and adds
// weight decay (addDecay) once per step.
func (n *net[T]) forwardBackward(w *workspace[T], x, target []T, rows int, norm T, pen penalty, rhoHat []T) lossParts {
	w.ensure(n, rows)
	w.ensureGrad(n)
	if n.code == SparsityJumpReLU {
		return n.jumpForwardBackward(w, x, target, rows, norm, pen)
	}
	if n.code != "" {
		return n.selectForwardBackward(w, x, target, rows, norm, pen)
	}
	d, h, k := n.d, n.h, n.depth()
	z := w.z[:rows*d]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*d]
	}
	// Forward.
	code := n.encodeInto(w, x, rows)
	dec := code
	if n.vae {
		dec = n.sample(w, rows)
	}
	n.decodeWith(w, dec, rows, z, xhat)

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
		rec = mseOutputGrad(z, target, dz, norm)
	}
	if pen.trim > 0 {
		rec = trimRows(w, rec, z, target, dz, rows, d, pen.trim, n.loss)
	}
	lp.recon = rec * float64(norm)

	// Decoder, from the output back to the code.
	g := w.grad
	dcur := dz
	for m := k - 1; m >= 0; m-- {
		L := &n.dec[m]
		in := dec
		if m > 0 {
			in = w.decA[m-1][:rows*L.in]
		}
		var dx []T
		if m > 0 {
			dx = w.d1[:rows*L.in]
			if &dcur[0] == &w.d1[0] {
				dx = w.d2[:rows*L.in]
			}
		} else {
			dx = w.da[:rows*h]
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
		lp.sparsity = n.vaeBackward(w, da, rows, norm)
		n.encoderBackward(w, x, w.dvae[:rows*2*h], rows, g, norm, pen, &lp)
		return lp
	}
	// Sparsity terms on the code, then through the code's activation.
	if pen.sparsity == SparsityL1 && pen.l1Weighted && !n.tied {
		w.l1w = grow(w.l1w, 2*h)
		D := &n.dec[0]
		lp.sparsity = l1WeightedForwardBackward(code, da, rows, h, D.w, D.out, g[D.gw:D.gw+h*D.out], T(pen.l1)*norm, w.l1w)
	} else {
		lp.sparsity = sparsityForwardBackward(n.act, code, da, rows, h, norm, pen, rhoHat, w.rhoHat, w.klCoef)
	}
	if pen.contract > 0 {
		L := &n.enc[k-1]
		lp.contractive += contractiveForwardBackward(n.act, L.w, L.in, L.out, code, da, g[L.gw:L.gw+L.in*L.out], rows, T(pen.contract)*norm, w.cs, w.cg)
	}
	activationBackward(n.act, code, da)

	n.encoderBackward(w, x, da, rows, g, norm, pen, &lp)
	return lp
}

// encoderBackward backpropagates dcode, the gradient at the last encoder
// layer's pre-activation output, through the encoder into g.
func (n *net[T]) encoderBackward(w *workspace[T], x, dcode []T, rows int, g []T, norm T, pen penalty, lp *lossParts) {
	k := n.depth()
	dcur := dcode
	for l := k - 1; l >= 0; l-- {
		L := &n.enc[l]
		in := x
		if l > 0 {
			in = w.encA[l-1][:rows*L.in]
		}
		var dx []T
		if l > 0 {
			dx = w.d1[:rows*L.in]
			if &dcur[0] == &w.d1[0] {
				dx = w.d2[:rows*L.in]
			}
		}
		L.backward(in, dcur, rows, g, dx, w.colTmp)
		if l > 0 {
			if pen.contract > 0 {
				P := &n.enc[l-1]
				lp.contractive += contractiveForwardBackward(n.act, P.w, P.in, P.out, in, dx, g[P.gw:P.gw+P.in*P.out], rows, T(pen.contract)*norm, w.cs, w.cg)
			}
			activationBackward(n.act, in, dx)
			dcur = dx
		}
	}
}

// addDecay adds lambda/2 * ||W||^2 over the weight matrices to the objective
// and lambda * W to grad, in one pass; it returns the added loss.
func (n *net[T]) addDecay(grad []T, lambda float64) float64 {
	if lambda == 0 {
		return 0
	}
	var s float64
	l := T(lambda)
	for _, seg := range n.segs {
		if !seg.weight {
			continue
		}
		p := n.params[seg.off : seg.off+seg.size()]
		g := grad[seg.off : seg.off+seg.size()]
		g = g[:len(p)]
		// Blocks of 256 keep the float32 partial sums accurate.
		for lo := 0; lo < len(p); lo += 256 {
			pb := p[lo:min(lo+256, len(p))]
			gb := g[lo : lo+len(pb)]
			var part T
			for i, v := range pb {
				part += v * v
				gb[i] += l * v
			}
			s += float64(part)
		}
	}
	return 0.5 * lambda * s
}

// reconLoss returns the summed reconstruction loss of rows x against target
// (no gradient), leaving the code in w.a and the output in w.z (and w.xhat).
func (n *net[T]) reconLoss(w *workspace[T], x, target []T, rows int) float64 {
	w.ensure(n, rows)
	z := w.z[:rows*n.d]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*n.d]
	}
	code := n.encodeInto(w, x, rows)
	if n.code != "" {
		n.decodeSelected(&w.sel.main, rows, z, n.bDec) // the few active latents, not a dense product
	} else {
		n.decodeWith(w, code, rows, z, xhat)
	}
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

// trimRows leaves the ceil(trim*rows) rows with the largest reconstruction
// loss out of the objective: their output gradient is zeroed and their
// loss subtracted from rec, which it returns. Training then fits the bulk
// of the data, not the anomalies hidden in it.
func trimRows[T kernels.Float](w *workspace[T], rec float64, z, target, dz []T, rows, d int, trim float64, loss Loss) float64 {
	drop := int(math.Ceil(trim * float64(rows)))
	if drop <= 0 || drop >= rows {
		return rec
	}
	if cap(w.rowLoss) < rows {
		w.rowLoss = make([]float64, rows)
		w.order = make([]int, rows)
	}
	rl, order := w.rowLoss[:rows], w.order[:rows]
	for i := 0; i < rows; i++ {
		var s float64
		zi, ti := z[i*d:(i+1)*d], target[i*d:(i+1)*d]
		if loss == BCE {
			for j, v := range zi {
				s += float64(softplus(v) - ti[j]*v)
			}
		} else {
			for j, v := range zi {
				e := float64(v - ti[j])
				s += 0.5 * e * e
			}
		}
		rl[i] = s
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(rl[b], rl[a]) })
	for _, i := range order[:drop] {
		rec -= rl[i]
		clear(dz[i*d : (i+1)*d])
	}
	return rec
}

// sample draws the variational code zs = mean + exp(logvar/2) * eps for
// the rows in w.encA[k-1] ([mean | log-variance] per row) with the normal
// draws in w.eps (zeros give the mean), and returns zs [rows,h].
func (n *net[T]) sample(w *workspace[T], rows int) []T {
	h := n.h
	ml := w.encA[n.depth()-1]
	zs := w.zs[:rows*h]
	for i := 0; i < rows; i++ {
		mu, lv := ml[i*2*h:i*2*h+h], ml[i*2*h+h:(i+1)*2*h]
		e := w.eps[i*h : (i+1)*h]
		z := zs[i*h : (i+1)*h]
		for j := range z {
			z[j] = mu[j] + T(math.Exp(0.5*float64(lv[j])))*e[j]
		}
	}
	return zs
}

// vaeBackward turns dz = dL/dzs [rows,h] into the gradient at
// [mean | log-variance] (w.dvae) and adds the KL term
//
//	norm * Σ_rows Σ_j ½(μ² + e^lv - lv - 1)   (KL(N(μ, e^lv) || N(0, 1)))
//
// whose value it returns:
//
//	dμ  = dz + norm·μ
//	dlv = dz·ε·½e^{lv/2} + norm·½(e^lv - 1)
func (n *net[T]) vaeBackward(w *workspace[T], dz []T, rows int, norm T) float64 {
	h := n.h
	ml := w.encA[n.depth()-1]
	var kl float64
	for i := 0; i < rows; i++ {
		mu, lv := ml[i*2*h:i*2*h+h], ml[i*2*h+h:(i+1)*2*h]
		e := w.eps[i*h : (i+1)*h]
		d := dz[i*h : (i+1)*h]
		dmu, dlv := w.dvae[i*2*h:i*2*h+h], w.dvae[i*2*h+h:(i+1)*2*h]
		for j := range d {
			ev := T(math.Exp(float64(lv[j])))
			kl += 0.5 * float64(mu[j]*mu[j]+ev-lv[j]-1)
			dmu[j] = d[j] + norm*mu[j]
			dlv[j] = d[j]*e[j]*0.5*T(math.Sqrt(float64(ev))) + norm*0.5*(ev-1)
		}
	}
	return kl * float64(norm)
}

// mseOutputGrad writes the mse loss's gradient at the linear output z,
// norm*(z - target), into dz and returns 1/2 sum (z - target)^2.
func mseOutputGrad[T kernels.Float](z, target, dz []T, norm T) float64 {
	var rec float64
	for i, zi := range z {
		e := zi - target[i]
		rec += float64(e * e)
		dz[i] = e * norm
	}
	return 0.5 * rec
}
