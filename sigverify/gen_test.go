package sigverify

import (
	"encoding/binary"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	secp "github.com/consensys/gnark-crypto/ecc/secp256k1"
	"github.com/consensys/gnark-crypto/ecc/secp256k1/fr"
)

// verifiers returns every backend built into the test binary, each past
// its self-test; only the one FLINT_SIGVERIFY_TEST names if it is set (the
// libsecp256k1 build's run tests just that backend).
func verifiers(t testing.TB) []Verifier {
	var vs []Verifier
	for _, name := range Names() {
		if only := os.Getenv("FLINT_SIGVERIFY_TEST"); only != "" && name != only {
			continue
		}
		v, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// tripleGen makes valid signatures cheaply for tests that need millions:
// key i has secret d0 + i and signature i the nonce k0 + i, so each key and
// each R is the one before plus G, one point addition instead of a scalar
// multiplication. Signing with related keys and nonces would leak the keys;
// here only the verdicts matter.
type tripleGen struct {
	rng     *rand.Rand
	d, k    fr.Element
	P, R    secp.G1Jac
	g       secp.G1Jac
	pending []Triple
}

func newTripleGen(seed uint64) *tripleGen {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	g := &tripleGen{rng: rand.New(rand.NewChaCha8(s))}
	g.g, _ = secp.Generators()
	g.d.SetUint64(g.rng.Uint64()).Square(&g.d).Square(&g.d).Square(&g.d)
	g.k.SetUint64(g.rng.Uint64()).Square(&g.k).Square(&g.k).Square(&g.k)
	d, k := g.d.BigInt(new(big.Int)), g.k.BigInt(new(big.Int))
	g.P.ScalarMultiplication(&g.g, d)
	g.R.ScalarMultiplication(&g.g, k)
	return g
}

// next returns a valid triple.
func (g *tripleGen) next() Triple {
	if len(g.pending) == 0 {
		g.fill(256)
	}
	t := g.pending[0]
	g.pending = g.pending[1:]
	return t
}

func (g *tripleGen) fill(n int) {
	jac := make([]secp.G1Jac, 2*n)
	ds := make([]fr.Element, n)
	ks := make([]fr.Element, n)
	var one fr.Element
	one.SetOne()
	for i := range n {
		g.P.AddAssign(&g.g)
		g.R.AddAssign(&g.g)
		g.d.Add(&g.d, &one)
		g.k.Add(&g.k, &one)
		jac[2*i], jac[2*i+1] = g.P, g.R
		ds[i], ks[i] = g.d, g.k
	}
	aff := secp.BatchJacobianToAffineG1(jac)
	for i := range n {
		P, R := aff[2*i], aff[2*i+1]
		d, k := ds[i], ks[i]
		if isOdd(&P.Y) {
			d.Neg(&d)
		}
		if isOdd(&R.Y) {
			k.Neg(&k)
		}
		var t Triple
		t.PubKey = P.X.Bytes()
		for j := range 4 {
			binary.LittleEndian.PutUint64(t.Msg[8*j:], g.rng.Uint64())
		}
		r := R.X.Bytes()
		copy(t.Sig[:32], r[:])
		h := challenge(t.Sig[:32], &t.PubKey, &t.Msg)
		var e, s fr.Element
		e.SetBytes(h[:])
		s.Mul(&e, &d).Add(&s, &k)
		sb := s.Bytes()
		copy(t.Sig[32:], sb[:])
		g.pending = append(g.pending, t)
	}
}

// mutate returns t changed to be probably invalid in one of the ways
// BIP-340 tells apart, with a word saying how.
func (g *tripleGen) mutate(t Triple) (Triple, string) {
	switch g.rng.IntN(8) {
	case 0:
		bit := g.rng.IntN(256)
		t.PubKey[bit/8] ^= 1 << (bit % 8)
		return t, "key bit"
	case 1:
		bit := g.rng.IntN(256)
		t.Msg[bit/8] ^= 1 << (bit % 8)
		return t, "message bit"
	case 2:
		bit := g.rng.IntN(512)
		t.Sig[bit/8] ^= 1 << (bit % 8)
		return t, "signature bit"
	case 3:
		v := boundaries[g.rng.IntN(len(boundaries))]
		copy(t.Sig[:32], v[:])
		return t, "r boundary"
	case 4:
		v := boundaries[g.rng.IntN(len(boundaries))]
		copy(t.Sig[32:], v[:])
		return t, "s boundary"
	case 5:
		t.PubKey = boundaries[g.rng.IntN(len(boundaries))]
		return t, "key boundary"
	case 6:
		for i := range t.Sig {
			t.Sig[i] = byte(g.rng.Uint32())
		}
		return t, "random signature"
	default:
		for i := range t.PubKey {
			t.PubKey[i] = byte(g.rng.Uint32())
		}
		return t, "random key"
	}
}

// boundaries are values at and around the field size p and the group
// order n, and the extremes.
var boundaries = func() [][32]byte {
	var out [][32]byte
	for _, m := range [][32]byte{fieldP, groupN} {
		for _, delta := range []int{-2, -1, 0, 1, 2} {
			out = append(out, addSmall(m, delta))
		}
	}
	var zero, one, top [32]byte
	one[31] = 1
	for i := range top {
		top[i] = 0xff
	}
	return append(out, zero, one, top)
}()

// addSmall returns the big-endian v + delta (|delta| small, no wrap).
func addSmall(v [32]byte, delta int) [32]byte {
	carry := delta
	for i := 31; i >= 0 && carry != 0; i-- {
		x := int(v[i]) + carry
		v[i] = byte(x)
		carry = x >> 8 // arithmetic shift: −1 borrows
	}
	return v
}
