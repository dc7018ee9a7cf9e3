package nn

// Workspace holds the per-batch buffers of forward and backward; it grows
// to the largest batch seen and is reused, so steady-state steps allocate
// nothing. The zero value is ready; one Workspace serves one goroutine and
// one network at a time.
type Workspace[T Float] struct {
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
	outGrad []T           // [B,O] dL/dx̂ over every term the skip takes part in (nil: dz)
	skipT   []T           // [B,O] target - x·W_skip (transcoder.go)
	sel     selectWork[T] // kinds with their own code: the kept latents of each row (select.go)
	kind    any           // a kind's own scratch (kindScratch)
}

// kindScratch returns the kind's scratch in w, made by mk on first use.
func kindScratch[S any, T Float](w *Workspace[T], mk func() S) S {
	s, ok := w.kind.(S)
	if !ok {
		s = mk()
		w.kind = s
	}
	return s
}

// Grad is the gradient the last ForwardBackward calls accumulated, laid
// out as the parameters; allocated (zeroed) on first use. The optimisers
// leave it zeroed after a step.
func (w *Workspace[T]) Grad(n *Net[T]) []T {
	w.init(n)
	w.ensureGrad(n)
	return w.grad
}

// ReleaseGrad drops the gradient (after training: inference needs none).
func (w *Workspace[T]) ReleaseGrad() { w.grad = nil }

// Code is the code [rows,h] of the last Encode or ReconLoss.
func (w *Workspace[T]) Code(n *Net[T], rows int) []T { return w.a[:rows*n.H] }

// Output is the reconstruction x̂ [rows,d] (scaled units) of the last
// ReconLoss.
func (w *Workspace[T]) Output(n *Net[T], rows int) []T {
	if n.loss == BCE {
		return w.xhat[:rows*n.O]
	}
	return w.z[:rows*n.O]
}

// Kept lists the latents kept in the rows of the last encode or training
// step of a kind with its own code (an entry per kept latent and row).
func (w *Workspace[T]) Kept(rows int) []int32 {
	s := &w.sel.main
	return s.idx[:s.entries(rows)]
}

// other is the first n values of the deep model's gradient scratch (d1,
// d2) that cur is not: a layer's backward reads the gradient at its output
// from one and writes the one at its input into the other.
func (w *Workspace[T]) other(cur []T, n int) []T {
	if &cur[0] == &w.d1[0] {
		return w.d2[:n]
	}
	return w.d1[:n]
}

// ensureGrad allocates the gradient (zeroed) on first use.
func (w *Workspace[T]) ensureGrad(n *Net[T]) {
	if len(w.grad) != len(n.Params) {
		w.grad = make([]T, len(n.Params))
	}
}

// init sizes the buffers that do not grow with the batch for n (once).
func (w *Workspace[T]) init(n *Net[T]) {
	if w.nparams == len(n.Params) {
		return
	}
	maxW := n.maxWidth()
	w.nparams = len(n.Params)
	w.grad = nil // allocated by ensureGrad: inference needs none
	w.rhoHat = make([]T, n.H)
	w.klCoef = make([]T, n.H)
	w.colTmp = make([]T, maxW)
	w.cs = make([]T, maxW)
	w.cg = make([]T, maxW)
	w.rows = 0
}

// maxWidth is the widest layer output (2h for a variational code).
func (n *Net[T]) maxWidth() int {
	maxW := n.Classes()
	for _, s := range n.Sizes {
		maxW = max(maxW, s)
	}
	for _, L := range n.enc {
		maxW = max(maxW, L.out)
	}
	return maxW
}

// ensure sizes w for batches of up to rows rows of n.
func (w *Workspace[T]) ensure(n *Net[T], rows int) {
	w.init(n)
	if rows <= w.rows {
		return
	}
	w.rows = rows
	k := n.Depth()
	w.encA = w.encA[:0]
	for l := 0; l < k; l++ {
		w.encA = append(w.encA, make([]T, rows*n.enc[l].out))
	}
	w.a = w.encA[k-1]
	if n.vae {
		w.a = make([]T, rows*n.H)
		w.eps = make([]T, rows*n.H)
		w.zs = make([]T, rows*n.H)
		w.dvae = make([]T, rows*2*n.H)
	}
	w.decA = w.decA[:0]
	for m := 0; m < k-1; m++ {
		w.decA = append(w.decA, make([]T, rows*n.Sizes[k-m-1]))
	}
	w.z = make([]T, rows*n.O)
	w.dz = make([]T, rows*n.O)
	w.da = make([]T, rows*n.H)
	if k > 1 {
		w.d1 = make([]T, rows*n.maxWidth())
		w.d2 = make([]T, rows*n.maxWidth())
	}
	if n.loss == BCE {
		w.xhat = make([]T, rows*n.O)
	} else {
		w.xhat = nil
	}
}
