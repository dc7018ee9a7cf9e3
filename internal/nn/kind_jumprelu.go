package nn

// jumprelu: each latent j has a learned threshold θ_j >= 0 (the tensor
// threshold [h]), after Rajamanoharan et al. 2024, "Jumping Ahead:
// Improving Reconstruction Fidelity with JumpReLU Sparse Autoencoders".
// Forward and backward side by side; B rows, d inputs, h latents:
//
//	xc   [B,d] = x - b_dec                 as for topk (select.go)
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
// K(u) = 1 for |u| < 1/2, else 0, of bandwidth ε (Config.Bandwidth),
//
//	∂a_ij/∂θ_j          := -(θ_j/ε) K((pre_ij - θ_j)/ε)
//	∂H(pre_ij - θ_j)/∂θ_j := -(1/ε) K((pre_ij - θ_j)/ε)
//
// so a threshold moves by the pre-activations within ε/2 of it: up where
// the L0 term outweighs what those latents add to the reconstruction.
// θ is trained directly (not its logarithm: the log's relative steps are
// too slow for runs of a few thousand steps) and kept >= 0 after each step.
// λ is Config.L0Coef, the coefficient Config.TargetL0 tunes.
type jumpReLUKind struct{}

// jumpInitThreshold is every θ_j's starting value (the paper's).
const jumpInitThreshold = 0.001

func (jumpReLUKind) Name() string { return "jumprelu" }

func (jumpReLUKind) Summary() string {
	return "a learned threshold per latent, an L0 penalty Config.L0Coef"
}

func (jumpReLUKind) Traits() Traits { return Traits{Code: true} }

func (jumpReLUKind) Fields() []string {
	return []string{"L0Coef", "Bandwidth", "DeadWindow", "TargetL0"}
}

// Resolve: L0Coef = 1e-3 * d (with TargetL0, 1e-5 * d for the controller
// to raise: thresholds rise quickly and come down slowly, so L0 is best
// approached from above); Bandwidth 0.001; the dictionary's defaults; auto
// scaling is none.
func (jumpReLUKind) Resolve(p *Params, d int) {
	dictionaryDefaults(p)
	if p.Normalize == "auto" {
		// Unscaled: the bandwidth and the thresholds' start are
		// absolute, set for data of Fashion-MNIST's scale (pixels in
		// [0, 1]); one scale for all columns (global) trebles that
		// scale and the target-L0 controller overshot.
		p.Normalize = "none"
	}
	if p.L0Coef == 0 && d > 0 {
		p.L0Coef = 1e-3 * float64(d)
		if p.TargetL0 > 0 {
			p.L0Coef = 1e-5 * float64(d)
		}
	}
	if p.Bandwidth == 0 {
		p.Bandwidth = 0.001
	}
}

func (k jumpReLUKind) Validate(p *Params, bad func(field, format string, args ...any)) {
	dictionaryValidate(k.Name(), p, bad)
}

func (jumpReLUKind) Target(p *Params) Target {
	return Target{Field: "L0Coef", Coef: &p.L0Coef, Sign: 1}
}

func (jumpReLUKind) Tensors(h int) []Tensor {
	return []Tensor{{Name: "threshold", Shape: []int{h}, Init: jumpInitThreshold}}
}

func (k jumpReLUKind) Describe(*Params) string { return k.Name() }
func (jumpReLUKind) code32() code[float32]     { return jumpCode[float32]{} }
func (jumpReLUKind) code64() code[float64]     { return jumpCode[float64]{} }

type jumpCode[T Float] struct{ selectCode[T] }

// jumpWork holds the entries of a batch within ε/2 of their latent's
// threshold: index i*h + j.
type jumpWork struct {
	near []int
}

func (jumpCode[T]) encode(n *Net[T], w *Workspace[T], x []T, rows int) []T {
	pre := n.preActivations(w, x, rows)
	selectAbove(&w.sel.main, pre, rows, n.H, n.kt[0])
	return n.scatter(&w.sel.main, pre, rows)
}

// forwardBackward: the objective above, its gradient accumulated into
// w.grad. Without t.Sparse (fine-tuning) λ is 0 and the thresholds learn
// from the reconstruction alone.
func (jumpCode[T]) forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, _ []T) Parts {
	d, h := n.O, n.H
	thr := n.kt[0]
	sw := &w.sel
	pre := n.preActivations(w, x, rows)
	selectAbove(&sw.main, pre, rows, h, thr)
	eps := T(t.Bandwidth)
	jw := kindScratch(w, func() *jumpWork { return &jumpWork{} })
	near := jw.near[:0]
	if eps > 0 {
		half := eps / 2
		for i := 0; i < rows; i++ {
			for j, v := range pre[i*h : (i+1)*h] {
				if u := v - thr[j]; u > -half && u < half {
					near = append(near, i*h+j)
				}
			}
		}
	}
	jw.near = near

	z := w.z[:rows*d]
	n.decodeSelected(&sw.main, rows, z, n.bDec)
	lp, dz := n.selectOutputGrad(w, z, target, rows, norm, t)
	var lam T
	if t.Sparse {
		lam = T(t.L0Coef) * norm
	}
	lp.Sparsity = float64(lam) * float64(sw.main.entries(rows))

	g := w.grad
	n.backSelected(&sw.main, dz, rows, g)
	if eps > 0 {
		gt := g[n.ktOff[0] : n.ktOff[0]+h]
		for _, e := range near {
			i, j := e/h, e%h
			gij := dot(dz[i*d:(i+1)*d], n.wDec[j*d:(j+1)*d])
			gt[j] -= (thr[j]*gij + lam) / eps
		}
	}
	n.encoderBackSelected(sw, sw.xc, rows, g, &sw.main)
	return lp
}

func (jumpCode[T]) stats(n *Net[T], t *Terms) stats[T] {
	if !t.Sparse {
		return nil
	}
	return &countStats[T]{count: make([]float64, n.H), coef: t.L0Coef}
}

// afterStep keeps the thresholds >= 0.
func (jumpCode[T]) afterStep(n *Net[T], _ *Workspace[T], _ int, _ *State) {
	for j, v := range n.kt[0] {
		if v < 0 {
			n.kt[0][j] = 0
		}
	}
}

// countStats counts each latent's kept entries over a full-data pass: the
// L0 penalty coef * mean over rows of the active latents.
type countStats[T Float] struct {
	count []float64
	coef  float64
}

func (s *countStats[T]) add(_ *Net[T], w *Workspace[T], _ []T, rows int) {
	for _, j := range w.Kept(rows) {
		s.count[j]++
	}
}

func (s *countStats[T]) value(_ *Net[T], rows int) float64 {
	var l0 float64
	for _, c := range s.count {
		l0 += c
	}
	return s.coef * l0 / float64(rows)
}
