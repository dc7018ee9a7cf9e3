//go:build !noasm

#include "textflag.h"

// func sgemvAVX512(k int, a, b *float32, ldb int, c *float32, nv int, tail uint16)
//
// c[j] += sum_{p<k} a[p] * b[p*ldb+j] for j < 16*nv + popcount(tail): nv
// full vectors of 16 floats, then one partial vector whose lanes are the set
// bits of tail (loads and stores masked, so nothing past the rows is
// touched). Four rows of b go into each pass over c.
TEXT ·sgemvAVX512(SB), NOSPLIT, $0-50
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R8
	SHLQ $2, R8
	MOVQ c+32(FP), DX
	MOVQ nv+40(FP), BX
	MOVWLZX tail+48(FP), AX
	KMOVW AX, K1

loop4:
	CMPQ CX, $4
	JLT loop1
	VBROADCASTSS 0(SI), Z0
	VBROADCASTSS 4(SI), Z1
	VBROADCASTSS 8(SI), Z2
	VBROADCASTSS 12(SI), Z3
	LEAQ (DI)(R8*1), R10
	LEAQ (DI)(R8*2), R11
	LEAQ (R10)(R8*2), R12
	XORQ R9, R9
	MOVQ BX, R13

vec4:
	TESTQ R13, R13
	JZ tail4
	VMOVUPS (DX)(R9*1), Z4
	VMULPS (R11)(R9*1), Z2, Z5
	VFMADD231PS (DI)(R9*1), Z0, Z4
	VFMADD231PS (R12)(R9*1), Z3, Z5
	VFMADD231PS (R10)(R9*1), Z1, Z4
	VADDPS Z5, Z4, Z4
	VMOVUPS Z4, (DX)(R9*1)
	ADDQ $64, R9
	DECQ R13
	JMP vec4

tail4:
	KORTESTW K1, K1
	JZ next4
	VMOVUPS.Z (DX)(R9*1), K1, Z4
	VMOVUPS.Z (DI)(R9*1), K1, Z6
	VMOVUPS.Z (R10)(R9*1), K1, Z7
	VMOVUPS.Z (R11)(R9*1), K1, Z8
	VMOVUPS.Z (R12)(R9*1), K1, Z9
	VMULPS Z8, Z2, Z5
	VFMADD231PS Z6, Z0, Z4
	VFMADD231PS Z9, Z3, Z5
	VFMADD231PS Z7, Z1, Z4
	VADDPS Z5, Z4, Z4
	VMOVUPS Z4, K1, (DX)(R9*1)

next4:
	ADDQ $16, SI
	LEAQ (DI)(R8*4), DI
	SUBQ $4, CX
	JMP loop4

loop1:
	TESTQ CX, CX
	JZ done
	VBROADCASTSS 0(SI), Z0
	XORQ R9, R9
	MOVQ BX, R13

vec1:
	TESTQ R13, R13
	JZ tail1
	VMOVUPS (DX)(R9*1), Z4
	VFMADD231PS (DI)(R9*1), Z0, Z4
	VMOVUPS Z4, (DX)(R9*1)
	ADDQ $64, R9
	DECQ R13
	JMP vec1

tail1:
	KORTESTW K1, K1
	JZ next1
	VMOVUPS.Z (DX)(R9*1), K1, Z4
	VMOVUPS.Z (DI)(R9*1), K1, Z6
	VFMADD231PS Z6, Z0, Z4
	VMOVUPS Z4, K1, (DX)(R9*1)

next1:
	ADDQ $4, SI
	ADDQ R8, DI
	DECQ CX
	JMP loop1

done:
	VZEROUPPER
	RET
