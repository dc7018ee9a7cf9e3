package kernels

import "math"

// AdamUpdate does one Adam step over parameters p with gradient g and moment
// estimates m, v (all the same length), in one pass:
//
//	m[i] = beta1*m[i] + (1-beta1)*g[i]
//	v[i] = beta2*v[i] + (1-beta2)*g[i]*g[i]
//	p[i] -= lr * (m[i]/bc1) / (sqrt(v[i]/bc2) + eps)
//
// where bc1 = 1-beta1^t and bc2 = 1-beta2^t are the bias corrections of step
// t (1-based); pass 1 for both to skip the correction.
func AdamUpdate[T Float](p, g, m, v []T, lr, beta1, beta2, eps, bc1, bc2 T) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if p32, ok := any(p).([]float32); ok {
		adam32(p32, any(g).([]float32), any(m).([]float32), any(v).([]float32),
			float32(lr), float32(beta1), float32(beta2), float32(eps), float32(bc1), float32(bc2))
		return
	}
	step := lr / bc1
	ibc2 := 1 / bc2
	for i, gi := range g {
		mi := beta1*m[i] + (1-beta1)*gi
		vi := beta2*v[i] + (1-beta2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= step * mi / (T(math.Sqrt(float64(vi*ibc2))) + eps)
	}
}

func adam32(p, g, m, v []float32, lr, beta1, beta2, eps, bc1, bc2 float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	step := lr / bc1
	ibc2 := 1 / bc2
	c1, c2 := 1-beta1, 1-beta2
	for i, gi := range g {
		mi := beta1*m[i] + c1*gi
		vi := beta2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= step * mi / (float32(math.Sqrt(float64(vi*ibc2))) + eps)
	}
}
