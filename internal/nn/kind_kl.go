package nn

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// kl: the penalty Beta * Σ_j KL(Rho || r_j), r_j the mean firing rate of
// latent j (its activation, or (a+1)/2 for tanh) over a batch:
//
//	d/da_ij = Beta * norm * (-(Rho/r_j) + (1-Rho)/(1-r_j)) * rate'(a_ij)
//
// In mini-batches r_j is the batch's and the value is charged per batch;
// a full-batch pass (FullGrad) finds the rates over all rows first.
// Config.TargetL0 tunes Rho, not Beta: with relu codes a larger Beta only
// holds each latent's mean activation at Rho, it does not change how many
// latents fire.
type klKind struct{ kindBase }

func (klKind) Name() string { return "kl" }

func (klKind) Summary() string {
	return "a KL penalty of weight Config.Beta towards mean activation Config.Rho"
}

func (klKind) Fields() []string { return []string{"Rho", "Beta", "TargetL0"} }

func (klKind) Validate(p *Params, bad func(field, format string, args ...any)) {
	if !(p.Rho > 0 && p.Rho < 1) {
		bad("Rho", "must be in (0, 1), got %g", p.Rho)
	}
	if p.Beta < 0 {
		bad("Beta", "must be >= 0, got %g", p.Beta)
	}
	if p.TargetL0 > 0 && !(p.Beta > 0) {
		bad("TargetL0", "tunes Config.Rho with the KL penalty's weight Config.Beta, which must be > 0 (got %g)", p.Beta)
	}
}

func (klKind) Target(p *Params) Target {
	return Target{Field: "Rho", Coef: &p.Rho, Sign: -1, Lo: 1e-4, Hi: 0.5}
}

func (k klKind) Describe(p *Params) string { return describe(k) }
func (klKind) code32() code[float32]       { return denseCode[float32]{klPenalty[float32]{}} }
func (klKind) code64() code[float64]       { return denseCode[float64]{klPenalty[float64]{}} }

// klEps keeps the KL penalty finite: a latent's mean rate is clamped to
// [klEps, 1-klEps] (and the gradient is zero where the clamp bites, which
// only happens for relu codes, whose rates are unbounded).
const klEps = 1e-6

type klPenalty[T Float] struct{}

func (klPenalty[T]) backward(n *Net[T], w *Workspace[T], a, da []T, rows int, norm T, t *Terms, rhoHat []T) float64 {
	if t.Beta == 0 {
		return 0
	}
	h := n.H
	var loss float64
	r := rhoHat
	if r == nil {
		r = w.rhoHat[:h]
		meanRates(n.act, a, rows, h, r)
		loss = klValue(r, t.Rho, t.Beta)
	}
	coef := w.klCoef[:h]
	for j := range coef {
		coef[j] = klCoef(r[j], T(t.Rho), T(t.Beta)) * norm
		if n.act == kernels.Tanh {
			coef[j] *= 0.5 // rate = (a+1)/2
		}
	}
	kernels.AddRows(da[:rows*h], rows, coef)
	return loss
}

func (klPenalty[T]) rates(t *Terms) bool { return t.Beta != 0 }

func (klPenalty[T]) ratesValue(r []T, t *Terms) float64 { return klValue(r, t.Rho, t.Beta) }

func (klPenalty[T]) stats(n *Net[T], t *Terms) stats[T] {
	if t.Beta == 0 {
		return nil
	}
	return &klStats[T]{rates: make([]T, n.H), rho: t.Rho, beta: t.Beta}
}

// klStats sums the latents' firing rates over a full-data pass.
type klStats[T Float] struct {
	rates     []T
	rho, beta float64
}

func (s *klStats[T]) add(n *Net[T], _ *Workspace[T], a []T, rows int) {
	addRates(n.act, a, rows, n.H, s.rates)
}

func (s *klStats[T]) value(n *Net[T], rows int) float64 {
	kernels.Scale(1/T(rows), s.rates)
	return klValue(s.rates, s.rho, s.beta)
}

// klCoef is beta * dKL(rho||r)/dr, zero where r is clamped.
func klCoef[T Float](r, rho, beta T) T {
	if r < klEps || r > 1-klEps {
		return 0
	}
	return beta * (-rho/r + (1-rho)/(1-r))
}

// meanRates sets r[j] to the mean firing rate of latent j over rows.
func meanRates[T Float](act Act, a []T, rows, h int, r []T) {
	clear(r[:h])
	addRates(act, a, rows, h, r)
	kernels.Scale(1/T(rows), r[:h])
}

// addRates adds the firing rates of the rows of a [rows,h] into r[j]: the
// activation itself, or (a+1)/2 for tanh.
func addRates[T Float](act Act, a []T, rows, h int, r []T) {
	if act != kernels.Tanh { // the rate is the activation itself
		kernels.AddColSums(r[:h], a[:rows*h], rows)
		return
	}
	for i := 0; i < rows; i++ {
		for j, v := range a[i*h : i*h+h] {
			r[j] += (v + 1) / 2
		}
	}
}

// klValue is beta * sum_j KL(rho || r_j) with r_j clamped to [klEps, 1-klEps].
func klValue[T Float](r []T, rho, beta float64) float64 {
	var s float64
	for _, v := range r {
		p := math.Min(math.Max(float64(v), klEps), 1-klEps)
		s += rho*math.Log(rho/p) + (1-rho)*math.Log((1-rho)/(1-p))
	}
	return beta * s
}
