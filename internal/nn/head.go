package nn

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// The softmax head on the code (Spec.Classes > 0), trained with the whole
// encoder on labelled rows:
//
//	logits [B,C] = code·W_head + b_head
//	loss = norm * Σ_rows -log softmax(logits)[label]
//	dlogits = norm * (softmax(logits) - onehot(label))

// Classify writes the class probabilities [rows,C] of the rows x into probs.
func (n *Net[T]) Classify(w *Workspace[T], x []T, rows int, probs []T) {
	n.headForward(n.Encode(w, x, rows), rows, probs)
}

// headForward writes the class probabilities of the codes [rows,h] into
// probs [rows,C].
func (n *Net[T]) headForward(code []T, rows int, probs []T) {
	H := n.head
	c := H.out
	H.forward(code, rows, probs)
	kernels.AddRows(probs, rows, H.b)
	for i := 0; i < rows; i++ {
		softmaxRow(probs[i*c : (i+1)*c])
	}
}

// softmaxRow replaces logits by their softmax, stably.
func softmaxRow[T Float](v []T) {
	m := v[0]
	for _, x := range v[1:] {
		m = max(m, x)
	}
	var s float64
	for i, x := range v {
		e := math.Exp(float64(x - m))
		v[i] = T(e)
		s += e
	}
	for i := range v {
		v[i] = T(float64(v[i]) / s)
	}
}

// SupervisedForwardBackward runs rows x through the encoder and the head,
// accumulates into w's gradient the gradient of norm * Σ cross-entropy,
// and returns that loss and the number of rows classified correctly. probs
// [rows,C] is scratch.
func (n *Net[T]) SupervisedForwardBackward(w *Workspace[T], x []T, labels []int32, rows int, norm T, probs []T) (float64, int) {
	w.ensure(n, rows)
	w.ensureGrad(n)
	h, c := n.H, n.head.out
	code := n.code.encode(n, w, x, rows)
	n.headForward(code, rows, probs)
	var loss float64
	correct := 0
	for i := 0; i < rows; i++ {
		p := probs[i*c : (i+1)*c]
		y := int(labels[i])
		if Argmax(p) == y {
			correct++
		}
		loss -= math.Log(math.Max(float64(p[y]), 1e-30))
		// d/dlogits = p - onehot(y), scaled; in place.
		for j := range p {
			p[j] *= norm
		}
		p[y] -= norm
	}
	// Head gradients, and the gradient at the code into w.da.
	da := w.da[:rows*h]
	n.head.backward(code, probs[:rows*c], rows, w.grad, da, w.colTmp)
	var lp Parts
	if n.vae {
		// The code of a variational model is the (linear) mean: the
		// gradient goes to the mean half of the last layer's output.
		dv := w.dvae[:rows*2*h]
		clear(dv)
		for i := 0; i < rows; i++ {
			copy(dv[i*2*h:i*2*h+h], da[i*h:(i+1)*h])
		}
		n.encoderBackward(w, x, dv, rows, w.grad, norm, 0, &lp)
		return loss * float64(norm), correct
	}
	activationBackward(n.act, code, da)
	n.encoderBackward(w, x, da, rows, w.grad, norm, 0, &lp)
	return loss * float64(norm), correct
}

// Argmax is the index of v's largest value (the first of ties).
func Argmax[T Float](v []T) int {
	best := 0
	for j := range v {
		if v[j] > v[best] {
			best = j
		}
	}
	return best
}
