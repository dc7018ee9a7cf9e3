package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/kernels"
)

// accuracy measures, with -accuracy FILE, how far GemmBF16 and Gemm are
// from the float64 product on the five products of one training step of a
// ReLU autoencoder d -> hidden -> d (tied weights at initialisation,
// Gaussian with variance 1/d) on the first rows of FILE:
//
//	Z = X.W (forward), H = relu(Z), Xh = H.W^T (decoder), R = Xh - X,
//	dH = R.W masked by Z > 0, dWdec = H^T.R, dWenc = X^T.dH
//
// Each product's operands are the float32 values of the previous steps, so
// that its error is its own. Errors are relative Frobenius norms.
func accuracy(path string, rows, hidden int) error {
	m, err := data.Load(path, data.Options{})
	if err != nil {
		return err
	}
	n, d, h := min(rows, m.Rows), m.Cols, hidden
	x := m.Data[:n*d]
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, d*h) // [d, h]
	for i := range w {
		w[i] = float32(rng.NormFloat64() / math.Sqrt(float64(d)))
	}
	fmt.Printf("%s: %d rows x %d, hidden %d; relative Frobenius error against float64\n\n", path, n, d, hidden)
	fmt.Println("| product | C = op(A) . op(B) | bf16 | fp32 |")
	fmt.Println("|---|---|--:|--:|")
	z := product("forward Z = X.W", false, false, n, h, d, x, d, w, h)
	hh := make([]float32, n*h)
	for i, v := range z {
		hh[i] = max(v, 0)
	}
	xh := product("decoder Xh = H.W^T", false, true, n, d, h, hh, h, w, h)
	r := make([]float32, n*d)
	for i := range r {
		r[i] = xh[i] - x[i]
	}
	dh := product("latent gradient dH = R.W", false, false, n, h, d, r, d, w, h)
	for i, v := range z {
		if v <= 0 {
			dh[i] = 0
		}
	}
	product("decoder gradient H^T.R", true, false, h, d, n, hh, h, r, d)
	product("encoder gradient X^T.dH", true, false, d, h, n, x, d, dh, h)
	return nil
}

// product prints the errors of GemmBF16 and Gemm on op(A).op(B) (m x n,
// inner k) and returns Gemm's product.
func product(name string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int) []float32 {
	exact := gemm64(transA, transB, m, n, k, a, lda, b, ldb)
	c16 := make([]float32, m*n)
	c32 := make([]float32, m*n)
	kernels.GemmBF16(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c16, n)
	kernels.Gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c32, n)
	t := func(x bool, s string) string {
		if x {
			return "(" + s + ")^T"
		}
		return s
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	fmt.Printf("| %s | %s . %s | %.3g | %.3g |\n", name,
		t(transA, fmt.Sprintf("%dx%d", ar, ac)), t(transB, fmt.Sprintf("%dx%d", br, bc)),
		relErr64(c16, exact), relErr64(c32, exact))
	return c32
}

// gemm64 is op(A).op(B) in float64, rows split over the cores.
func gemm64(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int) []float64 {
	bk := make([]float64, k*n) // op(B), row-major
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			if transB {
				bk[p*n+j] = float64(b[j*ldb+p])
			} else {
				bk[p*n+j] = float64(b[p*ldb+j])
			}
		}
	}
	c := make([]float64, m*n)
	var wg sync.WaitGroup
	nt := kernels.Threads()
	for t := 0; t < nt; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := t; i < m; i += nt {
				ci := c[i*n : (i+1)*n]
				for p := 0; p < k; p++ {
					var av float64
					if transA {
						av = float64(a[p*lda+i])
					} else {
						av = float64(a[i*lda+p])
					}
					if av == 0 {
						continue
					}
					for j, bv := range bk[p*n : (p+1)*n] {
						ci[j] += av * bv
					}
				}
			}
		}()
	}
	wg.Wait()
	return c
}

func relErr64(x []float32, ref []float64) float64 {
	var num, den float64
	for i, v := range ref {
		e := float64(x[i]) - v
		num += e * e
		den += v * v
	}
	return math.Sqrt(num / den)
}
