package sae

import (
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// activate applies act in place to pre-activations v.
func activate[T kernels.Float](act Activation, v []T) {
	switch act {
	case ReLU:
		for i, x := range v {
			if x < 0 {
				v[i] = 0
			}
		}
	case Sigmoid:
		for i, x := range v {
			v[i] = T(1 / (1 + math.Exp(-float64(x))))
		}
	case Tanh:
		for i, x := range v {
			v[i] = T(math.Tanh(float64(x)))
		}
	}
}

// activationBackward turns da = dL/da into dL/dpre in place, given the
// activations a = act(pre): relu' = [a > 0], sigmoid' = a(1-a), tanh' = 1-a².
func activationBackward[T kernels.Float](act Activation, a, da []T) {
	da = da[:len(a)]
	switch act {
	case ReLU:
		for i, x := range a {
			if x <= 0 {
				da[i] = 0
			}
		}
	case Sigmoid:
		for i, x := range a {
			da[i] *= x * (1 - x)
		}
	case Tanh:
		for i, x := range a {
			da[i] *= 1 - x*x
		}
	}
}
