//go:build ignore

// gen_sgemm_amd64 writes sgemm_amd64.s, the float32 GEMM micro-kernels:
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

	p("// func %s(kc int, a, b, c *float32, ldc int, alpha, beta float32)", k.name)
	p("TEXT ·%s(SB), NOSPLIT, $0-48", k.name)
	p("\tMOVQ kc+0(FP), CX")
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
				p("\tVFMADD231PS %s, %s, %s", bReg(v), t, acc(i, v))
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
	alpha, beta := bReg(0), tReg(0)
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

func main() {
	p("// Code generated by gen_sgemm_amd64.go; DO NOT EDIT.")
	p("")
	p("//go:build amd64 && !noasm")
	p("")
	p("#include \"textflag.h\"")
	p("")
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
	if err := os.WriteFile("sgemm_amd64.s", out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
