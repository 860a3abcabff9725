package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX-512 kernel hashes sixteen nonces at a time, one per 32-bit lane
// of the ZMM registers. It follows the AVX2 kernel's plan (see avx2.go)
// with what AVX-512 adds at the same width:
//
//   - VPRORD rotates in one instruction where AVX2 needs two shifts and an
//     OR, and VPTERNLOGD folds any three-input boolean function into one:
//     each Σ and σ is three shifts or rotates and one VPTERNLOGD, Ch and
//     Maj are one VPTERNLOGD each.
//   - Thirty-two registers hold the state (Z0..Z7), the temporaries
//     (Z8..Z13), the nonce vector (Z14) and the whole sixteen-word window of
//     the message schedule (Z16..Z31, W[i] in Z16+i%16), so the loop touches
//     memory only for constants.
//   - Per-header words (the state after round 3, the header-only parts of
//     the schedule, the midstate and the target's top word) are read by
//     embedded broadcast straight from the Work data, and constants by
//     embedded broadcast from a table of single words.

// Z8..Z13 are the temporaries of the AVX-512 kernel; Z14 the nonce vector.
var (
	zTmp   = [6]VecPhysical{Z8, Z9, Z10, Z11, Z12, Z13}
	zNonce = Z14
)

// z512 holds the register assignment while generating the AVX-512 kernel.
type z512 struct {
	ptr GPPhysical // the Work data

	kind func(j int) wkind
	cval func(j int) uint32

	ring                   [16]VecPhysical // W[i] in ring[i%16]
	a, b, c, d, e, f, g, h VecPhysical
}

// zTerm is one addend of a round's W+K: a lane register, or a word
// broadcast from memory.
type zTerm struct {
	reg VecPhysical
	mem Mem
}

func zReg(r VecPhysical) zTerm { return zTerm{reg: r} }
func zMem(m Mem) zTerm         { return zTerm{mem: m} }

// addTo adds t to dst in every lane.
func (t zTerm) addTo(dst VecPhysical) {
	if t.reg != nil {
		VPADDD(t.reg, dst, dst)
		return
	}
	VPADDD_BCST(t.mem, dst, dst)
}

// c4 holds the single-word constants the AVX-512 kernel broadcasts, c64
// its whole-vector constants.
var (
	c4  = &constTable{name: "c4", width: 4, index: map[string]int{}}
	c64 = &constTable{name: "c64", width: 64, index: map[string]int{}}
)

// kw returns the address of the single word v, for an embedded broadcast.
func kw(v uint32) Mem { return c4.mem([]uint32{v}) }

// dword returns the address of word i of the layout entry field.
func (z *z512) dword(field string, i int) Mem {
	return Mem{Base: z.ptr, Disp: 4 * (off(field) + i)}
}

// xor3 sets dst to the XOR of src under three rotates (or, with shr, the
// last a right shift), using t1 and t2.
func xor3(src, dst, t1, t2 VecPhysical, r0, r1, r2 uint8, shr bool) {
	VPRORD(U8(r0), src, dst)
	VPRORD(U8(r1), src, t1)
	if shr {
		VPSRLD(U8(r2), src, t2)
	} else {
		VPRORD(U8(r2), src, t2)
	}
	VPTERNLOGD(U8(0x96), t2, t1, dst)
}

// Truth tables of VPTERNLOGD, whose Go operand order is imm, C, B, A with
// A the destination: bit (A<<2 | B<<1 | C) of the immediate is the result.
const (
	tlogCh  = 0xca // A ? B : C, with A = e, B = f, C = g
	tlogMaj = 0xe8 // majority of A, B, C
)

// round emits one round with W+K given as terms added to h. With eOnly it
// computes only the new e, for the last rounds of the third block.
func (z *z512) round(wk []zTerm, eOnly bool) {
	s1, t1, t2, ch := zTmp[0], zTmp[1], zTmp[2], zTmp[3]
	for _, t := range wk {
		t.addTo(z.h)
	}
	xor3(z.e, s1, t1, t2, 6, 11, 25, false)
	VMOVDQA32(z.e, ch)
	VPTERNLOGD(U8(tlogCh), z.g, z.f, ch)
	VPADDD(s1, z.h, z.h)
	VPADDD(ch, z.h, z.h) // h = T1
	VPADDD(z.h, z.d, z.d)
	if !eOnly {
		s0, u1, u2, mj := zTmp[4], zTmp[5], zTmp[1], zTmp[2]
		xor3(z.a, s0, u1, u2, 2, 13, 22, false)
		VMOVDQA32(z.a, mj)
		VPTERNLOGD(U8(tlogMaj), z.c, z.b, mj)
		VPADDD(s0, z.h, z.h)
		VPADDD(mj, z.h, z.h)
	}
	z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h = z.h, z.a, z.b, z.c, z.d, z.e, z.f, z.g
}

// schedule computes lane word W[i] into ring[i%16], the register of
// W[i-16]. Constant terms are summed here; in the second block the
// header-only terms are added as dU[i-16].
func (z *z512) schedule(i int) VecPhysical {
	dst := z.ring[i%16]
	var lanes []VecPhysical // lane addends, dst first if W[i-16] is one
	var cst uint32
	uniform := false
	for _, t := range []struct {
		j   int
		sig func(uint32) uint32
	}{
		{i - 16, nil}, {i - 7, nil}, {i - 15, sigma0}, {i - 2, sigma1},
	} {
		switch z.kind(t.j) {
		case wConst:
			v := z.cval(t.j)
			if t.sig != nil {
				v = t.sig(v)
			}
			cst += v
		case wUniform:
			uniform = true
		case wLane:
			src := z.ring[t.j%16]
			switch {
			case t.sig == nil:
				lanes = append(lanes, src)
			case t.j == i-15:
				xor3(src, zTmp[0], zTmp[1], zTmp[2], 7, 18, 3, true)
				lanes = append(lanes, zTmp[0])
			default:
				xor3(src, zTmp[3], zTmp[4], zTmp[5], 17, 19, 10, true)
				lanes = append(lanes, zTmp[3])
			}
		}
	}
	switch len(lanes) {
	case 0:
		panic(fmt.Sprint("schedule word ", i, " has no lane term"))
	case 1:
		if lanes[0] != dst {
			VMOVDQA32(lanes[0], dst)
		}
	default:
		VPADDD(lanes[1], lanes[0], dst)
		for _, r := range lanes[2:] {
			VPADDD(r, dst, dst)
		}
	}
	if uniform {
		if i-16 >= nU {
			panic(fmt.Sprint("schedule word ", i, " needs a uniform part that does not exist"))
		}
		VPADDD_BCST(z.dword("dU", i-16), dst, dst)
	}
	if cst != 0 {
		VPADDD_BCST(kw(cst), dst, dst)
	}
	return dst
}

func (z *z512) resetState() {
	z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h = Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7
}

func scanAVX512() {
	TEXT("scanAVX512", NOSPLIT, "func(d *[64]uint32, start, count uint32) (nonce uint32, found bool)")
	Doc(
		"scanAVX512 hashes nonces start, start+1, ... sixteen at a time while at least",
		"sixteen of count remain, and returns the first whose final H7 passes the target's",
		"top word (a candidate the caller must check in full), or found=false.",
	)
	z := &z512{ptr: RAX}
	for i := range z.ring {
		z.ring[i] = []VecPhysical{Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23,
			Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
	}
	nonce, count := RBX, RCX
	Load(Param("d"), z.ptr)
	Load(Param("start"), nonce.As32())
	Load(Param("count"), count.As32())
	VPBROADCASTD(nonce.As32(), zNonce)
	var lanes, bswap []uint32
	for i := uint32(0); i < 16; i++ {
		lanes = append(lanes, i)
		bswap = append(bswap, 0x00010203+i%4*0x04040404)
	}
	VPADDD(c64.mem(lanes), zNonce, zNonce)
	bswapMem := c64.mem(bswap)

	Label("z_loop")
	CMPL(count.As32(), U8(16))
	JB(LabelRef("z_none"))

	Comment("Second block from round 4: W3 (the nonce, big-endian) enters a and e.")
	z.kind = func(j int) wkind {
		switch {
		case headerWord(j):
			return wUniform
		case j == 3 || j >= 18:
			return wLane
		}
		return wConst
	}
	z.cval = pad2
	z.resetState()
	w3 := z.ring[3]
	VPSHUFB(bswapMem, zNonce, w3)
	VPADDD_BCST(z.dword("dSt4", 0), w3, z.a)
	VPADDD_BCST(z.dword("dSt4", 4), w3, z.e)
	for i, r := range []VecPhysical{z.b, z.c, z.d, z.f, z.g, z.h} {
		VPBROADCASTD(z.dword("dSt4", []int{1, 2, 3, 5, 6, 7}[i]), r)
	}
	for i := 4; i < 64; i++ {
		switch z.kind(i) {
		case wConst:
			z.round([]zTerm{zMem(kw(pad2(i) + kc[i]))}, false)
		case wUniform:
			z.round([]zTerm{zMem(z.dword("dU", i-16)), zMem(kw(kc[i]))}, false)
		default:
			w := z.schedule(i)
			z.round([]zTerm{zReg(w), zMem(kw(kc[i]))}, false)
		}
	}

	Comment("First hash = state + midstate: the third block's W0..W7.")
	for j, r := range []VecPhysical{z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h} {
		VPADDD_BCST(z.dword("dMid", j), r, z.ring[j])
	}

	Comment("Third block: round 0 from the constant IV, then rounds 1..60.")
	z.kind = func(j int) wkind {
		if j >= 8 && j < 16 {
			return wConst
		}
		return wLane
	}
	z.cval = pad3
	z.resetState()
	t1 := iv[7] + bigSigma1(iv[4]) + ch(iv[4], iv[5], iv[6]) + kc[0]
	t2 := bigSigma0(iv[0]) + maj(iv[0], iv[1], iv[2])
	VPADDD_BCST(kw(t1+t2), z.ring[0], z.h)
	VPADDD_BCST(kw(iv[3]+t1), z.ring[0], z.d)
	for i, r := range []VecPhysical{z.a, z.b, z.c, z.e, z.f, z.g} {
		VPBROADCASTD(kw(iv[[]int{0, 1, 2, 4, 5, 6}[i]]), r)
	}
	z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h = z.h, z.a, z.b, z.c, z.d, z.e, z.f, z.g
	for i := 1; i <= 60; i++ {
		eOnly := i >= 57
		switch {
		case z.kind(i) == wConst:
			z.round([]zTerm{zMem(kw(pad3(i) + kc[i]))}, eOnly)
		case i >= 16:
			w := z.schedule(i)
			z.round([]zTerm{zReg(w), zMem(kw(kc[i]))}, eOnly)
		default:
			z.round([]zTerm{zReg(z.ring[i]), zMem(kw(kc[i]))}, eOnly)
		}
	}

	Comment("H7 = IV7 + e60; candidate lanes have bswap(H7) <= the target's top word.")
	VPADDD_BCST(kw(iv[7]), z.e, zTmp[0])
	VPSHUFB(bswapMem, zTmp[0], zTmp[0])
	VPCMPUD_BCST(U8(2), z.dword("dTop", 0), zTmp[0], K1)
	KMOVW(K1, EDX)
	TESTL(EDX, EDX)
	JNZ(LabelRef("z_found"))
	VPADDD_BCST(kw(16), zNonce, zNonce)
	ADDL(U8(16), nonce.As32())
	SUBL(U8(16), count.As32())
	JMP(LabelRef("z_loop"))

	Label("z_found")
	BSFL(EDX, EDX)
	ADDL(EDX, nonce.As32())
	Store(nonce.As32(), Return("nonce"))
	MOVB(U8(1), AL)
	Store(AL, Return("found"))
	VZEROUPPER()
	RET()

	Label("z_none")
	MOVB(U8(0), AL)
	Store(AL, Return("found"))
	VZEROUPPER()
	RET()
}
