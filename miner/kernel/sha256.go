package kernel

import (
	"encoding/binary"
	"math/bits"
)

// This file holds the scalar SHA-256 pieces (FIPS 180-4) that NewWork uses to
// precompute per-header state and that the portable kernel runs per nonce.
// The assembly kernels are generated from internal/asmgen and only read the
// precomputed words; crypto/sha256 stays the reference the tests compare to.

// iv is the SHA-256 initial hash value H(0).
var iv = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// k is the SHA-256 round constant table.
var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

func sigma0(x uint32) uint32 {
	return bits.RotateLeft32(x, -7) ^ bits.RotateLeft32(x, -18) ^ x>>3
}

func sigma1(x uint32) uint32 {
	return bits.RotateLeft32(x, -17) ^ bits.RotateLeft32(x, -19) ^ x>>10
}

func bigSigma0(x uint32) uint32 {
	return bits.RotateLeft32(x, -2) ^ bits.RotateLeft32(x, -13) ^ bits.RotateLeft32(x, -22)
}

func bigSigma1(x uint32) uint32 {
	return bits.RotateLeft32(x, -6) ^ bits.RotateLeft32(x, -11) ^ bits.RotateLeft32(x, -25)
}

// rounds applies SHA-256 rounds from..to-1 to state s (a..h), round i
// using message word w[i].
func rounds(s *[8]uint32, w *[64]uint32, from, to int) {
	a, b, c, d, e, f, g, h := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
	for i := from; i < to; i++ {
		t1 := h + bigSigma1(e) + (e&f ^ ^e&g) + k[i] + w[i]
		t2 := bigSigma0(a) + (a&b ^ a&c ^ b&c)
		h, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	*s = [8]uint32{a, b, c, d, e, f, g, h}
}

// compress runs the full compression function on one 64-byte block and
// returns the new chaining value.
func compress(h [8]uint32, block []byte) [8]uint32 {
	var w [64]uint32
	for i := 0; i < 16; i++ {
		w[i] = binary.BigEndian.Uint32(block[4*i:])
	}
	for i := 16; i < 64; i++ {
		w[i] = sigma1(w[i-2]) + w[i-7] + sigma0(w[i-15]) + w[i-16]
	}
	s := h
	rounds(&s, &w, 0, 64)
	for i := range s {
		s[i] += h[i]
	}
	return s
}

// Fixed words of the second block (header bytes 64..79 plus SHA-256 padding
// for an 80-byte message) and of the third block (a 32-byte digest plus
// padding). Words not listed are zero.
const (
	pad2W4  = 0x80000000
	pad2W15 = 80 * 8
	pad3W8  = 0x80000000
	pad3W15 = 32 * 8
)

// headerWord reports whether word j of the second block's message schedule
// depends only on the header (not on the nonce nor on the fixed padding):
// the merkle tail, time and bits words W0..W2 and the schedule words W16 and
// W17 computed from them. The uniform part u[i] of a later schedule word is
// the sum of its terms over such words; internal/asmgen uses the same rule.
func headerWord(j int) bool {
	return j <= 2 || j == 16 || j == 17
}

// paddingWord2 returns W[j] of the second block for j in 4..15.
func paddingWord2(j int) uint32 {
	switch j {
	case 4:
		return pad2W4
	case 15:
		return pad2W15
	}
	return 0
}
