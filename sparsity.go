package sae

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// klEps keeps the KL penalty finite: a latent's mean rate is clamped to
// [klEps, 1-klEps] (and the gradient is zero where the clamp bites, which
// only happens for relu codes, whose rates are unbounded).
const klEps = 1e-6

// firingRate maps an activation to the [0,1] "firing" scale the KL penalty
// compares with rho: identity for sigmoid and relu, (a+1)/2 for tanh (whose
// derivative, 1/2, the KL gradient applies).
func firingRate[T kernels.Float](act Activation, a T) T {
	if act == Tanh {
		return (a + 1) / 2
	}
	return a
}

// sparsityForwardBackward adds the sparsity penalty's gradient with respect
// to the code a [rows,h] into da and returns its contribution to the loss.
//
//	l1: norm * l1 * sum_ij |a_ij|;          d/da_ij = norm * l1 * sign(a_ij)
//	kl: beta * sum_j KL(rho || r_j),  r_j = mean rate of latent j;
//	    d/da_ij = beta * norm * (-(rho/r_j) + (1-rho)/(1-r_j)) * rate'(a_ij)
//
// For kl, r_j is computed from this batch into rateBuf when rhoHat is nil
// (mini-batch training; norm = 1/rows) and the KL value is returned;
// otherwise rhoHat holds the rates over all N rows of a full-batch pass
// (norm = 1/N) and the caller charges the KL value once (klValue).
// coefBuf [h] is scratch.
func sparsityForwardBackward[T kernels.Float](act Activation, a, da []T, rows, h int, norm T, pen penalty, rhoHat, rateBuf, coefBuf []T) float64 {
	switch pen.sparsity {
	case SparsityL1:
		if pen.l1 == 0 {
			return 0
		}
		c := T(pen.l1) * norm
		var s float64
		for i, v := range a[:rows*h] {
			switch {
			case v > 0:
				s += float64(v)
				da[i] += c
			case v < 0:
				s -= float64(v)
				da[i] -= c
			}
		}
		return s * float64(c)
	case SparsityKL:
		if pen.beta == 0 {
			return 0
		}
		var loss float64
		r := rhoHat
		if r == nil {
			r = rateBuf[:h]
			meanRates(act, a, rows, h, r)
			loss = klValue(r, pen.rho, pen.beta)
		}
		coef := coefBuf[:h]
		for j := range coef {
			coef[j] = klCoef(r[j], T(pen.rho), T(pen.beta)) * norm
			if act == Tanh {
				coef[j] *= 0.5 // rate = (a+1)/2
			}
		}
		for i := 0; i < rows; i++ {
			drow := da[i*h : i*h+h]
			for j, c := range coef {
				drow[j] += c
			}
		}
		return loss
	}
	return 0
}

// klCoef is beta * dKL(rho||r)/dr, zero where r is clamped.
func klCoef[T kernels.Float](r, rho, beta T) T {
	if r < klEps || r > 1-klEps {
		return 0
	}
	return beta * (-rho/r + (1-rho)/(1-r))
}

// meanRates sets r[j] to the mean firing rate of latent j over rows.
func meanRates[T kernels.Float](act Activation, a []T, rows, h int, r []T) {
	clear(r[:h])
	addRates(act, a, rows, h, r)
	kernels.Scale(1/T(rows), r[:h])
}

// addRates adds the firing rates of the rows of a [rows,h] into r[j].
func addRates[T kernels.Float](act Activation, a []T, rows, h int, r []T) {
	if act != Tanh { // the rate is the activation itself
		kernels.AddColSums(r[:h], a[:rows*h], rows)
		return
	}
	for i := 0; i < rows; i++ {
		for j, v := range a[i*h : i*h+h] {
			r[j] += firingRate(act, v)
		}
	}
}

// klValue is beta * sum_j KL(rho || r_j) with r_j clamped to [klEps, 1-klEps].
func klValue[T kernels.Float](r []T, rho, beta float64) float64 {
	var s float64
	for _, v := range r {
		p := math.Min(math.Max(float64(v), klEps), 1-klEps)
		s += rho*math.Log(rho/p) + (1-rho)*math.Log((1-rho)/(1-p))
	}
	return beta * s
}

// l1WeightedForwardBackward is the l1 penalty with each latent weighted by
// the norm of its decoder row W[j,:] (W [h,out], the decoder layer the
// code feeds), for c = norm * l1:
//
//	value        c * Σ_ij |a_ij| r_j,    r_j = ||W[j,:]||
//	d/da_ij      c * sign(a_ij) * r_j
//	d/dW[j,:]    c * (Σ_i |a_ij|) * W[j,:] / r_j   (0 for a zero row)
//
// It adds the gradients into da [rows,h] and gW [h,out] and returns the
// value; buf [2h] is scratch.
func l1WeightedForwardBackward[T kernels.Float](a, da []T, rows, h int, W []T, out int, gW []T, c T, buf []T) float64 {
	if c == 0 {
		return 0
	}
	r, s := buf[:h], buf[h:2*h]
	kernels.RowNorms(r, W, out)
	clear(s)
	for i := 0; i < rows; i++ {
		ai, di := a[i*h:(i+1)*h], da[i*h:(i+1)*h]
		for j, v := range ai {
			switch {
			case v > 0:
				s[j] += v
				di[j] += c * r[j]
			case v < 0:
				s[j] -= v
				di[j] -= c * r[j]
			}
		}
	}
	var value float64
	for j := 0; j < h; j++ {
		value += float64(s[j]) * float64(r[j])
		if r[j] > 0 && s[j] > 0 {
			kernels.Axpy(c*s[j]/r[j], W[j*out:(j+1)*out], gW[j*out:(j+1)*out])
		}
	}
	return value * float64(c)
}

// l1Weight is latent j's weight in the l1 penalty pen: the norm of its
// decoder row when weighted, else 1.
func (n *net[T]) l1Weight(j int, pen penalty) float64 {
	if !pen.l1Weighted || n.tied {
		return 1
	}
	D := &n.dec[0]
	var s float64
	for _, v := range D.w[j*D.out : (j+1)*D.out] {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}
