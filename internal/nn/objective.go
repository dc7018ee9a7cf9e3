package nn

import "github.com/sae-go/sae/internal/kernels"

// Full-data passes: the objective over N rows (validation, the final
// loss) and the full-batch gradient (L-BFGS), driven chunk by chunk by the
// caller's scan, which calls fn on each chunk of rows in turn.

// Scan visits a data set chunk by chunk: the rows x and their targets
// (x itself for an autoencoder, a transcoder's target rows).
type Scan[T Float] func(fn func(x, target []T, rows int) error) error

// Objective is the objective over the N rows scan visits, forward only:
// the reconstruction loss (trimmed as in training, so that the validation
// loss early stopping watches is not driven by anomalies either) and the
// kind's penalty over all rows (without weight decay: DecayValue).
func (n *Net[T]) Objective(w *Workspace[T], t *Terms, rows int, scan Scan[T]) (float64, error) {
	st := n.code.stats(n, t)
	d := n.O
	var rec float64
	err := scan(func(x, target []T, r int) error {
		v := n.ReconLoss(w, x, target, r)
		if t.Trim > 0 {
			v = trimRows(w, v, w.z[:r*d], target, w.dz[:r*d], r, d, t.Trim, n.loss)
		}
		rec += v
		if st != nil {
			st.add(n, w, w.a[:r*n.H], r)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	total := rec / float64(rows)
	if st != nil {
		total += st.value(n, rows)
	}
	return total, nil
}

// DecayValue is lambda/2 ||W||² over the weight matrices.
func (n *Net[T]) DecayValue(lambda float64) float64 {
	if lambda == 0 {
		return 0
	}
	var s float64
	for _, seg := range n.segs {
		if seg.Weight {
			s += kernels.SumSq(n.Params[seg.Off : seg.Off+seg.Size()])
		}
	}
	return 0.5 * lambda * s
}

// FullGrad sets w's gradient to that of the objective over the N rows
// scan visits (without weight decay) and returns the objective's
// reconstruction and penalty terms: a first pass finds the latents' rates
// over all rows when the kind's penalty needs them (kl), a second runs
// forward and backward chunk by chunk. Penalty kinds only.
func (n *Net[T]) FullGrad(w *Workspace[T], t *Terms, rows int, scan Scan[T]) (float64, error) {
	w.ensureGrad(n)
	pen := n.code.(denseCode[T]).pen
	var rates []T
	if pen != nil && t.Sparse && pen.rates(t) {
		rates = make([]T, n.H)
		err := scan(func(x, _ []T, r int) error {
			addRates(n.act, n.Encode(w, x, r), r, n.H, rates)
			return nil
		})
		if err != nil {
			return 0, err
		}
		kernels.Scale(1/T(rows), rates)
	}
	clear(w.grad)
	var total float64
	norm := 1 / T(rows)
	err := scan(func(x, target []T, r int) error {
		lp := n.ForwardBackward(w, x, target, r, norm, t, rates)
		total += lp.Recon + lp.Sparsity
		return nil
	})
	if err != nil {
		return 0, err
	}
	if rates != nil {
		total += pen.ratesValue(rates, t)
	}
	return total, nil
}
