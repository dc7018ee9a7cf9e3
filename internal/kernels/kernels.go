// Package kernels holds every dense linear-algebra routine the trainer and the
// commands use: GEMM with transposes and the vector operations of a training
// step. Matrices are row-major slices with an explicit leading dimension.
//
// The routines are generic over float32 and float64. float32 is the
// production path (fast kernels where the CPU has them); float64 runs the same
// model code for gradient checks against finite differences.
//
// Misuse (slices too short for the given shapes) panics, as in gonum.
//
// Contents: Gemm (sgemm.go: a packed, blocked driver over a register-tiled
// micro-kernel, AVX-512 or AVX2 assembly on amd64 chosen at run time, plain
// Go under the noasm tag and elsewhere; parallel over Threads() cores with a
// persistent worker pool; products of one to four untransposed rows go row
// by row through an AVX-512 GEMV instead, gemv_amd64.s, since packing B
// would cost more than the product); GemmBF16 (bf16.go: the same driver
// with the operands rounded to bfloat16 and float32 sums, on a VDPBF16PS
// micro-kernel where the CPU has AVX512_BF16, bf16_amd64.s, and on the
// float32 kernels with rounded panels elsewhere); vector operations
// (vec.go); BiasAct and ActGrad (activation.go); AdamUpdate (adam.go); TopK
// (topk.go). None of them allocates once its buffers exist.
package kernels

// SmallM is the most rows of op(A) that Gemm may multiply row by row (the
// AVX-512 GEMV), which sums over k in another order than the blocked
// product: a row of C is the same bit for bit in every product of more
// than SmallM rows, whatever the others, and may differ in its last bits
// in a product of SmallM rows or fewer. Code that cuts a run of rows into
// products keeps every product above SmallM rows to give the same results
// however it cuts.
const SmallM = 4

// Float is the element type of every kernel.
type Float interface{ ~float32 | ~float64 }

// Gemm computes C = alpha*op(A)*op(B) + beta*C where op(X) is X or X^T.
// op(A) is m x k, op(B) is k x n, C is m x n; all row-major with leading
// dimensions lda, ldb, ldc. With beta == 0, C is overwritten (NaN in C does
// not propagate).
//
// Reference: c[i*ldc+j] = alpha*sum_p opA(i,p)*opB(p,j) + beta*c[i*ldc+j].
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	GemmN(0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmN is Gemm on at most threads cores (0: Threads()). The result does
// not depend on the number of cores.
func GemmN[T Float](threads int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float32:
		sgemm(orThreads(threads), transA, transB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	default:
		gemmRef(transA, transB, m, n, k, alpha, a.([]T), lda, b, ldb, beta, c, ldc)
	}
}

func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("kernels: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(rows, cols, ld, l int, name string) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic("kernels: bad leading dimension for " + name)
		}
		if l < (rows-1)*ld+cols {
			panic("kernels: slice too short for " + name)
		}
	}
	need(ar, ac, lda, la, "A")
	need(br, bc, ldb, lb, "B")
	need(m, n, ldc, lc, "C")
}

// gemmRef is the plain-Go reference GEMM: correct for every layout, cache
// friendly enough for tests and small problems.
func gemmRef[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if k == 0 || alpha == 0 {
			continue
		}
		if !transB {
			for p := 0; p < k; p++ {
				var av T
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				av *= alpha
				if av == 0 {
					continue
				}
				bp := b[p*ldb : p*ldb+n]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
			continue
		}
		for j := 0; j < n; j++ {
			bj := b[j*ldb : j*ldb+k]
			var s T
			if transA {
				for p, bv := range bj {
					s += a[p*lda+i] * bv
				}
			} else {
				ai := a[i*lda : i*lda+k]
				for p, bv := range bj {
					s += ai[p] * bv
				}
			}
			ci[j] += alpha * s
		}
	}
}
