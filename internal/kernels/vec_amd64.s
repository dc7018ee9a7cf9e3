//go:build amd64 && !noasm

#include "textflag.h"

// func saxpyAVX512(alpha float32, x, y *float32, n int, tail uint16)
// y[i] += alpha*x[i] for i < n; tail has the low n%16 bits set.
TEXT ·saxpyAVX512(SB), NOSPLIT, $0-34
	VBROADCASTSS alpha+0(FP), Z0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
	MOVWLZX tail+32(FP), AX
	KMOVW AX, K1
	SHRQ $4, CX

saxpy_loop4:
	CMPQ CX, $4
	JLT saxpy_loop1
	VMOVUPS (SI), Z1
	VMOVUPS 64(SI), Z2
	VMOVUPS 128(SI), Z3
	VMOVUPS 192(SI), Z4
	VFMADD213PS (DI), Z0, Z1
	VFMADD213PS 64(DI), Z0, Z2
	VFMADD213PS 128(DI), Z0, Z3
	VFMADD213PS 192(DI), Z0, Z4
	VMOVUPS Z1, (DI)
	VMOVUPS Z2, 64(DI)
	VMOVUPS Z3, 128(DI)
	VMOVUPS Z4, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $4, CX
	JMP saxpy_loop4

saxpy_loop1:
	TESTQ CX, CX
	JZ saxpy_tail
	VMOVUPS (SI), Z1
	VFMADD213PS (DI), Z0, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JMP saxpy_loop1

saxpy_tail:
	KORTESTW K1, K1
	JZ saxpy_done
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DI), K1, Z2
	VFMADD231PS Z1, Z0, Z2
	VMOVUPS Z2, K1, (DI)

saxpy_done:
	VZEROUPPER
	RET

// func sdotAVX512(x, y *float32, n int, tail uint16) float32
// returns sum_i x[i]*y[i] for i < n; tail has the low n%16 bits set.
TEXT ·sdotAVX512(SB), NOSPLIT, $0-36
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	MOVWLZX tail+24(FP), AX
	KMOVW AX, K1
	SHRQ $4, CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

sdot_loop4:
	CMPQ CX, $4
	JLT sdot_loop1
	VMOVUPS (SI), Z4
	VMOVUPS 64(SI), Z5
	VMOVUPS 128(SI), Z6
	VMOVUPS 192(SI), Z7
	VFMADD231PS (DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $4, CX
	JMP sdot_loop4

sdot_loop1:
	TESTQ CX, CX
	JZ sdot_tail
	VMOVUPS (SI), Z4
	VFMADD231PS (DI), Z4, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JMP sdot_loop1

sdot_tail:
	KORTESTW K1, K1
	JZ sdot_reduce
	VMOVUPS.Z (SI), K1, Z4
	VMOVUPS.Z (DI), K1, Z5
	VFMADD231PS Z5, Z4, Z1

sdot_reduce:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0x0e, X0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0x01, X0, X1
	VADDSS X1, X0, X0
	MOVSS X0, ret+32(FP)
	VZEROUPPER
	RET

// func atLeastAVX512(x *float32, n int, thr float32) int
// The index of the first x[i] >= thr among the first n&^15 floats, or n&^15
// when there is none (NaNs are never >= thr). 64 floats a step while it
// can, then 16. VCMPPS's predicate 0x12 (LE_OQ) on (thr, x) is thr <= x.
TEXT ·atLeastAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	ANDQ $-16, CX
	VBROADCASTSS thr+16(FP), Z0
	XORQ AX, AX

atleast_loop4:
	LEAQ 64(AX), DX
	CMPQ DX, CX
	JGT atleast_loop1
	VCMPPS $0x12, (SI)(AX*4), Z0, K1
	VCMPPS $0x12, 64(SI)(AX*4), Z0, K2
	VCMPPS $0x12, 128(SI)(AX*4), Z0, K3
	VCMPPS $0x12, 192(SI)(AX*4), Z0, K4
	KORW K1, K2, K5
	KORW K3, K4, K6
	KORTESTW K5, K6
	JNZ atleast_loop1
	MOVQ DX, AX
	JMP atleast_loop4

atleast_loop1:
	CMPQ AX, CX
	JGE atleast_none
	VCMPPS $0x12, (SI)(AX*4), Z0, K1
	KORTESTW K1, K1
	JNZ atleast_found
	ADDQ $16, AX
	JMP atleast_loop1

atleast_found:
	KMOVW K1, DX
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

atleast_none:
	MOVQ CX, ret+24(FP)
	VZEROUPPER
	RET
