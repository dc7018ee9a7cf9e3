package nn

import (
	"cmp"
	"math"
	"slices"
)

// The reconstruction losses, per row i with target t_i:
//
//	mse  1/2 ||z_i - t_i||²                     dL/dz = z - t
//	bce  Σ_p softplus(z_ip) - t_ip z_ip         dL/dz = sigmoid(z) - t
//
// (bce's form is the binary cross-entropy of x̂ = sigmoid(z) up to a
// constant in t, computed without overflow.)

// outputGrad sets dz = norm·dL/dz for the output z [rows,d] (xhat its
// sigmoid for bce) against target, and returns the summed loss.
func outputGrad[T Float](loss Loss, z, xhat, target, dz []T, norm T) float64 {
	if loss == BCE {
		var rec float64
		for i, zi := range z {
			t := target[i]
			rec += float64(softplus(zi) - t*zi)
			dz[i] = (xhat[i] - t) * norm
		}
		return rec
	}
	return mseOutputGrad(z, target, dz, norm)
}

// mseOutputGrad writes the mse loss's gradient at the linear output z,
// norm*(z - target), into dz and returns 1/2 sum (z - target)^2.
//
// The sum runs in four interleaved partial sums: one chain of dependent
// float64 additions was the serial pass of a bf16 training step that
// cost most (about 1.3 ns a value).
func mseOutputGrad[T Float](z, target, dz []T, norm T) float64 {
	n := len(z)
	target, dz = target[:n], dz[:n]
	var r0, r1, r2, r3 float64
	i := 0
	for ; i+4 <= n; i += 4 {
		e0, e1, e2, e3 := z[i]-target[i], z[i+1]-target[i+1], z[i+2]-target[i+2], z[i+3]-target[i+3]
		r0 += float64(e0 * e0)
		r1 += float64(e1 * e1)
		r2 += float64(e2 * e2)
		r3 += float64(e3 * e3)
		dz[i], dz[i+1], dz[i+2], dz[i+3] = e0*norm, e1*norm, e2*norm, e3*norm
	}
	for ; i < n; i++ {
		e := z[i] - target[i]
		r0 += float64(e * e)
		dz[i] = e * norm
	}
	return 0.5 * ((r0 + r1) + (r2 + r3))
}

// lossValue is the summed loss of the output z against target (no gradient).
func lossValue[T Float](loss Loss, z, target []T) float64 {
	var rec float64
	if loss == BCE {
		for i, zi := range z {
			rec += float64(softplus(zi) - target[i]*zi)
		}
		return rec
	}
	for i, zi := range z {
		e := float64(zi - target[i])
		rec += e * e
	}
	return 0.5 * rec
}

func sigmoid[T Float](v T) T {
	return T(1 / (1 + math.Exp(-float64(v))))
}

// softplus(z) = log(1 + e^z), computed without overflow.
func softplus[T Float](z T) T {
	f := float64(z)
	return T(math.Max(f, 0) + math.Log1p(math.Exp(-math.Abs(f))))
}

// trimRows leaves the ceil(trim*rows) rows with the largest reconstruction
// loss out of the objective: their output gradient is zeroed and their
// loss subtracted from rec, which it returns. Training then fits the bulk
// of the data, not the anomalies hidden in it.
func trimRows[T Float](w *Workspace[T], rec float64, z, target, dz []T, rows, d int, trim float64, loss Loss) float64 {
	drop := int(math.Ceil(trim * float64(rows)))
	if drop <= 0 || drop >= rows {
		return rec
	}
	if cap(w.rowLoss) < rows {
		w.rowLoss = make([]float64, rows)
		w.order = make([]int, rows)
	}
	rl, order := w.rowLoss[:rows], w.order[:rows]
	for i := 0; i < rows; i++ {
		var s float64
		zi, ti := z[i*d:(i+1)*d], target[i*d:(i+1)*d]
		if loss == BCE {
			for j, v := range zi {
				s += float64(softplus(v) - ti[j]*v)
			}
		} else {
			for j, v := range zi {
				e := float64(v - ti[j])
				s += 0.5 * e * e
			}
		}
		rl[i] = s
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(rl[b], rl[a]) })
	for _, i := range order[:drop] {
		rec -= rl[i]
		clear(dz[i*d : (i+1)*d])
	}
	return rec
}
