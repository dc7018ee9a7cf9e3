//go:build ignore

// gen_sgemm_amd64 writes sgemm_amd64.s, the float32 GEMM micro-kernels
// (and the vector kernels of a training step), and bf16_amd64.s, the
// bfloat16 micro-kernels and packing:
//
//	go run gen_sgemm_amd64.go
//
// Every kernel computes one mr x nr tile of C from packed panels:
//
//	acc[i][j] = sum_p a[p*mr+i] * b[p*nr+j]   (p < kc)
//	C[i*ldc+j] = alpha*acc[i][j] + beta*C[i*ldc+j]   (C is not read if beta == 0)
//
// The accumulators stay in registers for the whole kc loop; each step loads
// nr/w vectors of b, broadcasts the mr values of a, and issues mr*nr/w FMAs.
// The bfloat16 kernels are the same loops over pairs of k: a 32-bit word of
// a holds two bfloat16 of one row, a word of b two of one column, and a
// step is one VDPBF16PS (both products added to the float32 accumulator)
// per FMA.
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
)

type kernel struct {
	name   string
	mr, nv int    // rows, vectors per row
	width  int    // floats per vector
	reg    string // "Z" or "Y"
	unroll int
	pfB    int // prefetch distance for b in bytes (0: none)

	// Floats per step in the packed panels, when the kernel covers only
	// part of a wider kernel's tile (an edge variant); 0 means mr and nr.
	aStride, bStride int

	// bf16: the panels hold pairs of bfloat16 along k in 32-bit words
	// and a step is VDPBF16PS instead of VFMADD231PS (kc counts pairs).
	bf16 bool
}

var out bytes.Buffer

func p(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

func gen(k kernel) {
	nr := k.nv * k.width
	nAcc := k.mr * k.nv
	as, bs := k.aStride, k.bStride
	if as == 0 {
		as = k.mr
	}
	if bs == 0 {
		bs = nr
	}
	nTmp := 32
	if k.reg == "Y" {
		nTmp = 16
	}
	nTmp -= nAcc + k.nv // registers left for broadcasts
	if nTmp < 1 {
		panic("too many registers")
	}
	bReg := func(v int) string { return fmt.Sprintf("%s%d", k.reg, v) }
	tReg := func(i int) string { return fmt.Sprintf("%s%d", k.reg, k.nv+i%nTmp) }
	acc := func(i, v int) string { return fmt.Sprintf("%s%d", k.reg, k.nv+nTmp+i*k.nv+v) }
	vb := k.width * 4 // bytes per vector

	genHeader(k)
	p("\tMOVQ a+8(FP), SI")
	p("\tMOVQ b+16(FP), DI")
	p("\tMOVQ c+24(FP), DX")
	p("\tMOVQ ldc+32(FP), R9")
	p("\tSHLQ $2, R9")
	// Prefetch the C tile while the products are computed.
	p("\tMOVQ DX, R10")
	for i := 0; i < k.mr; i++ {
		p("\tPREFETCHT0 (R10)")
		p("\tPREFETCHT0 %d(R10)", nr*4-4)
		p("\tADDQ R9, R10")
	}
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			r := acc(i, v)
			if k.reg == "Z" {
				p("\tVPXORD %s, %s, %s", r, r, r)
			} else {
				p("\tVXORPS %s, %s, %s", r, r, r)
			}
		}
	}
	step := func(s int) {
		if k.pfB > 0 {
			p("\tPREFETCHT0 %d(DI)", s*bs*4+k.pfB)
		}
		for v := 0; v < k.nv; v++ {
			p("\tVMOVUPS %d(DI), %s", s*bs*4+v*vb, bReg(v))
		}
		for i := 0; i < k.mr; i++ {
			t := tReg(i)
			p("\tVBROADCASTSS %d(SI), %s", (s*as+i)*4, t)
			for v := 0; v < k.nv; v++ {
				if k.bf16 {
					vdpbf16ps(regNum(acc(i, v)), regNum(t), regNum(bReg(v)))
				} else {
					p("\tVFMADD231PS %s, %s, %s", bReg(v), t, acc(i, v))
				}
			}
		}
	}
	L := k.name
	p("\tMOVQ CX, BX")
	p("\tSHRQ $%d, BX", log2(k.unroll))
	p("\tJZ %s_tail", L)
	p("%s_loop:", L)
	for s := 0; s < k.unroll; s++ {
		step(s)
	}
	p("\tADDQ $%d, SI", k.unroll*as*4)
	p("\tADDQ $%d, DI", k.unroll*bs*4)
	p("\tDECQ BX")
	p("\tJNZ %s_loop", L)
	p("%s_tail:", L)
	p("\tANDQ $%d, CX", k.unroll-1)
	p("\tJZ %s_store", L)
	p("%s_tailloop:", L)
	step(0)
	p("\tADDQ $%d, SI", as*4)
	p("\tADDQ $%d, DI", bs*4)
	p("\tDECQ CX")
	p("\tJNZ %s_tailloop", L)

	p("%s_store:", L)
	genStore(k, L, bReg(0), tReg(0), acc)
}

// genHeader emits a kernel's declaration and loads its depth into CX.
func genHeader(k kernel) {
	depth := "kc"
	if k.bf16 {
		depth = "kc2"
	}
	p("// func %s(%s int, a, b, c *float32, ldc int, alpha, beta float32)", k.name, depth)
	if k.bf16 {
		p("// (kc2 pairs of k: each step multiplies bfloat16 pairs, VDPBF16PS)")
	}
	p("TEXT ·%s(SB), NOSPLIT, $0-48", k.name)
	p("\tMOVQ %s+0(FP), CX", depth)
}

// genStore emits a kernel's end: C = alpha*acc + beta*C row by row (DX at
// row 0, R9 the row stride in bytes), not reading C when beta == 0, with
// alpha and beta broadcast into the registers of those names.
func genStore(k kernel, L, alpha, beta string, acc func(i, v int) string) {
	vb := k.width * 4
	p("\tVBROADCASTSS alpha+40(FP), %s", alpha)
	p("\tMOVL beta+44(FP), AX")
	p("\tANDL $0x7fffffff, AX")
	p("\tJZ %s_beta0", L)
	p("\tVBROADCASTSS beta+44(FP), %s", beta)
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			r := acc(i, v)
			p("\tVMULPS %s, %s, %s", alpha, r, r)
			p("\tVFMADD231PS %d(DX), %s, %s", v*vb, beta, r)
			p("\tVMOVUPS %s, %d(DX)", r, v*vb)
		}
		if i < k.mr-1 {
			p("\tADDQ R9, DX")
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
	p("%s_beta0:", L)
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			r := acc(i, v)
			p("\tVMULPS %s, %s, %s", alpha, r, r)
			p("\tVMOVUPS %s, %d(DX)", r, v*vb)
		}
		if i < k.mr-1 {
			p("\tADDQ R9, DX")
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// genTranspose emits packT16: for each of the kc/16 blocks of 16 columns p,
// it loads rows 0..rows-1 (16 floats each, row r at src + r*ld), zero-fills
// the rows up to 16, transposes the 16x16 block in registers (unpack pairs,
// unpack quads, shuffle 128-bit lanes twice) and stores column p's 16 values
// under the write mask at dst + p*dstStride:
//
//	dst[p*dstStride + r] = src[r*ld + p]   (r < 16 where mask bit r is set)
func genTranspose() {
	p("// func packT16(dst, src *float32, ld, kc, dstStride, rows int, mask uint16)")
	p("TEXT ·packT16(SB), NOSPLIT, $0-50")
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ src+8(FP), SI")
	p("\tMOVQ ld+16(FP), R8")
	p("\tSHLQ $2, R8")
	p("\tMOVQ kc+24(FP), CX")
	p("\tSHRQ $4, CX")
	p("\tJZ packT16_done")
	p("\tMOVQ dstStride+32(FP), R9")
	p("\tSHLQ $2, R9")
	p("\tMOVQ rows+40(FP), R11")
	p("\tMOVWLZX mask+48(FP), AX")
	p("\tKMOVW AX, K1")
	p("packT16_loop:")
	p("\tMOVQ SI, R10")
	// Prefetch each row two blocks ahead.
	for r := 0; r < 16; r++ {
		p("\tPREFETCHT0 128(R10)")
		if r < 15 {
			p("\tADDQ R8, R10")
		}
	}
	p("\tMOVQ SI, R10")
	// Load the rows that exist, zero the others.
	for r := 0; r < 16; r++ {
		p("\tCMPQ R11, $%d", r)
		p("\tJLE packT16_zero%d", r)
		p("\tVMOVUPS (R10), Z%d", r)
		p("\tADDQ R8, R10")
	}
	p("\tJMP packT16_loaded")
	for r := 0; r < 16; r++ {
		p("packT16_zero%d:", r)
		p("\tVPXORD Z%d, Z%d, Z%d", r, r, r)
	}
	p("packT16_loaded:")
	transpose16()
	// Column c = 4l+j is in Z(4l+j): store them in order.
	for c := 0; c < 16; c++ {
		p("\tVMOVUPS Z%d, K1, (DI)", c)
		p("\tADDQ R9, DI")
	}
	p("\tADDQ $64, SI")
	p("\tDECQ CX")
	p("\tJNZ packT16_loop")
	p("packT16_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// transpose16 emits the 16x16 transpose of 32-bit elements in registers:
// row r in Z(r) on entry, column c in Z(c) on exit; Z16-Z31 are clobbered.
// It unpacks pairs, then quads, then shuffles 128-bit lanes twice.
func transpose16() {
	// Stage 1: pairs of rows. t[2i] = lo(r2i, r2i+1), t[2i+1] = hi.
	for i := 0; i < 8; i++ {
		p("\tVUNPCKLPS Z%d, Z%d, Z%d", 2*i+1, 2*i, 16+2*i)
		p("\tVUNPCKHPS Z%d, Z%d, Z%d", 2*i+1, 2*i, 16+2*i+1)
	}
	// Stage 2: quads. For group g (rows 4g..4g+3), u[4g+j] holds, in
	// 128-bit lane l, column 4l+j of the group's four rows.
	for g := 0; g < 4; g++ {
		t := 16 + 4*g
		p("\tVUNPCKLPD Z%d, Z%d, Z%d", t+2, t, 4*g+0)
		p("\tVUNPCKHPD Z%d, Z%d, Z%d", t+2, t, 4*g+1)
		p("\tVUNPCKLPD Z%d, Z%d, Z%d", t+3, t+1, 4*g+2)
		p("\tVUNPCKHPD Z%d, Z%d, Z%d", t+3, t+1, 4*g+3)
	}
	// Stage 3: pair groups 0,1 and 2,3 by lane halves.
	// v[j] = lanes 0,1 of u0j and u1j; w[j] = lanes 2,3; the same for 2,3.
	for j := 0; j < 4; j++ {
		p("\tVSHUFF32X4 $0x44, Z%d, Z%d, Z%d", 4+j, j, 16+j)    // v01
		p("\tVSHUFF32X4 $0xEE, Z%d, Z%d, Z%d", 4+j, j, 20+j)    // w01
		p("\tVSHUFF32X4 $0x44, Z%d, Z%d, Z%d", 12+j, 8+j, 24+j) // v23
		p("\tVSHUFF32X4 $0xEE, Z%d, Z%d, Z%d", 12+j, 8+j, 28+j) // w23
	}
	// Stage 4: column 4l+j gathers lane l of every group.
	for j := 0; j < 4; j++ {
		p("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 24+j, 16+j, j)    // l = 0
		p("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 24+j, 16+j, 4+j)  // l = 1
		p("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 28+j, 20+j, 8+j)  // l = 2
		p("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 28+j, 20+j, 12+j) // l = 3
	}
}

// genRuns emits packRuns16: for each p < kc, it copies panels runs of w
// floats from the contiguous row at src + p*ld into consecutive panels:
//
//	dst[q*panelStride + p*w + x] = src[p*ld + q*w + x]   (q < panels, x < w)
//
// moving full runs of 16 with VMOVUPS and the last w%16 under the mask.
func genRuns() {
	p("// func packRuns16(dst, src *float32, ld, kc, w, panels, panelStride int, mask uint16)")
	p("TEXT ·packRuns16(SB), NOSPLIT, $0-58")
	p("\tMOVQ dst+0(FP), DI") // panel 0, row p
	p("\tMOVQ src+8(FP), SI") // row p
	p("\tMOVQ ld+16(FP), R8")
	p("\tSHLQ $2, R8")
	p("\tMOVQ kc+24(FP), CX")
	p("\tMOVQ w+32(FP), R9")
	p("\tMOVQ panels+40(FP), R12")
	p("\tMOVQ panelStride+48(FP), R13")
	p("\tSHLQ $2, R13")
	p("\tMOVWLZX mask+56(FP), AX")
	p("\tKMOVW AX, K1")
	p("\tMOVQ R9, R14")
	p("\tSHRQ $4, R14")
	p("\tSHLQ $6, R14") // bytes of the full runs of 16 in one panel
	// Bytes of one row's runs, for prefetching the row four ahead (rows
	// are usually pages apart, where the hardware prefetchers stop).
	p("\tMOVQ R9, BX")
	p("\tIMULQ R12, BX")
	p("\tSHLQ $2, BX")
	p("\tTESTQ CX, CX")
	p("\tJZ packRuns16_done")
	p("packRuns16_row:")
	p("\tLEAQ (SI)(R8*4), R10")
	p("\tXORQ DX, DX")
	p("packRuns16_pf:")
	p("\tPREFETCHT0 (R10)(DX*1)")
	p("\tADDQ $64, DX")
	p("\tCMPQ DX, BX")
	p("\tJLT packRuns16_pf")
	p("\tMOVQ SI, R10")
	p("\tMOVQ DI, R11")
	p("\tMOVQ R12, R15")
	p("packRuns16_panel:")
	p("\tXORQ DX, DX")
	p("\tCMPQ DX, R14")
	p("\tJGE packRuns16_tail")
	p("packRuns16_full:")
	p("\tVMOVUPS (R10)(DX*1), Z0")
	p("\tVMOVUPS Z0, (R11)(DX*1)")
	p("\tADDQ $64, DX")
	p("\tCMPQ DX, R14")
	p("\tJLT packRuns16_full")
	p("packRuns16_tail:")
	p("\tTESTW AX, AX")
	p("\tJZ packRuns16_next")
	p("\tVMOVUPS (R10)(DX*1), K1, Z0")
	p("\tVMOVUPS Z0, K1, (R11)(DX*1)")
	p("packRuns16_next:")
	p("\tLEAQ (R10)(R9*4), R10")
	p("\tADDQ R13, R11")
	p("\tDECQ R15")
	p("\tJNZ packRuns16_panel")
	p("\tADDQ R8, SI")
	p("\tLEAQ (DI)(R9*4), DI")
	p("\tDECQ CX")
	p("\tJNZ packRuns16_row")
	p("packRuns16_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// genBiasAct emits biasActAVX512: x[j] = act(x[j] + bias[j]) for j < n,
// 16 floats at a time and the last n%16 under the mask tail. act is 0
// identity, 1 relu, 2 sigmoid, 3 tanh, with
//
//	sigmoid(x) = 1/(1+exp(-x))
//	tanh(x)    = sign(x) * -em1/(2+em1), em1 = expm1(-2|x|)
//	exp(u)     = 2^n * P(r),  expm1(u) = 2^n*Q(r) + (2^n - 1)
//
// where n = round(u/ln2), r = u - n*ln2 (in two parts), P is the degree-7
// Taylor polynomial of exp and Q = P - 1.
func genBiasAct() {
	p("// func biasActAVX512(x, bias *float32, n int, tail uint16, act int)")
	p("TEXT ·biasActAVX512(SB), NOSPLIT, $0-40")
	p("\tMOVQ x+0(FP), DI")
	p("\tMOVQ bias+8(FP), SI")
	p("\tMOVQ n+16(FP), CX")
	p("\tSHRQ $4, CX")
	p("\tMOVWLZX tail+24(FP), AX")
	p("\tKMOVW AX, K1")
	p("\tMOVQ act+32(FP), DX")
	konst := func(reg int, bits uint32) {
		p("\tMOVL $0x%08x, AX", bits)
		p("\tVPBROADCASTD AX, Z%d", reg)
	}
	f32 := func(v float32) uint32 { return math.Float32bits(v) }
	// Constants: Z16 log2e, Z17 ln2hi, Z18 ln2lo, Z19 1, Z20 clamp lo,
	// Z21 clamp hi, Z22..Z28 polynomial c1..c7, Z29 abs mask, Z30 2, Z31 0.
	konst(16, f32(1.44269504))
	konst(17, f32(0.693359375))
	konst(18, f32(-2.12194440e-4))
	konst(19, f32(1))
	konst(20, f32(-87))
	konst(21, f32(88))
	c := []float64{1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040}
	for i, v := range c {
		konst(22+i, f32(float32(v)))
	}
	konst(29, 0x7fffffff)
	konst(30, f32(2))
	p("\tVPXORD Z31, Z31, Z31")
	p("\tMOVWLZX tail+24(FP), AX") // restore the mask bits for the tail test

	// reduce emits: Z2 = n, Z3 = r for u in Z1 (clamped first).
	reduce := func() {
		// Operands ordered so that NaN passes through.
		p("\tVMAXPS Z1, Z20, Z1")
		p("\tVMINPS Z1, Z21, Z1")
		p("\tVMULPS Z16, Z1, Z2")
		p("\tVRNDSCALEPS $0, Z2, Z2")
		p("\tVMOVAPS Z1, Z3")
		p("\tVFNMADD231PS Z17, Z2, Z3")
		p("\tVFNMADD231PS Z18, Z2, Z3")
	}
	// poly emits Z4 = Q(r) = r*(c1 + r*(c2 + ... r*c7)) for r in Z3.
	poly := func() {
		p("\tVMOVAPS Z28, Z4")
		for i := 5; i >= 0; i-- {
			p("\tVFMADD213PS Z%d, Z3, Z4", 22+i)
		}
		p("\tVMULPS Z3, Z4, Z4")
	}
	acts := []string{"id", "relu", "sigmoid", "tanh"}
	for i, a := range acts {
		p("\tCMPQ DX, $%d", i)
		p("\tJEQ biasAct_%s", a)
	}
	p("\tJMP biasAct_done")
	for _, a := range acts {
		for _, masked := range []bool{false, true} {
			lbl := "biasAct_" + a
			k := ""
			if masked {
				lbl += "_tail"
				k = "K1, "
				p("%s:", lbl)
				p("\tTESTW AX, AX")
				p("\tJZ biasAct_done")
			} else {
				p("%s:", lbl)
				p("\tTESTQ CX, CX")
				p("\tJZ %s_tail", lbl)
				p("%s_loop:", lbl)
			}
			p("\tVMOVUPS (DI), %sZ0", k)
			p("\tVADDPS (SI), Z0, %sZ0", k)
			genActBody(a, reduce, poly)
			p("\tVMOVUPS Z0, %s(DI)", k)
			if masked {
				p("\tJMP biasAct_done")
			} else {
				p("\tADDQ $64, DI")
				p("\tADDQ $64, SI")
				p("\tDECQ CX")
				p("\tJNZ %s_loop", lbl)
				p("\tJMP %s_tail", lbl)
			}
		}
	}
	p("biasAct_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// genActBody emits act a on Z0 in place (a of genBiasAct's acts), with
// reduce and poly the exp helpers genBiasAct defines on its constants.
func genActBody(a string, reduce, poly func()) {
	switch a {
	case "relu":
		p("\tVMAXPS Z0, Z31, Z0") // NaN passes through
	case "sigmoid":
		p("\tVSUBPS Z0, Z31, Z1") // u = -x
		reduce()
		poly()
		p("\tVADDPS Z19, Z4, Z4")   // P = 1 + Q
		p("\tVSCALEFPS Z2, Z4, Z4") // exp(-x)
		p("\tVADDPS Z19, Z4, Z4")   // 1 + exp(-x)
		p("\tVDIVPS Z4, Z19, Z0")   // 1 / (1 + exp(-x))
	case "tanh":
		p("\tVANDPS Z29, Z0, Z5")  // |x|
		p("\tVANDNPS Z0, Z29, Z6") // sign bit of x
		p("\tVADDPS Z5, Z5, Z1")
		p("\tVSUBPS Z1, Z31, Z1") // u = -2|x|
		reduce()
		poly()
		p("\tVSCALEFPS Z2, Z4, Z4")  // 2^n * Q
		p("\tVSCALEFPS Z2, Z19, Z7") // 2^n
		p("\tVSUBPS Z19, Z7, Z7")    // 2^n - 1
		p("\tVADDPS Z7, Z4, Z4")     // em1
		p("\tVADDPS Z30, Z4, Z7")    // 2 + em1
		p("\tVSUBPS Z4, Z31, Z4")    // -em1
		p("\tVDIVPS Z7, Z4, Z0")     // tanh|x|
		p("\tVORPS Z6, Z0, Z0")
	}
}

// genActGrad emits actGradAVX512, the activation derivative applied to a
// gradient, 16 floats at a time and the last n%16 under the mask tail:
//
//	relu: da = a > 0 ? da : 0;  sigmoid: da *= a*(1-a);  tanh: da *= 1-a*a
func genActGrad() {
	p("// func actGradAVX512(a, da *float32, n int, tail uint16, act int)")
	p("TEXT ·actGradAVX512(SB), NOSPLIT, $0-40")
	p("\tMOVQ a+0(FP), DI")
	p("\tMOVQ da+8(FP), SI")
	p("\tMOVQ n+16(FP), CX")
	p("\tSHRQ $4, CX")
	p("\tMOVWLZX tail+24(FP), AX")
	p("\tKMOVW AX, K1")
	p("\tMOVQ act+32(FP), DX")
	p("\tMOVL $0x%08x, BX", math.Float32bits(1))
	p("\tVPBROADCASTD BX, Z19")
	p("\tVPXORD Z31, Z31, Z31")
	acts := []string{"relu", "sigmoid", "tanh"}
	for i, a := range acts {
		p("\tCMPQ DX, $%d", i+1)
		p("\tJEQ actGrad_%s", a)
	}
	p("\tJMP actGrad_done")
	for _, a := range acts {
		for _, masked := range []bool{false, true} {
			lbl := "actGrad_" + a
			k, kw := "", ""
			if masked {
				lbl += "_tail"
				k, kw = "K1, ", "K1, "
				p("%s:", lbl)
				p("\tTESTW AX, AX")
				p("\tJZ actGrad_done")
			} else {
				p("%s:", lbl)
				p("\tTESTQ CX, CX")
				p("\tJZ %s_tail", lbl)
				p("%s_loop:", lbl)
			}
			p("\tVMOVUPS (DI), %sZ0", k) // a
			p("\tVMOVUPS (SI), %sZ1", k) // da
			switch a {
			case "relu":
				// a > 0, ordered: NaN gives 0 as in the Go code.
				p("\tVCMPPS $0x1e, Z31, Z0, %sK2", kw)
				p("\tVMOVAPS.Z Z1, K2, Z1")
			case "sigmoid":
				p("\tVSUBPS Z0, Z19, Z2") // 1-a
				p("\tVMULPS Z2, Z0, Z2")  // a*(1-a)
				p("\tVMULPS Z2, Z1, Z1")
			case "tanh":
				p("\tVMOVAPS Z19, Z2")
				p("\tVFNMADD231PS Z0, Z0, Z2") // 1-a*a
				p("\tVMULPS Z2, Z1, Z1")
			}
			p("\tVMOVUPS Z1, %s(SI)", k)
			if masked {
				p("\tJMP actGrad_done")
			} else {
				p("\tADDQ $64, DI")
				p("\tADDQ $64, SI")
				p("\tDECQ CX")
				p("\tJNZ %s_loop", lbl)
				p("\tJMP %s_tail", lbl)
			}
		}
	}
	p("actGrad_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// genAdam emits adamAVX512, one Adam step on n floats, 16 at a time and the
// last n%16 under the mask tail, with the gradient scale and weight decay
// fused in and the sum of squares of the parameters (before the step) left
// in sq's 16 lanes; the lanes set in zmask (all or none) zero the gradient
// once read:
//
//	g = scale*g + decay*p;  sq += p*p   (AdamStep passes scale times the decay)
//	m = b1*m + c1*g;  v = b2*v + c2*g*g;  p -= step*m / (sqrt(v*ibc2) + eps)
func genAdam() {
	p("// func adamAVX512(p, grad, m, v *float32, n int, tail uint16, step, b1, c1, b2, c2, ibc2, eps, scale, decay float32, sq *[16]float32, zmask uint16)")
	p("TEXT ·adamAVX512(SB), NOSPLIT, $0-90")
	p("\tMOVQ p+0(FP), DI")
	p("\tMOVQ grad+8(FP), SI")
	p("\tMOVQ m+16(FP), R8")
	p("\tMOVQ v+24(FP), R9")
	p("\tMOVQ n+32(FP), CX")
	p("\tSHRQ $4, CX")
	p("\tMOVWLZX tail+40(FP), AX")
	p("\tKMOVW AX, K1")
	for i, name := range []string{"step", "b1", "c1", "b2", "c2", "ibc2", "eps", "scale", "decay"} {
		p("\tVBROADCASTSS %s+%d(FP), Z%d", name, 44+4*i, 16+i)
	}
	p("\tMOVQ sq+80(FP), DX")
	p("\tVXORPS Z25, Z25, Z25") // sum of p*p
	p("\tVXORPS Z26, Z26, Z26") // zeros for the gradient
	p("\tMOVWLZX zmask+88(FP), BX")
	p("\tKMOVW BX, K2")
	p("\tKANDW K1, K2, K3")
	body := func(load, k, kz string) {
		p("\tVMOVUPS%s (SI), %sZ0", load, k) // g
		p("\tVMOVUPS Z26, %s, (SI)", kz)     // g = 0 where asked
		p("\tVMOVUPS%s (R8), %sZ1", load, k) // m
		p("\tVMOVUPS%s (R9), %sZ2", load, k) // v
		p("\tVMOVUPS%s (DI), %sZ3", load, k) // p
		p("\tVMULPS Z23, Z0, Z0")            // scale*g
		p("\tVFMADD231PS Z24, Z3, Z0")       // + decay*p
		p("\tVFMADD231PS Z3, Z3, Z25")       // sq += p*p
		p("\tVMULPS Z17, Z1, Z1")            // b1*m
		p("\tVFMADD231PS Z18, Z0, Z1")       // + c1*g
		p("\tVMULPS Z0, Z0, Z4")             // g*g
		p("\tVMULPS Z19, Z2, Z2")            // b2*v
		p("\tVFMADD231PS Z20, Z4, Z2")       // + c2*g*g
		p("\tVMULPS Z21, Z2, Z5")            // v*ibc2
		p("\tVSQRTPS Z5, Z5")
		p("\tVADDPS Z22, Z5, Z5") // + eps
		p("\tVMULPS Z16, Z1, Z6") // step*m
		p("\tVDIVPS Z5, Z6, Z6")
		p("\tVSUBPS Z6, Z3, Z3")
		p("\tVMOVUPS Z1, %s(R8)", k)
		p("\tVMOVUPS Z2, %s(R9)", k)
		p("\tVMOVUPS Z3, %s(DI)", k)
	}
	p("\tTESTQ CX, CX")
	p("\tJZ adam_tail")
	p("adam_loop:")
	body("", "", "K2")
	for _, r := range []string{"DI", "SI", "R8", "R9"} {
		p("\tADDQ $64, %s", r)
	}
	p("\tDECQ CX")
	p("\tJNZ adam_loop")
	p("adam_tail:")
	p("\tTESTW AX, AX")
	p("\tJZ adam_done")
	// Zeroing loads: the lanes past n must not reach sq.
	body(".Z", "K1, ", "K3")
	p("adam_done:")
	p("\tVMOVUPS Z25, (DX)")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// The bfloat16 instructions, which Go 1.26's assembler does not know, are
// emitted as bytes. Each is the EVEX form (Intel SDM vol. 2, section 2.7)
// of a 512-bit instruction in opcode map 0F38, W0, registers only, no
// masking, broadcast or rounding control:
//
//	62 | R X B R' 0 m m m | W v v v v 1 p p | z L' L b V' a a a | opcode | ModRM
//
// with R, X, B, R', vvvv and V' stored inverted; mmm = 010 (0F38); L'L = 10
// (512 bits); ModRM = 11 reg rm. The destination is ModRM.reg (bit 3 in R,
// bit 4 in R'), the first source vvvv (bit 4 in V'), the second source
// ModRM.rm (bit 3 in B, bit 4 in X). The entries of the SDM's opcode
// tables used here:
//
//	VDPBF16PS zmm1, zmm2, zmm3/m512       EVEX.512.F3.0F38.W0 52 /r
//	VCVTNE2PS2BF16 zmm1, zmm2, zmm3/m512  EVEX.512.F2.0F38.W0 72 /r
//	VCVTNEPS2BF16 ymm1, zmm2/m512         EVEX.512.F3.0F38.W0 72 /r
//
// Each line carries the instruction in Intel syntax after "// intel: ",
// which a test assembles with the GNU assembler, where there is one, and
// compares with the bytes.

const (
	ppNone, pp66, ppF3, ppF2 = 0, 1, 2, 3
)

// evex0F38 encodes dst, src1, src2 (Intel order; src1 < 0: no vvvv
// operand, encoded 1111b with V' set).
func evex0F38(pp, opcode byte, dst, src1, src2 int) []byte {
	if dst < 0 || dst > 31 || src1 > 31 || src2 < 0 || src2 > 31 {
		panic("register out of range")
	}
	bit := func(r, i int) byte { return byte(r>>i) & 1 }
	inv := func(r, i int) byte { return 1 ^ bit(r, i) }
	p0 := inv(dst, 3)<<7 | inv(src2, 4)<<6 | inv(src2, 3)<<5 | inv(dst, 4)<<4 | 0b010
	vvvv, vp := byte(0b1111), byte(1)
	if src1 >= 0 {
		vvvv, vp = ^byte(src1)&0b1111, inv(src1, 4)
	}
	p1 := 0<<7 | vvvv<<3 | 1<<2 | pp
	p2 := 0<<7 | 0b10<<5 | 0<<4 | vp<<3 | 0b000
	modrm := 0b11<<6 | byte(dst&7)<<3 | byte(src2&7)
	return []byte{0x62, p0, p1, p2, opcode, modrm}
}

func emitBytes(b []byte, intel string) {
	var line bytes.Buffer
	line.WriteString("\t")
	for i, x := range b {
		if i > 0 {
			line.WriteString("; ")
		}
		fmt.Fprintf(&line, "BYTE $0x%02x", x)
	}
	p("%s // intel: %s", line.String(), intel)
}

// vdpbf16ps emits acc += the pairwise dot products of the bfloat16 pairs
// in x and y: acc.fp32[i] += x.bf16[2i+1]*y.bf16[2i+1] + x.bf16[2i]*y.bf16[2i].
func vdpbf16ps(acc, x, y int) {
	emitBytes(evex0F38(ppF3, 0x52, acc, x, y), fmt.Sprintf("vdpbf16ps zmm%d, zmm%d, zmm%d", acc, x, y))
}

// vcvtne2ps2bf16 emits dst.bf16[i] = bf16(lo.fp32[i]), dst.bf16[16+i] =
// bf16(hi.fp32[i]) for i < 16, rounding to nearest even.
func vcvtne2ps2bf16(dst, hi, lo int) {
	emitBytes(evex0F38(ppF2, 0x72, dst, hi, lo), fmt.Sprintf("vcvtne2ps2bf16 zmm%d, zmm%d, zmm%d", dst, hi, lo))
}

// vcvtneps2bf16 emits ymm dst.bf16[i] = bf16(src.fp32[i]) for i < 16.
func vcvtneps2bf16(dst, src int) {
	emitBytes(evex0F38(ppF3, 0x72, dst, -1, src), fmt.Sprintf("vcvtneps2bf16 ymm%d, zmm%d", dst, src))
}

// regNum is the number of a register named like "Z12".
func regNum(r string) int {
	var n int
	if _, err := fmt.Sscanf(r[1:], "%d", &n); err != nil {
		panic(err)
	}
	return n
}

// genBF16Interleave emits the VPERMW index that interleaves the two halves
// of a register of 32 words: word 2r from word r, word 2r+1 from word 16+r.
func genBF16Interleave() {
	for q := 0; q < 8; q++ {
		var v uint64
		for w := 0; w < 4; w++ {
			i := 4*q + w
			src := i / 2
			if i%2 == 1 {
				src += 16
			}
			v |= uint64(src) << (16 * w)
		}
		p("DATA bf16Interleave<>+%d(SB)/8, $0x%016x", 8*q, v)
	}
	p("GLOBL bf16Interleave<>(SB), RODATA|NOPTR, $64")
	p("")
}

// genBF16Runs emits packBF16Runs, packRuns16's twin for bfloat16 panels:
// rows 2p2 and 2p2+1 of the source are contiguous runs along the panels'
// width, converted together into pairs:
//
//	dst[q*panelStride + p2*w + x] = bf16(src[2p2*ld + q*w + x]) | bf16(src[(2p2+1)*ld + q*w + x])<<16
//
// for p2 < ceil(kc/2), q < panels, x < w, where a row 2p2+1 == kc is
// zero; full runs of 16 with plain moves, the last w%16 under the mask.
// Source and destination offsets within a run are the same: both hold
// 4-byte elements.
func genBF16Runs() {
	p("// func packBF16Runs(dst, src *float32, ld, kc, w, panels, panelStride int, mask uint16)")
	p("TEXT ·packBF16Runs(SB), NOSPLIT, $0-58")
	p("\tMOVQ dst+0(FP), DI") // panel 0, pair p2
	p("\tMOVQ src+8(FP), SI") // row 2p2
	p("\tMOVQ ld+16(FP), R8")
	p("\tSHLQ $2, R8")
	p("\tMOVQ kc+24(FP), CX")
	p("\tMOVQ w+32(FP), R9")
	p("\tMOVQ panels+40(FP), R12")
	p("\tMOVQ panelStride+48(FP), R13")
	p("\tSHLQ $2, R13")
	p("\tMOVWLZX mask+56(FP), AX")
	p("\tKMOVW AX, K1")
	p("\tMOVQ R9, R14")
	p("\tSHRQ $4, R14")
	p("\tSHLQ $6, R14") // bytes of the full runs of 16 in one panel
	p("\tMOVQ R9, BX")  // bytes of one row's runs, for prefetching
	p("\tIMULQ R12, BX")
	p("\tSHLQ $2, BX")
	p("\tVMOVDQU32 bf16Interleave<>(SB), Z31")
	p("\tSHRQ $1, CX") // full pairs; kc&1 is tested at the end
	p("\tJZ packBF16Runs_single")
	// One row pair: convert each run of 16 columns of rows SI and SI+ld.
	body := func(lbl string, pair bool) {
		p("%s_row:", lbl)
		// Prefetch the rows two pairs ahead (rows are usually pages apart).
		for r := 0; r < 2; r++ {
			p("\tLEAQ (SI)(R8*4), R10")
			if r == 1 {
				p("\tADDQ R8, R10")
			}
			p("\tXORQ DX, DX")
			p("%s_pf%d:", lbl, r)
			p("\tPREFETCHT0 (R10)(DX*1)")
			p("\tADDQ $64, DX")
			p("\tCMPQ DX, BX")
			p("\tJLT %s_pf%d", lbl, r)
		}
		p("\tMOVQ SI, R10")
		p("\tLEAQ (SI)(R8*1), AX")
		p("\tMOVQ DI, R11")
		p("\tMOVQ R12, R15")
		p("%s_panel:", lbl)
		p("\tXORQ DX, DX")
		p("\tCMPQ DX, R14")
		p("\tJGE %s_tail", lbl)
		convert := func(k string) {
			load := "VMOVUPS"
			if k != "" {
				load = "VMOVUPS.Z"
			}
			p("\t%s (R10)(DX*1), %sZ0", load, k)
			if pair {
				p("\t%s (AX)(DX*1), %sZ1", load, k)
				vcvtne2ps2bf16(2, 1, 0)
				p("\tVPERMW Z2, Z31, Z2")
			} else {
				vcvtneps2bf16(2, 0)
				p("\tVPMOVZXWD Y2, Z2")
			}
			p("\tVMOVUPS Z2, %s(R11)(DX*1)", k)
		}
		p("%s_full:", lbl)
		convert("")
		p("\tADDQ $64, DX")
		p("\tCMPQ DX, R14")
		p("\tJLT %s_full", lbl)
		p("%s_tail:", lbl)
		p("\tKORTESTW K1, K1")
		p("\tJZ %s_next", lbl)
		convert("K1, ")
		p("%s_next:", lbl)
		p("\tLEAQ (R10)(R9*4), R10")
		p("\tLEAQ (AX)(R9*4), AX")
		p("\tADDQ R13, R11")
		p("\tDECQ R15")
		p("\tJNZ %s_panel", lbl)
	}
	body("packBF16Runs", true)
	p("\tLEAQ (SI)(R8*2), SI")
	p("\tLEAQ (DI)(R9*4), DI")
	p("\tDECQ CX")
	p("\tJNZ packBF16Runs_row")
	p("packBF16Runs_single:")
	p("\tTESTQ $1, kc+24(FP)")
	p("\tJZ packBF16Runs_done")
	body("packBF16Runs_odd", false)
	p("packBF16Runs_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// genBF16Transpose emits packBF16T, packT16's twin for bfloat16 panels:
// for each block of 32 columns p of up to 16 rows (row r at src + r*ld),
// it converts each row's 32 floats into 16 pairs (VCVTNE2PS2BF16 keeps
// them in order, so word 2d+t is column 2d+t), transposes the 16x16 pairs
// and stores pair d's 16 rows under the mask:
//
//	dst[p2*dstStride + r] = bf16(src[r*ld + 2p2]) | bf16(src[r*ld + 2p2+1])<<16
//
// for r < 16 where mask bit r is set, p2 < kc/32*16.
func genBF16Transpose() {
	p("// func packBF16T(dst, src *float32, ld, kc, dstStride, rows int, mask uint16)")
	p("TEXT ·packBF16T(SB), NOSPLIT, $0-50")
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ src+8(FP), SI")
	p("\tMOVQ ld+16(FP), R8")
	p("\tSHLQ $2, R8")
	p("\tMOVQ kc+24(FP), CX")
	p("\tSHRQ $5, CX")
	p("\tJZ packBF16T_done")
	p("\tMOVQ dstStride+32(FP), R9")
	p("\tSHLQ $2, R9")
	p("\tMOVQ rows+40(FP), R11")
	p("\tMOVWLZX mask+48(FP), AX")
	p("\tKMOVW AX, K1")
	p("packBF16T_loop:")
	p("\tMOVQ SI, R10")
	for r := 0; r < 16; r++ {
		p("\tPREFETCHT0 256(R10)")
		p("\tPREFETCHT0 320(R10)")
		if r < 15 {
			p("\tADDQ R8, R10")
		}
	}
	p("\tMOVQ SI, R10")
	for r := 0; r < 16; r++ {
		p("\tCMPQ R11, $%d", r)
		p("\tJLE packBF16T_zero%d", r)
		p("\tVMOVUPS (R10), Z16")
		p("\tVMOVUPS 64(R10), Z17")
		vcvtne2ps2bf16(r, 17, 16)
		p("\tADDQ R8, R10")
	}
	p("\tJMP packBF16T_loaded")
	for r := 0; r < 16; r++ {
		p("packBF16T_zero%d:", r)
		p("\tVPXORD Z%d, Z%d, Z%d", r, r, r)
	}
	p("packBF16T_loaded:")
	transpose16()
	for c := 0; c < 16; c++ {
		p("\tVMOVUPS Z%d, K1, (DI)", c)
		p("\tADDQ R9, DI")
	}
	p("\tADDQ $128, SI")
	p("\tDECQ CX")
	p("\tJNZ packBF16T_loop")
	p("packBF16T_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	if 1<<l != n {
		panic("unroll must be a power of two")
	}
	return l
}

func header() {
	p("// Code generated by gen_sgemm_amd64.go; DO NOT EDIT.")
	p("")
	p("//go:build amd64 && !noasm")
	p("")
	p("#include \"textflag.h\"")
	p("")
}

func write(name string) {
	if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out.Reset()
}

func main() {
	header()
	gen(kernel{name: "sgemmKernAVX512x12x32", mr: 12, nv: 2, width: 16, reg: "Z", unroll: 4, pfB: 1024})
	// Edge variants of the 12x32 kernel on its packed panels.
	gen(kernel{name: "sgemmKernAVX512x4x32", mr: 4, nv: 2, width: 16, reg: "Z", unroll: 4, aStride: 12})
	gen(kernel{name: "sgemmKernAVX512x8x32", mr: 8, nv: 2, width: 16, reg: "Z", unroll: 4, aStride: 12})
	gen(kernel{name: "sgemmKernAVX512x12x16", mr: 12, nv: 1, width: 16, reg: "Z", unroll: 4, bStride: 32})
	gen(kernel{name: "sgemmKernAVX512x6x64", mr: 6, nv: 4, width: 16, reg: "Z", unroll: 4})
	gen(kernel{name: "sgemmKernAVX2x6x16", mr: 6, nv: 2, width: 8, reg: "Y", unroll: 4})
	genTranspose()
	genRuns()
	genBiasAct()
	genActGrad()
	genAdam()
	write("sgemm_amd64.s")

	// The bfloat16 GEMM (AVX512_BF16): the same tiles on panels of pairs.
	header()
	gen(kernel{name: "bf16KernAVX512x12x32", mr: 12, nv: 2, width: 16, reg: "Z", unroll: 4, pfB: 1024, bf16: true})
	gen(kernel{name: "bf16KernAVX512x4x32", mr: 4, nv: 2, width: 16, reg: "Z", unroll: 4, aStride: 12, bf16: true})
	gen(kernel{name: "bf16KernAVX512x8x32", mr: 8, nv: 2, width: 16, reg: "Z", unroll: 4, aStride: 12, bf16: true})
	gen(kernel{name: "bf16KernAVX512x12x16", mr: 12, nv: 1, width: 16, reg: "Z", unroll: 4, bStride: 32, bf16: true})
	genBF16Interleave()
	genBF16Runs()
	genBF16Transpose()
	write("bf16_amd64.s")
}
