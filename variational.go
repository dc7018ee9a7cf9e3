package sae

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The variational autoencoder's pieces outside the network's forward and
// backward (sample and vaeBackward in network.go): the ELBO estimate and
// sampling from the prior.

// elboSum returns the summed one-sample ELBO estimate of rows x (scaled)
// in nats: log p(x|z) - KL(q(z|x) || N(0, I)) with z drawn from q by rng.
// The decoder is Gaussian with unit variance for mse (log p = -½||x-x̂||²
// - (d/2)·log 2π) and Bernoulli for bce.
func (n *net[T]) elboSum(w *workspace[T], x []T, rows int, rng *rand.Rand) float64 {
	w.ensure(n, rows)
	n.encodeInto(w, x, rows)
	for i := range w.eps[:rows*n.h] {
		w.eps[i] = T(rng.NormFloat64())
	}
	zs := n.sample(w, rows)
	z := w.z[:rows*n.d]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*n.d]
	}
	n.decodeWith(w, zs, rows, z, xhat)
	var logp float64
	if n.loss == BCE {
		for i, zi := range z {
			logp -= float64(softplus(zi) - x[i]*zi)
		}
	} else {
		for i, zi := range z {
			e := float64(zi - x[i])
			logp -= 0.5 * e * e
		}
		logp -= 0.5 * float64(rows*n.d) * math.Log(2*math.Pi)
	}
	h := n.h
	ml := w.encA[n.depth()-1]
	var kl float64
	for i := 0; i < rows; i++ {
		mu, lv := ml[i*2*h:i*2*h+h], ml[i*2*h+h:(i+1)*2*h]
		for j := range mu {
			kl += 0.5 * float64(mu[j]*mu[j]+T(math.Exp(float64(lv[j])))-lv[j]-1)
		}
	}
	return logp - kl
}

// Generate decodes n codes drawn from the prior N(0, I) of a variational
// model into rows in input units (samples of what the model has learned).
func (m *Model) Generate(n int, seed uint64) (Matrix, error) {
	if !m.net.vae {
		return Matrix{}, fmt.Errorf("generate: the model is not variational (train with --variational)")
	}
	if n < 1 || n > 1<<24 {
		return Matrix{}, fmt.Errorf("generate: %d samples is out of range [1, %d]", n, 1<<24)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6))
	codes := NewMatrix(n, m.net.h)
	for i := range codes.Data {
		codes.Data[i] = float32(rng.NormFloat64())
	}
	return m.Decode(codes)
}
