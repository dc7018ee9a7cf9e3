package nn

import (
	"math"
	"math/rand/v2"
)

// The variational autoencoder's Gaussian code (Spec.VAE): the last encoder
// layer outputs [mean | log-variance] per row, training samples the code by
// the reparameterisation trick and adds KL(q(z|x) || N(0, I)):
//
//	zs = μ + exp(lv/2)·ε,   ε ~ N(0, 1)     (sample)
//	KL = norm Σ_rows Σ_j ½(μ² + e^lv - lv - 1)
//	dμ  = dzs + norm·μ
//	dlv = dzs·ε·½e^{lv/2} + norm·½(e^lv - 1)    (vaeBackward)

// SampleNoise draws the standard normal ε of the next ForwardBackward's
// rows rows of a variational network (without it they are zero: the mean).
func (n *Net[T]) SampleNoise(w *Workspace[T], rows int, rng *rand.Rand) {
	w.ensure(n, rows)
	for i := range w.eps[:rows*n.H] {
		w.eps[i] = T(rng.NormFloat64())
	}
}

// sample draws the variational code zs = mean + exp(logvar/2) * eps for
// the rows in w.encA[k-1] ([mean | log-variance] per row) with the normal
// draws in w.eps (zeros give the mean), and returns zs [rows,h].
func (n *Net[T]) sample(w *Workspace[T], rows int) []T {
	h := n.H
	ml := w.encA[n.Depth()-1]
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
// [mean | log-variance] (w.dvae) and returns the KL term (see above).
func (n *Net[T]) vaeBackward(w *Workspace[T], dz []T, rows int, norm T) float64 {
	h := n.H
	ml := w.encA[n.Depth()-1]
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

// ELBOSum returns the summed one-sample ELBO estimate of rows x (scaled)
// in nats: log p(x|z) - KL(q(z|x) || N(0, I)) with z drawn from q by rng.
// The decoder is Gaussian with unit variance for mse (log p = -½||x-x̂||²
// - (d/2)·log 2π) and Bernoulli for bce.
func (n *Net[T]) ELBOSum(w *Workspace[T], x []T, rows int, rng *rand.Rand) float64 {
	w.ensure(n, rows)
	n.code.encode(n, w, x, rows)
	for i := range w.eps[:rows*n.H] {
		w.eps[i] = T(rng.NormFloat64())
	}
	zs := n.sample(w, rows)
	z := w.z[:rows*n.D]
	xhat := z
	if n.loss == BCE {
		xhat = w.xhat[:rows*n.D]
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
		logp -= 0.5 * float64(rows*n.D) * math.Log(2*math.Pi)
	}
	h := n.H
	ml := w.encA[n.Depth()-1]
	var kl float64
	for i := 0; i < rows; i++ {
		mu, lv := ml[i*2*h:i*2*h+h], ml[i*2*h+h:(i+1)*2*h]
		for j := range mu {
			kl += 0.5 * float64(mu[j]*mu[j]+T(math.Exp(float64(lv[j])))-lv[j]-1)
		}
	}
	return logp - kl
}

// VAE reports whether the network is variational.
func (n *Net[T]) VAE() bool { return n.vae }
