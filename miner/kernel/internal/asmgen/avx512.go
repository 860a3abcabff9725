package main

import (
	"fmt"
	"slices"

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

// z512 holds the register assignment while generating the AVX-512 kernel.
type z512 struct {
	ptr GPPhysical // the Work data

	kind func(j int) wkind
	cval func(j int) uint32

	// ring[i%16] holds W[i]: a register, or a 64-byte stack slot for a
	// kernel that leaves Z0..Z15 to another (AVX-512 interleaved with
	// SHA-NI was built this way, measured slower and dropped: see
	// docs/perf.md).
	ring  [16]Op
	state [8]VecPhysical // the registers of a..h at the start of a block
	tmp   [6]VecPhysical
	acc   VecPhysical // computes a schedule word bound for a stack slot
	nonce VecPhysical // the sixteen nonces

	a, b, c, d, e, f, g, h VecPhysical
}

// newZ512 is the register assignment of the AVX-512 kernel on its own:
// state Z0..Z7, temporaries Z8..Z13, nonces Z14, the schedule in Z16..Z31.
func newZ512(ptr GPPhysical) *z512 {
	z := &z512{ptr: ptr, state: [8]VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7},
		tmp: [6]VecPhysical{Z8, Z9, Z10, Z11, Z12, Z13}, acc: Z15, nonce: Z14}
	for i, r := range []VecPhysical{Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23,
		Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31} {
		z.ring[i] = r
	}
	return z
}

// zTerm is one addend of a round's W+K: a lane register or stack slot, or
// a word broadcast from memory.
type zTerm struct {
	op    Op
	bcast bool
}

func zLane(op Op) zTerm { return zTerm{op: op} }
func zMem(m Mem) zTerm  { return zTerm{op: m, bcast: true} }

// addTo adds t to dst in every lane.
func (t zTerm) addTo(dst VecPhysical) {
	if t.bcast {
		VPADDD_BCST(t.op, dst, dst)
		return
	}
	VPADDD(t.op, dst, dst)
}

// slot returns the register to compute W[j] in and a function that moves
// it to its ring slot afterwards (nothing when the slot is that register).
func (z *z512) slot(j int) (VecPhysical, func()) {
	if r, ok := z.ring[j%16].(VecPhysical); ok {
		return r, func() {}
	}
	return z.acc, func() { VMOVDQU32(z.acc, z.ring[j%16]) }
}

// isReg reports whether op is a register.
func isReg(op Op) bool {
	_, ok := op.(VecPhysical)
	return ok
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
func xor3(src Op, dst, t1, t2 VecPhysical, r0, r1, r2 uint8, shr bool) {
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
//
// The additions are ordered for the dependency chain through e, the
// longest one: d + h + W + K does not depend on e and is summed first, so
// the new e is only a rotate, a VPTERNLOGD and two additions behind the
// old one.
func (z *z512) round(wk []zTerm, eOnly bool) {
	s1, t1, t2, ch := z.tmp[0], z.tmp[1], z.tmp[2], z.tmp[3]
	for _, t := range wk {
		t.addTo(z.h)
	}
	xor3(z.e, s1, t1, t2, 6, 11, 25, false)
	VMOVDQA32(z.e, ch)
	VPTERNLOGD(U8(tlogCh), z.g, z.f, ch)
	VPADDD(z.h, z.d, z.d)
	VPADDD(ch, s1, s1)
	VPADDD(s1, z.d, z.d) // the new e
	VPADDD(s1, z.h, z.h) // h = T1
	if !eOnly {
		s0, u1, u2, mj := z.tmp[4], z.tmp[5], z.tmp[1], z.tmp[2]
		xor3(z.a, s0, u1, u2, 2, 13, 22, false)
		VMOVDQA32(z.a, mj)
		VPTERNLOGD(U8(tlogMaj), z.c, z.b, mj)
		VPADDD(mj, s0, s0)
		VPADDD(s0, z.h, z.h)
	}
	z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h = z.h, z.a, z.b, z.c, z.d, z.e, z.f, z.g
}

// schedule computes lane word W[i] into ring[i%16], the slot of W[i-16],
// and returns the register holding it. Constant terms are summed here; in
// the second block the header-only terms are added as dU[i-16].
func (z *z512) schedule(i int) VecPhysical {
	dst, store := z.slot(i)
	var lanes []Op // lane addends
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
				xor3(src, z.tmp[0], z.tmp[1], z.tmp[2], 7, 18, 3, true)
				lanes = append(lanes, z.tmp[0])
			default:
				xor3(src, z.tmp[3], z.tmp[4], z.tmp[5], 17, 19, 10, true)
				lanes = append(lanes, z.tmp[3])
			}
		}
	}
	if len(lanes) == 0 {
		panic(fmt.Sprint("schedule word ", i, " has no lane term"))
	}
	// The first addition needs a register as its second source.
	first := slices.IndexFunc(lanes, isReg)
	switch {
	case first < 0:
		VMOVDQU32(lanes[0], dst)
		lanes = lanes[1:]
	case len(lanes) == 1:
		if lanes[0] != dst {
			VMOVDQA32(lanes[0], dst)
		}
		lanes = nil
	default:
		r := lanes[first]
		lanes = slices.Delete(lanes, first, first+1)
		VPADDD(lanes[0], r, dst)
		lanes = lanes[1:]
	}
	for _, op := range lanes {
		VPADDD(op, dst, dst)
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
	store()
	return dst
}

func (z *z512) resetState() {
	z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h = z.state[0], z.state[1], z.state[2], z.state[3],
		z.state[4], z.state[5], z.state[6], z.state[7]
}

// steps returns the per-nonce work of the AVX-512 kernel, sixteen nonces
// from the vector z.nonce, as steps of one round each (with its schedule
// word), so that another kernel's steps can be interleaved with them. After the last step z.e holds e after round 60 of the third block.
func (z *z512) steps() []func() {
	var steps []func()
	var lanes, bswap []uint32
	for i := uint32(0); i < 16; i++ {
		lanes = append(lanes, i)
		bswap = append(bswap, 0x00010203+i%4*0x04040404)
	}
	bswapMem := c64.mem(bswap)

	steps = append(steps, func() {
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
		w3, store := z.slot(3)
		VPSHUFB(bswapMem, z.nonce, w3)
		store()
		VPADDD_BCST(z.dword("dSt4", 0), w3, z.a)
		VPADDD_BCST(z.dword("dSt4", 4), w3, z.e)
		for i, r := range []VecPhysical{z.b, z.c, z.d, z.f, z.g, z.h} {
			VPBROADCASTD(z.dword("dSt4", []int{1, 2, 3, 5, 6, 7}[i]), r)
		}
	})
	for i := 4; i < 64; i++ {
		steps = append(steps, func() {
			switch z.kind(i) {
			case wConst:
				z.round([]zTerm{zMem(kw(pad2(i) + kc[i]))}, false)
			case wUniform:
				z.round([]zTerm{zMem(z.dword("dU", i-16)), zMem(kw(kc[i]))}, false)
			default:
				w := z.schedule(i)
				z.round([]zTerm{zLane(w), zMem(kw(kc[i]))}, false)
			}
		})
	}

	steps = append(steps, func() {
		Comment("First hash = state + midstate: the third block's W0..W7.")
		for j, r := range []VecPhysical{z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h} {
			dst, store := z.slot(j)
			VPADDD_BCST(z.dword("dMid", j), r, dst)
			store()
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
		w0 := z.tmp[0]
		if r, ok := z.ring[0].(VecPhysical); ok {
			w0 = r
		} else {
			VMOVDQU32(z.ring[0], w0)
		}
		t1 := iv[7] + bigSigma1(iv[4]) + ch(iv[4], iv[5], iv[6]) + kc[0]
		t2 := bigSigma0(iv[0]) + maj(iv[0], iv[1], iv[2])
		VPADDD_BCST(kw(t1+t2), w0, z.h)
		VPADDD_BCST(kw(iv[3]+t1), w0, z.d)
		for i, r := range []VecPhysical{z.a, z.b, z.c, z.e, z.f, z.g} {
			VPBROADCASTD(kw(iv[[]int{0, 1, 2, 4, 5, 6}[i]]), r)
		}
		z.a, z.b, z.c, z.d, z.e, z.f, z.g, z.h = z.h, z.a, z.b, z.c, z.d, z.e, z.f, z.g
	})
	for i := 1; i <= 60; i++ {
		steps = append(steps, func() {
			eOnly := i >= 57
			switch {
			case z.kind(i) == wConst:
				z.round([]zTerm{zMem(kw(pad3(i) + kc[i]))}, eOnly)
			case i >= 16:
				w := z.schedule(i)
				z.round([]zTerm{zLane(w), zMem(kw(kc[i]))}, eOnly)
			default:
				z.round([]zTerm{zLane(z.ring[i]), zMem(kw(kc[i]))}, eOnly)
			}
		})
	}
	return steps
}

// candidates sets mask to the lanes whose bswap(IV7 + e60) is at most the
// target's top word, using tmp.
func (z *z512) candidates(mask GPPhysical, tmp VecPhysical) {
	var bswap []uint32
	for i := uint32(0); i < 16; i++ {
		bswap = append(bswap, 0x00010203+i%4*0x04040404)
	}
	Comment("H7 = IV7 + e60; candidate lanes have bswap(H7) <= the target's top word.")
	VPADDD_BCST(kw(iv[7]), z.e, tmp)
	VPSHUFB(c64.mem(bswap), tmp, tmp)
	VPCMPUD_BCST(U8(2), z.dword("dTop", 0), tmp, K1)
	KMOVW(K1, mask.As32())
}

// setNonces sets z.nonce to nonce+0..nonce+15.
func (z *z512) setNonces(nonce GPPhysical) {
	var lanes []uint32
	for i := uint32(0); i < 16; i++ {
		lanes = append(lanes, i)
	}
	VPBROADCASTD(nonce.As32(), z.nonce)
	VPADDD(c64.mem(lanes), z.nonce, z.nonce)
}

func scanAVX512() {
	TEXT("scanAVX512", NOSPLIT, "func(d *[64]uint32, start, count uint32) (nonce uint32, found bool)")
	Doc(
		"scanAVX512 hashes nonces start, start+1, ... sixteen at a time while at least",
		"sixteen of count remain, and returns the first whose final H7 passes the target's",
		"top word (a candidate the caller must check in full), or found=false.",
	)
	z := newZ512(RAX)
	nonce, count := RBX, RCX
	Load(Param("d"), z.ptr)
	Load(Param("start"), nonce.As32())
	Load(Param("count"), count.As32())
	z.setNonces(nonce)

	Label("z_loop")
	CMPL(count.As32(), U8(16))
	JB(LabelRef("z_none"))
	for _, step := range z.steps() {
		step()
	}
	z.candidates(RDX, z.tmp[0])
	TESTL(EDX, EDX)
	JNZ(LabelRef("z_found"))
	VPADDD_BCST(kw(16), z.nonce, z.nonce)
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
