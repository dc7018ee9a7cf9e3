//go:build !openblas

package main

// Without the openblas tag the program times our kernels alone.
const haveOpenBLAS = false

func openblasSetThreads(int) {}

func openblasConfig() string { return "" }

func openblasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panic("gemm: built without the openblas tag")
}
