package sae

import "github.com/sae-go/sae/internal/kernels"

// kernelAct maps an Activation to the kernels' enum.
func kernelAct(act Activation) kernels.Act {
	switch act {
	case ReLU:
		return kernels.ReLU
	case Sigmoid:
		return kernels.Sigmoid
	case Tanh:
		return kernels.Tanh
	}
	panic("sae: unknown activation " + string(act))
}

// biasActivate computes a = act(a + bias) for the rows x len(bias) matrix a.
func biasActivate[T kernels.Float](act Activation, a []T, rows int, bias []T) {
	kernels.BiasAct(kernelAct(act), a, rows, bias)
}

// activationBackward turns da = dL/da into dL/dpre in place, given the
// activations a = act(pre): relu' = [a > 0], sigmoid' = a(1-a), tanh' = 1-a².
func activationBackward[T kernels.Float](act Activation, a, da []T) {
	kernels.ActGrad(kernelAct(act), a, da)
}
