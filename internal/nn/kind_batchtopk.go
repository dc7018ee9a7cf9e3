package nn

// batchtopk: a batch of B rows keeps its K·B largest pre-activations
// (relu'd), so rows share a budget of K on average. At inference a single
// threshold learned during training replaces the batch: latent j is active
// where its pre-activation exceeds threshold_j (the tensor threshold [h],
// all equal, not trained by the optimiser), so a row's code does not
// depend on the rows encoded with it. After every training step the
// threshold takes in the smallest activation the batch kept: the running
// mean over the first 100 steps, then an exponential moving average with
// that horizon, so it follows the model as it trains.
type batchTopKKind struct{ kindBase }

func (batchTopKKind) Name() string { return "batchtopk" }

func (batchTopKKind) Summary() string {
	return "Config.K latents per row on average over a batch, a learned threshold at inference"
}

func (batchTopKKind) Traits() Traits { return Traits{Code: true, K: true, Resample: true} }

func (batchTopKKind) Fields() []string { return kFields }

func (batchTopKKind) Resolve(p *Params, d int) { resolveK(p, d) }

func (k batchTopKKind) Validate(p *Params, bad func(field, format string, args ...any)) {
	dictionaryValidate(k.Name(), p, bad)
}

func (batchTopKKind) Tensors(h int) []Tensor {
	return []Tensor{{Name: "threshold", Shape: []int{h}}}
}

func (k batchTopKKind) Describe(p *Params) string { return describeK(k, p) }
func (batchTopKKind) code32() code[float32]       { return batchTopKCode[float32]{} }
func (batchTopKKind) code64() code[float64]       { return batchTopKCode[float64]{} }

type batchTopKCode[T Float] struct{ selectCode[T] }

func (batchTopKCode[T]) encode(n *Net[T], w *Workspace[T], x []T, rows int) []T {
	pre := n.preActivations(w, x, rows)
	selectAbove(&w.sel.main, pre, rows, n.H, n.kt[0])
	return n.scatter(&w.sel.main, pre, rows)
}

func (batchTopKCode[T]) forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, _ []T) Parts {
	return n.selectForwardBackward(w, x, target, rows, norm, t, true)
}

func (batchTopKCode[T]) afterStep(n *Net[T], w *Workspace[T], _ int, st *State) {
	st.ThresholdSteps++
	updateThreshold(n.kt[0], w.sel.minKept, st.ThresholdSteps)
}

// updateThreshold folds the smallest activation kept in the step-th
// training batch into the inference threshold (see batchTopKKind).
func updateThreshold[T Float](thr []T, minKept T, step int) {
	if minKept <= 0 {
		return
	}
	rate := max(1/T(step), 0.01)
	for j := range thr {
		thr[j] += rate * (minKept - thr[j])
	}
}
