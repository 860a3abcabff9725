package chain

import (
	"fmt"
	"math/big"
)

// Flint retargets every block with the absolutely scheduled exponentially
// rising targets (ASERT) rule of Decred's DCP0011 (SPEC §7). The ideal is
//
//	target = genesisTarget * 2^((Δt - Δh*spacing) / halfLife)
//
// clamped to [1, powLimit]: for every half-life the chain runs behind its
// schedule the target doubles (mining gets easier), and for every half-life
// it runs ahead the target halves. Because the schedule is anchored at
// genesis, errors never accumulate.
//
// Consensus cannot depend on floating point, so the power of two is
// computed in fixed point exactly as dcrd's standalone.CalcASERTDiff does:
//
//  1. The exponent is x = ((Δt - Δh*spacing) << 16) / halfLife, a number
//     with 16 fractional bits; the division truncates towards zero.
//  2. x splits into an integer part n = x >> 16 (arithmetic shift, so it
//     rounds towards minus infinity) and a fraction f = x & 0xffff in
//     [0, 2^16), so that 2^(x/2^16) = 2^n * 2^(f/2^16).
//  3. 2^(f/2^16) is approximated, scaled by 2^16, by the cubic
//
//     factor = 2^16 + (195766423245049*f + 971821376*f^2 + 5127*f^3 + 2^47) >> 48
//
//     computed in unsigned 64-bit arithmetic (16.48 fixed point, within
//     0.013% of the true value over the interval).
//  4. target = (genesisTarget * factor) << (n - 16), a right shift when
//     n < 16, then clamped to [1, powLimit] and encoded with
//     TargetToCompact, whose truncation can only lower the target.

const (
	// asertFracBits is the number of fractional bits of the fixed-point
	// ASERT exponent.
	asertFracBits = 16

	// asertPolyCoeff1, asertPolyCoeff2 and asertPolyCoeff3 are the
	// coefficients of DCP0011's cubic approximation of 2^f on [0, 1),
	// 1 + 0.695502049712533f + 0.2262697964f^2 + 0.0782318f^3, rounded up
	// and scaled so that each term is in 16.48 fixed point:
	// ceil(0.695502049712533 * 2^48), ceil(0.2262697964 * 2^32) and
	// ceil(0.0782318 * 2^16).
	asertPolyCoeff1 uint64 = 195766423245049
	asertPolyCoeff2 uint64 = 971821376
	asertPolyCoeff3 uint64 = 5127

	// asertSmallOffset bounds |Δt - Δh*spacing| for which the exponent
	// can be computed in int64 arithmetic: the offset shifted left by
	// asertFracBits must still fit.
	asertSmallOffset = int64(1) << (63 - asertFracBits)
)

// CalcASERTBits returns the compact bits a block must carry under Flint's
// ASERT difficulty rule (SPEC §7): genesisTarget *
// 2^((timeDelta - heightDelta*targetSpacing) / halfLife), clamped to
// [1, powLimit], computed in fixed point as described at the top of this
// file. It is bit for bit dcrd's
// standalone.CalcASERTDiff(genesisBits, powLimit, targetSpacing, timeDelta,
// heightDelta, halfLife) and passes the DCP0011 reference vectors.
//
// For the block at height h whose parent is p, Flint anchors the schedule at
// the genesis block and passes
//
//	heightDelta = height(p)                 (Δh; the genesis height is 0)
//	timeDelta   = time(p) - time(genesis)   (Δt, in seconds; may be negative)
//
// with targetSpacing and halfLife in seconds from the network parameters.
// The result lies in [1, powLimit] once decoded.
//
// genesisBits must decode to a target in [1, powLimit], powLimit must not be
// nil, heightDelta must not be negative and halfLife must be positive. These
// come from the network parameters and the chain's own heights, never from a
// peer, so a violation is a bug in Flint and CalcASERTBits panics with an
// AssertError, as dcrd does.
//
// CalcASERTBits is a pure function, safe for concurrent use.
func CalcASERTBits(genesisBits uint32, powLimit *big.Int, targetSpacing,
	timeDelta, heightDelta, halfLife int64) uint32 {

	if powLimit == nil {
		panic(AssertError("CalcASERTBits: nil powLimit"))
	}
	start, err := CompactToTarget(genesisBits, powLimit)
	if err != nil {
		panic(AssertError(fmt.Sprintf("CalcASERTBits: genesis bits: %v", err)))
	}
	if heightDelta < 0 {
		panic(AssertError(fmt.Sprintf("CalcASERTBits: negative height delta %d",
			heightDelta)))
	}
	if halfLife <= 0 {
		panic(AssertError(fmt.Sprintf("CalcASERTBits: half-life %d is not positive",
			halfLife)))
	}

	// How far the parent is behind (positive) or ahead of (negative) the
	// ideal schedule. Like dcrd this is plain int64 arithmetic; with
	// Flint's 32-bit timestamps and heights it cannot overflow.
	offset := timeDelta - heightDelta*targetSpacing
	n, f := asertExponent(offset, halfLife)
	factor := asertFactor(f)

	// target = start * factor * 2^(n-16). Shifts far outside the range of
	// interest are settled without building huge numbers: the product is
	// at least 2^16 and below 2^(start.BitLen()+17), so a large enough left
	// shift exceeds powLimit and a large enough right shift leaves zero.
	// The results are the same as shifting and clamping.
	switch {
	case n > int64(powLimit.BitLen())+asertFracBits:
		return TargetToCompact(powLimit)
	case n < -int64(start.BitLen()+1):
		return TargetToCompact(big.NewInt(1))
	}
	target := start.Mul(start, new(big.Int).SetUint64(uint64(factor)))
	if shift := n - asertFracBits; shift >= 0 {
		target.Lsh(target, uint(shift))
	} else {
		target.Rsh(target, uint(-shift))
	}

	if target.Sign() == 0 {
		// No hash is below zero; 1 is the hardest target.
		target.SetInt64(1)
	} else if target.Cmp(powLimit) > 0 {
		target.Set(powLimit)
	}
	return TargetToCompact(target)
}

// asertExponent returns the integer part n and the fraction f in [0, 2^16)
// of the fixed-point exponent x = trunc((offset << 16) / halfLife), so that
// x = n*2^16 + f. halfLife must be positive.
func asertExponent(offset, halfLife int64) (n int64, f uint64) {
	if -asertSmallOffset < offset && offset < asertSmallOffset {
		// Go's integer division truncates towards zero, as DCP0011
		// requires, and >> on a signed integer is arithmetic.
		x := (offset << asertFracBits) / halfLife
		return x >> asertFracBits, uint64(x & (1<<asertFracBits - 1))
	}
	return asertExponentBig(offset, halfLife)
}

// asertExponentBig is asertExponent for offsets whose shifted value does not
// fit in 64 bits. The result always fits: |x| <= 2^79, so |n| <= 2^63.
func asertExponentBig(offset, halfLife int64) (n int64, f uint64) {
	x := big.NewInt(offset)
	x.Lsh(x, asertFracBits)
	x.Quo(x, big.NewInt(halfLife)) // Quo truncates towards zero
	// Int64 keeps the low 64 bits of |x| and negates them for negative x,
	// so the low 16 bits are those of x in two's complement.
	f = uint64(x.Int64() & (1<<asertFracBits - 1))
	n = x.Rsh(x, asertFracBits).Int64() // Rsh is arithmetic for negative x
	return n, f
}

// asertFactor returns 2^16 * 2^(f/2^16), approximated by DCP0011's cubic
// polynomial in 16.48 fixed point, for f in [0, 2^16). The sum stays below
// 2^64 for every such f, and the result is at most 17 bits wide.
func asertFactor(f uint64) uint32 {
	poly := asertPolyCoeff1*f +
		asertPolyCoeff2*f*f +
		asertPolyCoeff3*f*f*f +
		1<<47
	return uint32(1<<asertFracBits + poly>>48)
}
