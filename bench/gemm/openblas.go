//go:build openblas

package main

// #cgo CFLAGS: -I/usr/include/x86_64-linux-gnu/openblas-pthread
// #cgo LDFLAGS: -lopenblas
// #include <cblas.h>
import "C"

const haveOpenBLAS = true

func openblasSetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

func openblasConfig() string {
	return C.GoString(C.openblas_get_config()) + " core " + C.GoString(C.openblas_get_corename())
}

func openblasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(ta), C.enum_CBLAS_TRANSPOSE(tb),
		C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(&a[0]), C.blasint(lda), (*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}
