package nn

import "github.com/sae-go/sae/internal/kernels"

// dense is one layer's view into the parameter vector:
//
//	forward   y [rows,out] = x [rows,in] · W [in,out] + b   (tied: x · tw^T, tw [out,in])
//	backward  dW += x^T · dy;  db += Σ_rows dy;  dx = dy · W^T
type dense[T Float] struct {
	in, out int
	w       []T  // [in,out]; nil for a tied layer
	tw      []T  // tied: the mirrored encoder weight [out,in], used transposed
	b       []T  // [out]
	gw, gb  int  // offsets of the weight (the tied encoder weight) and bias in the gradient
	nt      int  // cores of the products (0: kernels.Threads())
	bf16    bool // products with bfloat16 operands (Spec.BF16)
}

// gemm is kernels.GemmN with alpha 1, or with L.bf16 and T float32
// kernels.GemmBF16N.
func (L *dense[T]) gemm(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if a32, ok := any(a).([]float32); ok && L.bf16 {
		kernels.GemmBF16N(L.nt, transA, transB, m, n, k, 1, a32, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
		return
	}
	kernels.GemmN(L.nt, transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

// forward computes y = x·W for rows of x (no bias, no activation: the
// caller fuses those in one pass).
func (L *dense[T]) forward(x []T, rows int, y []T) {
	if L.tw != nil {
		L.gemm(false, true, rows, L.out, L.in, x, L.in, L.tw, L.in, 0, y, L.out)
	} else {
		L.gemm(false, false, rows, L.out, L.in, x, L.in, L.w, L.out, 0, y, L.out)
	}
}

// backward accumulates the layer's gradients for output gradient dy [rows,out]
// and input x [rows,in] into g, and, when dx is non-nil, sets dx = dy·W^T.
func (L *dense[T]) backward(x, dy []T, rows int, g, dx, colTmp []T) {
	if L.tw != nil {
		// y = x·tw^T: d(tw) [out,in] += dy^T·x; dx = dy·tw.
		L.gemm(true, false, L.out, L.in, rows, dy, L.out, x, L.in, 1, g[L.gw:L.gw+L.out*L.in], L.in)
		if dx != nil {
			L.gemm(false, false, rows, L.in, L.out, dy, L.out, L.tw, L.in, 0, dx, L.in)
		}
	} else {
		// dW [in,out] += x^T·dy; dx = dy·W^T.
		L.gemm(true, false, L.in, L.out, rows, x, L.in, dy, L.out, 1, g[L.gw:L.gw+L.in*L.out], L.out)
		if dx != nil {
			L.gemm(false, true, rows, L.in, L.out, dy, L.out, L.w, L.out, 0, dx, L.in)
		}
	}
	kernels.ColSums(colTmp[:L.out], dy, rows)
	kernels.Axpy(1, colTmp[:L.out], g[L.gb:L.gb+L.out])
}

// biasActivate computes a = act(a + bias) for the rows x len(bias) matrix a.
func biasActivate[T Float](act Act, a []T, rows int, bias []T) {
	kernels.BiasAct(act, a, rows, bias)
}

// activationBackward turns da = dL/da into dL/dpre in place, given the
// activations a = act(pre): relu' = [a > 0], sigmoid' = a(1-a), tanh' = 1-a².
func activationBackward[T Float](act Act, a, da []T) {
	kernels.ActGrad(act, a, da)
}
