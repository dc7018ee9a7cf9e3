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
