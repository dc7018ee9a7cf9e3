// Package nn is the sparse autoencoder's network: dense layers with their
// forward and backward passes side by side, the per-batch workspace, the
// reconstruction losses, the sparsity kinds (kind.go and one kind_*.go file
// each), the contractive and variational terms and the softmax head. It
// knows nothing of files, data or training schedules: the root package's
// trainer drives it through Net's methods.
//
// Everything is generic over float32 (the production path, whose products
// run on internal/kernels' fast GEMM) and float64 (the same code, for the
// gradient checks against central finite differences in the tests).
//
// # Shapes
//
// B rows in a batch, widths Sizes = [d, h1, ..., hk], hk = h the code
// width, all row-major:
//
//	x      [B,d]         input
//	enc l  W [s_l, s_l+1], b [s_l+1]    a_l+1 = act(a_l·W + b), a_0 = x
//	code   a_k [B,h]     (the sparsity kind acts here)
//	dec m  W [s_k-m, s_k-m-1], b        u_m+1 = act(u_m·W + b), u_0 = code
//	z      [B,d]         last decoder layer before the output function;
//	                     x̂ = z (mse) or sigmoid(z) (bce)
//
// Tied decoder layers use the mirrored encoder layer's W transposed. All
// parameters live in one flat slice so optimisers see one vector.
package nn

import "github.com/sae-go/sae/internal/kernels"

// Float is the element type: float32 or float64.
type Float = kernels.Float

// Act is a hidden layer's nonlinearity: kernels.ReLU, Sigmoid or Tanh.
type Act = kernels.Act

// Loss is the reconstruction loss; it also fixes the output layer.
type Loss uint8

const (
	// MSE: linear output, loss = Σ_rows 1/2 ||x̂ - x||².
	MSE Loss = iota
	// BCE: sigmoid output, loss = Σ_rows summed binary cross entropy.
	BCE
)

// Spec is the shape of a network.
type Spec struct {
	Sizes []int // [d, layer widths...]; the last is the code width h
	Act   Act
	Loss  Loss
	Tied  bool
	// VAE makes the last encoder layer a Gaussian one: 2h linear outputs,
	// the mean and the log-variance of the code.
	VAE bool
	// Classes > 0 adds a softmax head on the code: W_head [h,classes],
	// b_head [classes].
	Classes int
	// Kind is the sparsity kind (nil: none). A kind with its own code
	// (Traits.Code) needs a one-layer model and may add tensors.
	Kind Kind
	// K is the number of latents kept per row of a kind that keeps K
	// (Traits.K).
	K int
	// UnitDecoder keeps the decoder rows of a one-layer untied model at
	// unit norm: Net.ConstrainGrad and Net.Constrain.
	UnitDecoder bool
	// Threads is the most cores the network's products and loops use (0:
	// kernels.Threads()); results do not depend on it.
	Threads int
	// Out > 0 makes a transcoder (transcoder.go): the decoder writes Out
	// values, a prediction of another array than the input, and the
	// encoder reads the input as it is (no centring by b_dec). A
	// one-layer untied mse model only.
	Out int
	// Skip adds a transcoder's linear skip W_skip [d, Out]: the
	// prediction gains x·W_skip.
	Skip bool
	// BF16 multiplies the dense layers' products (forward and backward)
	// with bfloat16 operands and float32 sums (kernels.GemmBF16N) in a
	// float32 network; weights, gradients and everything else stay
	// float32. A float64 network ignores it.
	BF16 bool
}

// Segment describes one tensor inside the flat parameter vector.
type Segment struct {
	Name   string
	Off    int
	Shape  []int
	Weight bool // subject to weight decay
}

// Size is the number of values of the tensor.
func (s Segment) Size() int {
	n := 1
	for _, v := range s.Shape {
		n *= v
	}
	return n
}
