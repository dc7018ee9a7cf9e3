package sae

import "github.com/sae-go/sae/internal/kernels"

// Mixed precision (Config.Precision). With bf16 the dense layers'
// products in training (forward and backward: x·W, x^T·dy, dy·W^T) round
// their operands to bfloat16 and sum in float32 (kernels.GemmBF16N);
// master weights, gradients, Adam's moments, the loss and every other
// operation stay float32, as PyTorch's autocast does. A topk, batchtopk
// or jumprelu dictionary has one dense product, the encoder's forward;
// its sparse decode and backward are float32. The model is float32 and,
// from the final loss on, evaluated with float32 products: a model
// trained in bf16 is read, served and exported like any other.
//
// bf16 is only worth it where the CPU multiplies bfloat16 faster than
// float32. A VDPBF16PS does the work of two FMAs, but not every core
// issues it as often: kernels.BF16Speedup measures the ratio on this
// machine. Auto settles to bf16 where the CPU has AVX512_BF16 and the
// measured speedup is at least bf16MinSpeedup (a margin over 1 against
// the measurement's noise and the packing's extra rounding), and only for
// the mini-batch optimisers whose quality with bf16 the tests check
// (TestPrecisionBF16*): final loss within 1% of the fp32 run's. Elsewhere
// (no AVX512_BF16, the noasm build, a core that issues VDPBF16PS slowly,
// lbfgs) it is fp32, whose results are those of a build without bf16.
// An explicit bf16 runs everywhere: without AVX512_BF16 the same products
// come from the float32 kernels on rounded operands, at fp32 speed.

// bf16MinSpeedup is the least kernels.BF16Speedup for which auto picks
// bf16.
const bf16MinSpeedup = 1.2

// settlePrecision is c.Precision with auto settled for this machine.
func (c Config) settlePrecision() Precision {
	switch c.Precision {
	case PrecisionAuto:
		if c.Optimizer != LBFGS && kernels.BF16Native() && kernels.BF16Speedup() >= bf16MinSpeedup {
			return BF16
		}
		return FP32
	case "":
		return FP32
	}
	return c.Precision
}
