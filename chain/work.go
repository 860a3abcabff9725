package chain

import (
	"math/big"
	"math/bits"
	"sync/atomic"
)

// work is a 256-bit unsigned amount of work in four 64-bit limbs, least
// significant first. The block index keeps each node's cumulative work in
// one, inline, where a *big.Int would cost a pointer, a header and a heap
// allocation of its own.
type work [4]uint64

// workFromBig returns x as a work; x must fit in 256 bits.
func workFromBig(x *big.Int) work {
	var b [32]byte
	x.FillBytes(b[:])
	var w work
	for i := range w {
		off := 32 - 8*(i+1)
		for j := range 8 {
			w[i] = w[i]<<8 | uint64(b[off+j])
		}
	}
	return w
}

// add returns w + v, modulo 2^256. Cumulative work does not come near
// 2^256: a block at the hardest target adds 2^128 or so, and no chain holds
// 2^128 such blocks.
func (w work) add(v work) work {
	var carry uint64
	for i := range w {
		w[i], carry = bits.Add64(w[i], v[i], carry)
	}
	return w
}

// cmp returns -1, 0 or +1 as w is less than, equal to or greater than v.
func (w work) cmp(v work) int {
	for i := len(w) - 1; i >= 0; i-- {
		switch {
		case w[i] < v[i]:
			return -1
		case w[i] > v[i]:
			return 1
		}
	}
	return 0
}

// big returns w as a new big.Int.
func (w work) big() *big.Int {
	var b [32]byte
	for i := range w {
		off := 32 - 8*(i+1)
		v := w[i]
		for j := 7; j >= 0; j-- {
			b[off+j] = byte(v)
			v >>= 8
		}
	}
	return new(big.Int).SetBytes(b[:])
}

// bitsWork is the work of one compact bits value.
type bitsWork struct {
	bits uint32
	work work
}

// lastBitsWork caches the work of the bits seen last: consecutive headers
// nearly always share their bits, and CalcWork divides 256-bit numbers.
var lastBitsWork atomic.Pointer[bitsWork]

// workForBits returns CalcWork(bits) as a work.
func workForBits(bits uint32) work {
	if c := lastBitsWork.Load(); c != nil && c.bits == bits {
		return c.work
	}
	w := workFromBig(CalcWork(bits))
	lastBitsWork.Store(&bitsWork{bits: bits, work: w})
	return w
}
