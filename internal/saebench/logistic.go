package saebench

// A binary logistic regression with scikit-learn's default objective
// (C = 1, the intercept not penalised), on a handful of features: Newton's
// method with a backtracking line search, in float64.
//
//	f(w, b) = Σ_i log(1 + exp(-s_i (w·x_i + b))) + ½||w||²,   s_i = ±1
//	∇_w f = Σ_i (p_i - y_i) x_i + w,   ∂_b f = Σ_i (p_i - y_i),   p_i = σ(w·x_i + b)
//	∇²f = Σ_i p_i (1 - p_i) [x_i; 1][x_i; 1]ᵀ + diag(1, ..., 1, 0)

import "math"

// fitLogistic fits w (k) and b to rows x (n x k, row-major) and labels y.
func fitLogistic(x []float64, y []bool, k int) (w []float64, b float64) {
	p := k + 1 // parameters: w then b
	theta := make([]float64, p)
	g, step := make([]float64, p), make([]float64, p)
	hess := make([]float64, p*p)
	for iter := 0; iter < 100; iter++ {
		f := logisticGrad(x, y, k, theta, g, hess)
		gmax := 0.0
		for _, v := range g {
			gmax = max(gmax, math.Abs(v))
		}
		if gmax < 1e-9*float64(max(len(y), 1)) {
			break
		}
		if !solve(hess, g, step, p) {
			copy(step, g) // a singular Hessian: a gradient step
		}
		// Backtrack until the objective decreases.
		t, next := 1.0, make([]float64, p)
		for ; t > 1e-12; t /= 2 {
			for i := range next {
				next[i] = theta[i] - t*step[i]
			}
			if logisticLoss(x, y, k, next) < f {
				break
			}
		}
		if t <= 1e-12 {
			break
		}
		copy(theta, next)
	}
	return theta[:k], theta[k]
}

// logisticLoss is f at theta.
func logisticLoss(x []float64, y []bool, k int, theta []float64) float64 {
	var f float64
	for i, pos := range y {
		z := theta[k]
		for j := range k {
			z += theta[j] * x[i*k+j]
		}
		if !pos {
			z = -z
		}
		f += softplus(-z)
	}
	for _, v := range theta[:k] {
		f += v * v / 2
	}
	return f
}

// logisticGrad returns f at theta and fills its gradient and Hessian.
func logisticGrad(x []float64, y []bool, k int, theta, g, hess []float64) float64 {
	p := k + 1
	clear(g)
	clear(hess)
	xi := make([]float64, p)
	xi[k] = 1
	for i, pos := range y {
		copy(xi, x[i*k:(i+1)*k])
		z := 0.0
		for j := range p {
			z += theta[j] * xi[j]
		}
		pr := 1 / (1 + math.Exp(-z))
		r := pr
		if pos {
			r = pr - 1
		}
		wgt := pr * (1 - pr)
		for a := range p {
			g[a] += r * xi[a]
			for c := range p {
				hess[a*p+c] += wgt * xi[a] * xi[c]
			}
		}
	}
	for j := range k {
		g[j] += theta[j]
		hess[j*p+j]++
	}
	return logisticLoss(x, y, k, theta)
}

// softplus is log(1 + exp(z)) without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// solve solves a x = b (a is p x p, symmetric positive definite) by
// Gaussian elimination with partial pivoting, into x; false if singular.
func solve(a, b, x []float64, p int) bool {
	m := make([]float64, p*(p+1))
	for i := range p {
		copy(m[i*(p+1):], a[i*p:(i+1)*p])
		m[i*(p+1)+p] = b[i]
	}
	for c := range p {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(m[r*(p+1)+c]) > math.Abs(m[piv*(p+1)+c]) {
				piv = r
			}
		}
		if math.Abs(m[piv*(p+1)+c]) < 1e-300 {
			return false
		}
		for j := range p + 1 {
			m[c*(p+1)+j], m[piv*(p+1)+j] = m[piv*(p+1)+j], m[c*(p+1)+j]
		}
		for r := c + 1; r < p; r++ {
			f := m[r*(p+1)+c] / m[c*(p+1)+c]
			for j := c; j <= p; j++ {
				m[r*(p+1)+j] -= f * m[c*(p+1)+j]
			}
		}
	}
	for r := p - 1; r >= 0; r-- {
		s := m[r*(p+1)+p]
		for j := r + 1; j < p; j++ {
			s -= m[r*(p+1)+j] * x[j]
		}
		x[r] = s / m[r*(p+1)+r]
	}
	return true
}
