package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX2 kernel hashes eight nonces at a time, one per 32-bit lane of
// the YMM registers. The state a..h lives in Y0..Y7 and is renamed rather
// than moved after each round; the message schedule is written to an
// aligned stack area as it is computed. Words that are the same in every
// lane are either constants folded here (padding, K) or per-header values
// (midstate, the state after round 3, the header-only part of schedule
// words, see headerWord) broadcast once per call into the stack frame.
//
// The third block stops after round 60 and computes only e in rounds
// 57..60, since H7 of the final hash is IV7 + e after round 60 and a after
// round 56 is the last a it needs.

// wkind classifies a message schedule word.
type wkind int

const (
	wConst   wkind = iota // the same known value in every lane
	wUniform              // per header, folded into dU (second block only)
	wLane                 // differs per lane: in its stack slot
)

// avx2 holds the register and frame assignment while generating.
type avx2 struct {
	frame GPPhysical // 32-byte aligned base of the stack area
	ptr   GPPhysical // the Work data

	kind func(j int) wkind
	cval func(j int) uint32
	last int // the last schedule word needed

	a, b, c, d, e, f, g, h VecPhysical
	prev, spare            VecPhysical // b^c from the previous round; a free register
}

const (
	avxW       = 0    // schedule word i at 32*i
	avxUniform = 2048 // broadcast per-header words
	avxFrame   = avxUniform + 32*(8+nU+8+2)
)

// wslot is the stack slot of schedule word i.
func (x *avx2) wslot(i int) Mem { return Mem{Base: x.frame, Disp: avxW + 32*i} }

// uword is a per-header word broadcast into the frame: word i of the
// layout entry field.
type uword struct {
	field string
	i     int
}

// avxUniform lists the broadcast words in frame order; the empty field is
// the vector of the current eight nonces.
var avxUniformWords = func() []uword {
	var u []uword
	for _, f := range []struct {
		field string
		n     int
	}{{"dSt4", 8}, {"dU", nU}, {"dMid", 8}, {"dTop", 1}} {
		for i := 0; i < f.n; i++ {
			u = append(u, uword{f.field, i})
		}
	}
	return append(u, uword{"", 0})
}()

// uword returns the frame slot of word i of field, broadcast.
func (x *avx2) uword(field string, i int) Mem {
	for j, u := range avxUniformWords {
		if u == (uword{field, i}) {
			return Mem{Base: x.frame, Disp: avxUniform + 32*j}
		}
	}
	panic(fmt.Sprint("no uniform slot ", field, i))
}

// shift is one term of a rotate/shift sum: a right shift by n, or a left
// shift by n when left.
type shift struct {
	left bool
	n    uint8
}

var (
	shSigma0    = []shift{{false, 3}, {false, 7}, {true, 25}, {false, 18}, {true, 14}}
	shSigma1    = []shift{{false, 10}, {false, 17}, {true, 15}, {false, 19}, {true, 13}}
	shBigSigma0 = []shift{{false, 2}, {true, 30}, {false, 13}, {true, 19}, {false, 22}, {true, 10}}
	shBigSigma1 = []shift{{false, 6}, {true, 26}, {false, 11}, {true, 21}, {false, 25}, {true, 7}}
)

// xorShifts sets r to the XOR of src shifted as sh, using tmp. AVX2 has no
// rotate, so a rotate is a right and a left shift; writing the sigma
// functions as one XOR of shifts gives the most parallelism.
func xorShifts(sh []shift, src, r, tmp VecPhysical) {
	for i, s := range sh {
		dst := tmp
		if i == 0 {
			dst = r
		}
		if s.left {
			VPSLLD(U8(s.n), src, dst)
		} else {
			VPSRLD(U8(s.n), src, dst)
		}
		if i > 0 {
			VPXOR(tmp, r, r)
		}
	}
}

// refs reports whether schedule word j is read by a later schedule word up
// to x.last.
func (x *avx2) refs(j int) bool {
	for _, d := range []int{2, 7, 15, 16} {
		if j+d >= 16 && j+d <= x.last {
			return true
		}
	}
	return false
}

// schedule computes lane word W[i] into Y8 and stores it to its slot if a
// later word reads it. Constant terms are summed here; in the second block
// the header-only terms are added as dU[i-16].
func (x *avx2) schedule(i int, uniformBase bool) {
	acc, v, r, tmp := Y8, Y9, Y10, Y11
	have := false
	add := func(src Op) {
		if have {
			VPADDD(src, acc, acc)
		} else {
			VMOVDQU(src, acc)
			have = true
		}
	}
	var cst uint32
	uniform := false
	terms := []struct {
		j  int
		sh []shift
		fn func(uint32) uint32
	}{
		{i - 16, nil, func(v uint32) uint32 { return v }},
		{i - 7, nil, func(v uint32) uint32 { return v }},
		{i - 15, shSigma0, sigma0},
		{i - 2, shSigma1, sigma1},
	}
	for _, t := range terms {
		switch x.kind(t.j) {
		case wConst:
			cst += t.fn(x.cval(t.j))
		case wUniform:
			uniform = true
		case wLane:
			if t.sh == nil {
				add(x.wslot(t.j))
				continue
			}
			VMOVDQU(x.wslot(t.j), v)
			if !have {
				xorShifts(t.sh, v, acc, tmp)
				have = true
			} else {
				xorShifts(t.sh, v, r, tmp)
				VPADDD(r, acc, acc)
			}
		}
	}
	if !have {
		panic(fmt.Sprint("schedule word ", i, " has no lane term"))
	}
	if uniform {
		if !uniformBase || i-16 >= nU {
			panic(fmt.Sprint("schedule word ", i, " needs a uniform part that does not exist"))
		}
		VPADDD(x.uword("dU", i-16), acc, acc)
	}
	if cst != 0 {
		VPADDD(c32.bcast(cst), acc, acc)
	}
	if x.refs(i) {
		VMOVDQU(acc, x.wslot(i))
	}
}

// round emits round i: h += each of wk (W+K, as one or two terms), then the
// usual round. With eOnly it computes only the new e (the new a is left
// undefined), for the last rounds of the third block.
func (x *avx2) round(wk []Op, eOnly bool) {
	s1, t1, s0, t0 := Y8, Y9, Y10, Y11
	for _, op := range wk {
		VPADDD(op, x.h, x.h)
	}
	xorShifts(shBigSigma1, x.e, s1, t1)
	VPADDD(s1, x.h, x.h)
	VPXOR(x.f, x.g, t1)
	VPAND(x.e, t1, t1)
	VPXOR(x.g, t1, t1)
	VPADDD(t1, x.h, x.h) // h = T1
	VPADDD(x.h, x.d, x.d)
	if !eOnly {
		xorShifts(shBigSigma0, x.a, s0, t0)
		ab := x.spare
		VPXOR(x.a, x.b, ab)
		VPAND(ab, x.prev, x.prev)
		VPXOR(x.b, x.prev, x.prev) // Maj(a, b, c) = b ^ ((a^b) & (b^c))
		VPADDD(s0, x.h, x.h)
		VPADDD(x.prev, x.h, x.h)
		x.prev, x.spare = ab, x.prev
	}
	x.a, x.b, x.c, x.d, x.e, x.f, x.g, x.h = x.h, x.a, x.b, x.c, x.d, x.e, x.f, x.g
}

func (x *avx2) resetState() {
	x.a, x.b, x.c, x.d, x.e, x.f, x.g, x.h = Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7
	x.prev, x.spare = Y13, Y12
}

func scanAVX2() {
	TEXT("scanAVX2", 0, "func(d *[64]uint32, start, count uint32) (nonce uint32, found bool)")
	Doc(
		"scanAVX2 hashes nonces start, start+1, ... eight at a time while at least",
		"eight of count remain, and returns the first whose final H7 passes the target's",
		"top word (a candidate the caller must check in full), or found=false.",
	)
	x := &avx2{frame: R9, ptr: RAX}
	nonce, count := RBX, RCX
	local := AllocLocal(avxFrame + 32)
	Load(Param("d"), x.ptr)
	Load(Param("start"), nonce.As32())
	Load(Param("count"), count.As32())
	LEAQ(local.Offset(31), x.frame)
	ANDQ(I32(-32), x.frame)

	Comment("Broadcast the per-header words and the first nonces.")
	for _, u := range avxUniformWords[:len(avxUniformWords)-1] {
		VPBROADCASTD(Mem{Base: x.ptr, Disp: 4 * (off(u.field) + u.i)}, Y8)
		VMOVDQU(Y8, x.uword(u.field, u.i))
	}
	VMOVD(nonce.As32(), X8)
	VPBROADCASTD(X8, Y8)
	VPADDD(c32.mem([]uint32{0, 1, 2, 3, 4, 5, 6, 7}), Y8, Y8)
	VMOVDQU(Y8, x.uword("", 0))
	bswap := c32.mem([]uint32{0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f, 0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f})

	Label("avx_loop")
	CMPL(count.As32(), U8(8))
	JB(LabelRef("avx_none"))

	Comment("Second block from round 4: W3 (the nonce, big-endian) enters a and e.")
	x.kind = func(j int) wkind {
		switch {
		case headerWord(j):
			return wUniform
		case j == 3 || j >= 18:
			return wLane
		}
		return wConst
	}
	x.cval = pad2
	x.last = 63
	x.resetState()
	VMOVDQU(x.uword("", 0), Y8)
	VPSHUFB(bswap, Y8, Y8)
	VMOVDQU(Y8, x.wslot(3))
	VPADDD(x.uword("dSt4", 0), Y8, x.a)
	VPADDD(x.uword("dSt4", 4), Y8, x.e)
	for i, r := range []VecPhysical{x.b, x.c, x.d, x.f, x.g, x.h} {
		VMOVDQU(x.uword("dSt4", []int{1, 2, 3, 5, 6, 7}[i]), r)
	}
	VPXOR(x.b, x.c, x.prev)
	for i := 4; i < 64; i++ {
		switch x.kind(i) {
		case wConst:
			x.round([]Op{c32.bcast(pad2(i) + kc[i])}, false)
		case wUniform:
			x.round([]Op{x.uword("dU", i-16), c32.bcast(kc[i])}, false)
		default:
			x.schedule(i, true)
			x.round([]Op{Y8, c32.bcast(kc[i])}, false)
		}
	}

	Comment("First hash = state + midstate: the third block's W0..W7.")
	for j, r := range []VecPhysical{x.a, x.b, x.c, x.d, x.e, x.f, x.g, x.h} {
		VPADDD(x.uword("dMid", j), r, r)
		VMOVDQU(r, x.wslot(j))
	}

	Comment("Third block: round 0 from the constant IV, then rounds 1..60.")
	x.kind = func(j int) wkind {
		if j >= 8 && j < 16 {
			return wConst
		}
		return wLane
	}
	x.cval = pad3
	x.last = 60
	x.resetState()
	t1 := iv[7] + bigSigma1(iv[4]) + ch(iv[4], iv[5], iv[6]) + kc[0]
	t2 := bigSigma0(iv[0]) + maj(iv[0], iv[1], iv[2])
	VMOVDQU(x.wslot(0), Y8)
	VPADDD(c32.bcast(t1+t2), Y8, x.h)
	VPADDD(c32.bcast(iv[3]+t1), Y8, x.d)
	for i, r := range []VecPhysical{x.a, x.b, x.c, x.e, x.f, x.g} {
		VMOVDQU(c32.bcast(iv[[]int{0, 1, 2, 4, 5, 6}[i]]), r)
	}
	VMOVDQU(c32.bcast(iv[0]^iv[1]), x.prev)
	x.a, x.b, x.c, x.d, x.e, x.f, x.g, x.h = x.h, x.a, x.b, x.c, x.d, x.e, x.f, x.g
	for i := 1; i <= 60; i++ {
		eOnly := i >= 57
		switch x.kind(i) {
		case wConst:
			x.round([]Op{c32.bcast(pad3(i) + kc[i])}, eOnly)
		default:
			if i >= 16 {
				x.schedule(i, false)
				x.round([]Op{Y8, c32.bcast(kc[i])}, eOnly)
			} else {
				x.round([]Op{x.wslot(i), c32.bcast(kc[i])}, eOnly)
			}
		}
	}

	Comment("H7 = IV7 + e60; candidate lanes have bswap(H7) <= the target's top word.")
	VPADDD(c32.bcast(iv[7]), x.e, Y8)
	VPSHUFB(bswap, Y8, Y8)
	VPMAXUD(x.uword("dTop", 0), Y8, Y9)
	VPCMPEQD(x.uword("dTop", 0), Y9, Y9)
	VMOVMSKPS(Y9, EDX)
	TESTL(EDX, EDX)
	JNZ(LabelRef("avx_found"))
	VMOVDQU(x.uword("", 0), Y8)
	VPADDD(c32.bcast(8), Y8, Y8)
	VMOVDQU(Y8, x.uword("", 0))
	ADDL(U8(8), nonce.As32())
	SUBL(U8(8), count.As32())
	JMP(LabelRef("avx_loop"))

	Label("avx_found")
	BSFL(EDX, EDX)
	ADDL(EDX, nonce.As32())
	Store(nonce.As32(), Return("nonce"))
	MOVB(U8(1), AL)
	Store(AL, Return("found"))
	VZEROUPPER()
	RET()

	Label("avx_none")
	MOVB(U8(0), AL)
	Store(AL, Return("found"))
	VZEROUPPER()
	RET()
}
