package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The SHA-NI kernel hashes two nonces at a time, n and n+1, as two
// independent streams of SHA256RNDS2: one stream's rounds depend on each
// other (four cycles of latency apiece on current cores), so a second
// stream fills the SHA unit while the first waits.
//
// Per stream the state lives in two registers in the order the SHA
// extensions use (ABEF and CDGH) and the message schedule in four registers
// holding W[4j..4j+3] in turn. The schedule is evaluated symbolically: a
// message vector that does not depend on the nonce (the padding of both
// blocks) is a constant known here, and MSG1/PALIGNR/ADD/MSG2 over constants
// are folded at generation time, so only the nonce-dependent work is
// emitted.
//
// Per nonce the kernel runs rounds 4..63 of the second block (rounds 0..3 are
// precomputed by NewWork; W3 enters round 3 only as an addition to A and E)
// and rounds 0..61 of the third, of which it keeps F = e after round 60,
// since H7 of the final hash is IV7 + e after round 60. That is 61
// SHA256RNDS2 and 23 SHA256MSG2 per nonce (the second block's W16..W19 need
// only SHA256MSG1 plus the per-header dNiS4), against 96 and 36 for
// sha256(sha256(header)). SHA256MSG2 competes with SHA256RNDS2 for the SHA
// unit on Zen 3, which is why saving one is worth it. Computing round 60 in
// general registers instead of the last SHA256RNDS2 was tried and measured
// slower: the long scalar tail holds up retirement.

// nmsg is a message vector W[4j..4j+3] of one stream: either a constant
// known at generation time or a register.
type nmsg struct {
	isConst bool
	c       [4]uint32
	r       VecPhysical
}

func (m nmsg) zero() bool { return m.isConst && m.c == [4]uint32{} }

// op returns m as an instruction operand: its register or its constant in
// memory (legacy SSE memory operands must be 16-byte aligned; the constant
// tables are).
func (m nmsg) op() Op {
	if m.isConst {
		return c16.mem(m.c[:])
	}
	return m.r
}

// niStream is the register assignment of one stream.
type niStream struct {
	abef, cdgh VecPhysical
	mreg       [4]VecPhysical
	t          VecPhysical // temporary for the schedule and the round message
	w3         GPPhysical  // the nonce as the big-endian message word W3
	msg        [16]nmsg
}

func msg1(a, b [4]uint32) [4]uint32 {
	return [4]uint32{a[0] + sigma0(a[1]), a[1] + sigma0(a[2]), a[2] + sigma0(a[3]), a[3] + sigma0(b[0])}
}

func msg2(x, d [4]uint32) [4]uint32 {
	w0 := x[0] + sigma1(d[2])
	w1 := x[1] + sigma1(d[3])
	return [4]uint32{w0, w1, x[2] + sigma1(w0), x[3] + sigma1(w1)}
}

func addv(a, b [4]uint32) [4]uint32 {
	return [4]uint32{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]}
}

// schedule computes msg[j] (j >= 4) from msg[j-4..j-1] into mreg[j%4], the
// register of msg[j-4]:
//
//	msg[j] = MSG2(MSG1(msg[j-4], msg[j-3]) + PALIGNR4(msg[j-1]:msg[j-2]), msg[j-1])
func (s *niStream) schedule(j int) {
	a, b, c, d := s.msg[j-4], s.msg[j-3], s.msg[j-2], s.msg[j-1]
	dst := s.mreg[j%4]
	if a.isConst && b.isConst && c.isConst && d.isConst {
		s.msg[j] = nmsg{isConst: true, c: msg2(addv(msg1(a.c, b.c), [4]uint32{c.c[1], c.c[2], c.c[3], d.c[0]}), d.c)}
		return
	}

	// x = MSG1(a, b)
	var x nmsg
	switch {
	case a.isConst && b.isConst:
		x = nmsg{isConst: true, c: msg1(a.c, b.c)}
	default:
		if a.isConst {
			MOVOU(a.op(), dst)
		}
		SHA256MSG1(b.op(), dst)
		x = nmsg{r: dst}
	}

	// t = [c1, c2, c3, d0]
	var t nmsg
	switch {
	case c.isConst && d.isConst:
		t = nmsg{isConst: true, c: [4]uint32{c.c[1], c.c[2], c.c[3], d.c[0]}}
	default:
		if d.isConst {
			MOVOU(d.op(), s.t)
		} else {
			MOVO(d.r, s.t)
		}
		PALIGNR(U8(4), c.op(), s.t)
		t = nmsg{r: s.t}
	}

	// x += t, leaving x in dst.
	switch {
	case t.zero():
	case x.isConst && t.isConst:
		x.c = addv(x.c, t.c)
	case x.isConst:
		MOVO(t.r, dst)
		if !x.zero() {
			PADDD(x.op(), dst)
		}
		x = nmsg{r: dst}
	default:
		PADDD(t.op(), dst)
	}
	if x.isConst {
		MOVOU(x.op(), dst)
	}

	SHA256MSG2(d.op(), dst)
	s.msg[j] = nmsg{r: dst}
}

// rnds2 runs two rounds with the message+K words in X0's low half and
// swaps the roles of the state registers, as SHA256RNDS2 does.
func (s *niStream) rnds2() {
	SHA256RNDS2(X0, s.abef, s.cdgh)
	s.abef, s.cdgh = s.cdgh, s.abef
}

// niRounds runs rounds 4j..4j+3 (or only 4j, 4j+1 when half) on every
// stream, interleaved.
func niRounds(st []*niStream, j int, half bool) {
	if st[0].msg[j].isConst {
		// The same constant W+K for every stream: load it once per pair.
		wkv := addv(st[0].msg[j].c, [4]uint32(kc[4*j:4*j+4]))
		wk := c16.mem(wkv[:])
		MOVQ(wk, X0)
		for _, s := range st {
			s.rnds2()
		}
		if half {
			return
		}
		MOVQ(wk.Offset(8), X0)
		for _, s := range st {
			s.rnds2()
		}
		return
	}
	for _, s := range st {
		MOVO(s.msg[j].r, s.t)
		PADDD(k16.mem(kc[4*j:4*j+4]), s.t)
	}
	for _, s := range st {
		MOVO(s.t, X0)
		s.rnds2()
	}
	if half {
		return
	}
	for _, s := range st {
		PSHUFD(U8(0x0e), s.t, X0)
		s.rnds2()
	}
}

func scanSHANI() {
	TEXT("scanSHANI", NOSPLIT, "func(d *[64]uint32, start, count uint32) (nonce uint32, found bool)")
	Doc(
		"scanSHANI hashes nonces start, start+1, ... two at a time while at least two",
		"of count remain, and returns the first whose final H7 passes the target's top",
		"word (a candidate the caller must check in full), or found=false.",
	)
	ptr, nonce, count, top := RAX, RBX, RCX, R8
	Load(Param("d"), ptr)
	Load(Param("start"), nonce.As32())
	Load(Param("count"), count.As32())
	MOVL(Mem{Base: ptr, Disp: 4 * off("dTop")}, top.As32())

	st := []*niStream{
		{abef: X1, cdgh: X2, mreg: [4]VecPhysical{X3, X4, X5, X6}, t: X7, w3: RDX},
		{abef: X8, cdgh: X9, mreg: [4]VecPhysical{X10, X11, X12, X13}, t: X14, w3: RSI},
	}
	Label("ni_loop")
	CMPL(count.As32(), U8(2))
	JB(LabelRef("ni_none"))
	for _, step := range niSteps(st, ptr, nonce, 0) {
		step()
	}

	Comment("H7 = IV7 + e60; the hash's top word is its byte swap.")
	for i, s := range st {
		MOVQ(s.abef, RDI)
		ADDL(U32(iv[7]), EDI)
		BSWAPL(EDI)
		CMPL(EDI, top.As32())
		JLS(LabelRef([]string{"ni_found0", "ni_found1"}[i]))
	}
	ADDL(U8(2), nonce.As32())
	SUBL(U8(2), count.As32())
	JMP(LabelRef("ni_loop"))

	Label("ni_found1")
	INCL(nonce.As32())
	Label("ni_found0")
	Store(nonce.As32(), Return("nonce"))
	MOVB(U8(1), AL)
	Store(AL, Return("found"))
	RET()

	Label("ni_none")
	MOVB(U8(0), AL)
	Store(AL, Return("found"))
	RET()
}

// niSteps returns the per-nonce work of the SHA-NI kernel on the streams st,
// stream i hashing nonce first+i, as steps of about four rounds each, so
// that another kernel's steps can be interleaved with them. On
// return from the last step each stream's abef holds e after round 60 of
// the third block in its low dword.
func niSteps(st []*niStream, ptr, nonce GPPhysical, first int) []func() {
	dm := func(name string, word int) Mem { return Mem{Base: ptr, Disp: 4 * (off(name) + word)} }
	var steps []func()
	steps = append(steps, func() {
		for i, s := range st {
			LEAL(Mem{Base: nonce, Disp: first + i}, s.w3.As32())
			BSWAPL(s.w3.As32())
		}
		Comment("Second block: state after round 3 is the precomputed one plus W3 in A and E.")
		for _, s := range st {
			MOVOU(dm("dNiSt4", 0), s.abef)
			MOVOU(dm("dNiSt4", 4), s.cdgh)
			MOVQ(s.w3, s.t)
			PSHUFD(U8(0x11), s.t, s.t) // [0, W3, 0, W3]
			PADDD(s.t, s.abef)
			MOVOU(dm("dNiMsg0", 0), s.mreg[0])
			PINSRD(U8(3), s.w3.As32(), s.mreg[0])
			s.msg[0] = nmsg{r: s.mreg[0]}
			for j := 1; j < 4; j++ {
				var c [4]uint32
				for i := range c {
					c[i] = pad2(4*j + i)
				}
				s.msg[j] = nmsg{isConst: true, c: c}
			}
		}
	})
	for j := 1; j < 16; j++ {
		steps = append(steps, func() {
			for _, s := range st {
				switch {
				case j == 4:
					// W[i-7..i-4] = W9..W12 = 0 and the sigma1 terms are
					// per header: no SHA256MSG2 needed.
					SHA256MSG1(s.msg[1].op(), s.mreg[0])
					MOVOU(dm("dNiS4", 0), s.t)
					PADDD(s.t, s.mreg[0])
					s.msg[4] = nmsg{r: s.mreg[0]}
				case j > 4:
					s.schedule(j)
				}
			}
			niRounds(st, j, false)
		})
	}
	steps = append(steps, func() {
		Comment("First hash = state + midstate, reordered into the third block's W0..W7.")
		for _, s := range st {
			MOVOU(dm("dNiMid", 0), s.t)
			PADDD(s.t, s.abef)
			MOVOU(dm("dNiMid", 4), s.t)
			PADDD(s.t, s.cdgh)
			// abef = [F E B A], cdgh = [H G D C] from dword 0 up.
			MOVO(s.abef, s.mreg[0])
			PUNPCKHQDQ(s.cdgh, s.mreg[0]) // [B A D C]
			PSHUFD(U8(0xb1), s.mreg[0], s.mreg[0])
			PUNPCKLQDQ(s.cdgh, s.abef) // [F E H G]
			PSHUFD(U8(0xb1), s.abef, s.mreg[1])
			s.msg[0] = nmsg{r: s.mreg[0]}
			s.msg[1] = nmsg{r: s.mreg[1]}
			for j := 2; j < 4; j++ {
				var c [4]uint32
				for i := range c {
					c[i] = pad3(4*j + i)
				}
				s.msg[j] = nmsg{isConst: true, c: c}
			}
			MOVOU(c16.mem([]uint32{iv[5], iv[4], iv[1], iv[0]}), s.abef)
			MOVOU(c16.mem([]uint32{iv[7], iv[6], iv[3], iv[2]}), s.cdgh)
		}
		Comment("Third block, rounds 0..61: F after round 61 is e after round 60.")
	})
	for j := 0; j < 16; j++ {
		steps = append(steps, func() {
			if j >= 4 {
				for _, s := range st {
					s.schedule(j)
				}
			}
			niRounds(st, j, j == 15)
		})
	}
	return steps
}
