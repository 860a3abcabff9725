package chain

import (
	"math/big"
)

// Compact targets (Bitcoin's nBits) pack a 256-bit unsigned target into 32
// bits, much like a floating point number:
//
//	-------------------------------------------------
//	|   Size         |    Sign    |    Mantissa     |
//	|-----------------------------------------------|
//	| 8 bits [31-24] | 1 bit [23] | 23 bits [22-00] |
//	-------------------------------------------------
//
//	target = mantissa * 256^(size-3)
//
// The sign bit is a leftover of OpenSSL's bignum format. Targets are never
// negative, so a set sign bit with a non-zero mantissa makes the bits invalid,
// exactly as in Bitcoin Core's arith_uint256::SetCompact.
const (
	// compactSignBit is the sign bit of a compact target.
	compactSignBit = 0x00800000
	// compactMantissaMask selects the 23-bit mantissa of a compact target.
	compactMantissaMask = 0x007fffff
)

// workNumerator is 2^256, the numerator of CalcWork. It is never modified.
var workNumerator = new(big.Int).Lsh(big.NewInt(1), 256)

// CompactToTarget decodes compact bits into the target they encode, with the
// semantics of Bitcoin Core's arith_uint256::SetCompact. It returns a
// RuleError of kind ErrBadBits when the bits encode a negative number (sign
// bit set with a non-zero mantissa), when the number does not fit in 256 bits
// (Core's overflow rule), when the target is zero, or when the target is above
// powLimit. A nil powLimit skips the last check. The returned target is a new
// big.Int that the caller owns.
func CompactToTarget(bits uint32, powLimit *big.Int) (*big.Int, error) {
	size := bits >> 24
	mantissa := bits & compactMantissaMask

	// As in Core, a size of at most 3 shifts the mantissa right before the
	// sign and overflow checks, so that bits such as 0x01803456 decode to
	// zero rather than to a negative number.
	if size <= 3 {
		mantissa >>= 8 * (3 - size)
	}
	if mantissa != 0 && bits&compactSignBit != 0 {
		return nil, ruleError(ErrBadBits,
			"compact bits %08x encode a negative target", bits)
	}
	// Core's overflow rule: the value would need more than 256 bits.
	if mantissa != 0 && (size > 34 ||
		(mantissa > 0xff && size > 33) ||
		(mantissa > 0xffff && size > 32)) {
		return nil, ruleError(ErrBadBits,
			"compact bits %08x encode a target wider than 256 bits", bits)
	}
	if mantissa == 0 {
		return nil, ruleError(ErrBadBits,
			"compact bits %08x encode a zero target", bits)
	}

	target := new(big.Int).SetUint64(uint64(mantissa))
	if size > 3 {
		target.Lsh(target, uint(8*(size-3)))
	}
	if powLimit != nil && target.Cmp(powLimit) > 0 {
		return nil, ruleError(ErrBadBits,
			"compact bits %08x encode target %064x above the proof of work "+
				"limit %064x", bits, target, powLimit)
	}
	return target, nil
}

// TargetToCompact encodes a target as compact bits with the semantics of
// Bitcoin Core's arith_uint256::GetCompact. Only the 23 most significant bits
// of the mantissa survive, so the result decodes to a value at most target.
// When the top bit of the 3-byte mantissa would land on the sign bit, the
// mantissa is shifted right one byte and the size increased instead. A
// negative target is encoded with the sign bit set, as Core does; zero
// encodes as 0. The target must be narrower than 2^256 for the size byte to
// be meaningful. TargetToCompact does not modify target.
func TargetToCompact(target *big.Int) uint32 {
	if target.Sign() == 0 {
		return 0
	}
	size := uint32((target.BitLen() + 7) / 8)

	var mantissa uint32
	if size <= 3 {
		// At most 24 bits: the absolute value fits in one word.
		mantissa = low32(target) << (8 * (3 - size))
	} else {
		shifted := new(big.Int).Abs(target)
		shifted.Rsh(shifted, uint(8*(size-3)))
		mantissa = low32(shifted)
	}

	if mantissa&compactSignBit != 0 {
		mantissa >>= 8
		size++
	}
	compact := size<<24 | mantissa
	if target.Sign() < 0 && mantissa&compactMantissaMask != 0 {
		compact |= compactSignBit
	}
	return compact
}

// low32 returns the low 32 bits of the absolute value of n.
func low32(n *big.Int) uint32 {
	words := n.Bits() // little-endian words of at least 32 bits each
	if len(words) == 0 {
		return 0
	}
	return uint32(words[0])
}

// HashToBig returns the hash read as a 256-bit little-endian unsigned
// integer, the number that proof of work compares with the target. The
// result is a new big.Int that the caller owns.
func HashToBig(h Hash) *big.Int {
	// Hash bytes are little-endian; big.Int.SetBytes wants big-endian.
	for i := 0; i < HashSize/2; i++ {
		h[i], h[HashSize-1-i] = h[HashSize-1-i], h[i]
	}
	return new(big.Int).SetBytes(h[:])
}

// CalcWork returns the expected number of hashes needed to find a block
// with the given compact bits, 2^256 / (target + 1), the quantity summed to
// choose the best chain (SPEC §8). Bits that do not decode to a valid
// target (negative, overflowing or zero; powLimit is not checked here) give
// zero work. The result is a new big.Int that the caller owns.
func CalcWork(bits uint32) *big.Int {
	target, err := CompactToTarget(bits, nil)
	if err != nil {
		return new(big.Int)
	}
	target.Add(target, big.NewInt(1))
	return target.Div(workNumerator, target)
}

// CheckProofOfWork checks that bits decode to a valid target no greater
// than powLimit (nil skips that check) and that the hash h, read as a
// little-endian 256-bit integer, is at most the target (SPEC §2). It returns
// a RuleError of kind ErrBadBits for unusable bits, of kind ErrHighHash when
// the hash is above the target, and nil when the proof of work holds.
func CheckProofOfWork(h Hash, bits uint32, powLimit *big.Int) error {
	target, err := CompactToTarget(bits, powLimit)
	if err != nil {
		return err
	}

	// A valid target fits in 256 bits. Compare it with the hash byte by
	// byte from the most significant end, which avoids a second big.Int.
	var t [HashSize]byte
	target.FillBytes(t[:])
	for i := 0; i < HashSize; i++ {
		hb := h[HashSize-1-i]
		if hb < t[i] {
			return nil
		}
		if hb > t[i] {
			return ruleError(ErrHighHash,
				"block hash %v is above the target %064x of bits %08x",
				h, target, bits)
		}
	}
	return nil // hash == target
}
