package sigverify

import (
	"math/big"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc"
	secp "github.com/consensys/gnark-crypto/ecc/secp256k1"
	"github.com/consensys/gnark-crypto/ecc/secp256k1/fp"
	"github.com/consensys/gnark-crypto/ecc/secp256k1/fr"
)

func init() { register("purego", func() Verifier { return pureGoVerifier{} }) }

// pureGoVerifier verifies on gnark-crypto's secp256k1 field and point
// arithmetic. One signature costs a four-way Strauss multiplication
// s1·G + s2·ϕ(G) + e1·P + e2·ϕ(P) with the scalars split by the GLV
// endomorphism ϕ(x, y) = (βx, y) = λ·(x, y); many are checked at once by
// BIP-340's batch equation (batch.go).
type pureGoVerifier struct{}

func (pureGoVerifier) Name() string { return "purego" }

// The endomorphism's constants: β is a cube root of unity mod p, λ the
// matching one mod n, so that λ·(x, y) = (βx, y).
var (
	beta   fp.Element
	lambda big.Int
	glv    ecc.Lattice
	seven  = fp.NewElement(7)
	// gTable and gPhiTable hold the odd multiples G, 3G, …, (2^(gWindow-1)−1)·G
	// and their images under ϕ, affine, for the wNAF digits of s1 and s2.
	gTable, gPhiTable [1 << (gWindow - 2)]secp.G1Affine
)

const (
	gWindow = 8 // wNAF window for the generator's fixed tables
	pWindow = 5 // wNAF window for the key, whose table is built per signature
)

func init() {
	if _, err := beta.SetString("0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501ee"); err != nil {
		panic(err)
	}
	lambda.SetString("5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72", 16)
	ecc.PrecomputeLattice(fr.Modulus(), &lambda, &glv)
	_, g := secp.Generators()
	oddMultiples(&g, gTable[:])
	for i := range gTable {
		gPhiTable[i] = phi(&gTable[i])
	}
}

// phi returns ϕ(a) = (βx, y).
func phi(a *secp.G1Affine) secp.G1Affine {
	var r secp.G1Affine
	r.X.Mul(&a.X, &beta)
	r.Y = a.Y
	return r
}

// oddMultiples fills table with a, 3a, 5a, … (affine; a not infinity).
func oddMultiples(a *secp.G1Affine, table []secp.G1Affine) {
	jac := make([]secp.G1Jac, len(table))
	var twice secp.G1Jac
	twice.FromAffine(a)
	twice.DoubleAssign()
	jac[0].FromAffine(a)
	for i := 1; i < len(jac); i++ {
		jac[i].Set(&jac[i-1]).AddAssign(&twice)
	}
	copy(table, secp.BatchJacobianToAffineG1(jac))
}

// liftX returns the point with x coordinate x and even y, ok false if x is
// not on the curve y² = x³ + 7.
func liftX(x *fp.Element) (p secp.G1Affine, ok bool) {
	var c fp.Element
	c.Square(x).Mul(&c, x).Add(&c, &seven)
	if p.Y.Sqrt(&c) == nil {
		return p, false
	}
	if isOdd(&p.Y) {
		p.Y.Neg(&p.Y)
	}
	p.X = *x
	return p, true
}

// isOdd reports whether the field element's integer value is odd.
func isOdd(y *fp.Element) bool { return y.Bits()[0]&1 == 1 }

// parsed is a triple after the checks every backend applies before any
// curve arithmetic: the key lifted (once), r < p, s < n, e computed.
type parsed struct {
	P secp.G1Affine
	r fp.Element
	s fr.Element
	e fr.Element
}

// parse applies BIP-340's encoding rules to t; ok false means t fails.
func parse(t *Triple, out *parsed) bool {
	var x fp.Element
	if x.SetBytesCanonical(t.PubKey[:]) != nil {
		return false // key ≥ p
	}
	var ok bool
	if out.P, ok = liftX(&x); !ok {
		return false // key not on the curve
	}
	if out.r.SetBytesCanonical(t.Sig[:32]) != nil {
		return false // r ≥ p
	}
	if out.s.SetBytesCanonical(t.Sig[32:]) != nil {
		return false // s ≥ n
	}
	h := challenge(t.Sig[:32], &t.PubKey, &t.Msg)
	out.e.SetBytes(h[:]) // reduced mod n
	return true
}

func (pureGoVerifier) Verify(t *Triple) bool {
	var p parsed
	if !parse(t, &p) {
		return false
	}
	return verifyParsed(&p)
}

func (v pureGoVerifier) VerifyBatch(ts []Triple, bad []bool) bool {
	if len(ts) < minBatch {
		return verifyEach(v, ts, bad)
	}
	return batchVerify(ts, bad)
}

// verifyParsed computes R = s·G − e·P and checks that it is not infinity,
// has an even y and the x coordinate r.
func verifyParsed(p *parsed) bool {
	var s, negE big.Int
	p.s.BigInt(&s)
	var ne fr.Element
	ne.Neg(&p.e)
	ne.BigInt(&negE)

	var R secp.G1Jac
	strauss(&R, &s, &negE, &p.P)
	if R.Z.IsZero() {
		return false // infinity
	}
	var a secp.G1Affine
	a.FromJacobian(&R)
	return !isOdd(&a.Y) && a.X.Equal(&p.r)
}

// strauss sets res to a·G + b·P by splitting a and b with GLV into halves
// of about 128 bits and running one doubling chain over the four wNAF
// expansions.
func strauss(res *secp.G1Jac, a, b *big.Int, P *secp.G1Affine) {
	ka := ecc.SplitScalar(a, &glv)
	kb := ecc.SplitScalar(b, &glv)

	// The key's odd multiples stay Jacobian: converting them to affine
	// would cost an inversion, more than the cheaper additions save.
	var pTable, pPhiTable [1 << (pWindow - 2)]secp.G1Jac
	var twice secp.G1Jac
	pTable[0].FromAffine(P)
	twice.Double(&pTable[0])
	for i := 1; i < len(pTable); i++ {
		pTable[i].Set(&pTable[i-1]).AddAssign(&twice)
	}
	for i := range pTable {
		pPhiTable[i] = pTable[i]
		pPhiTable[i].X.Mul(&pPhiTable[i].X, &beta)
	}

	type term struct {
		naf    [fr.Bits + 2]int8
		n      int
		neg    bool // the half scalar was negative: digits count as negated
		table  []secp.G1Affine
		jTable []secp.G1Jac
	}
	var terms [4]term
	terms[0].table, terms[1].table = gTable[:], gPhiTable[:]
	terms[2].jTable, terms[3].jTable = pTable[:], pPhiTable[:]
	halves := [4]*big.Int{&ka[0], &ka[1], &kb[0], &kb[1]}
	windows := [4]uint{gWindow, gWindow, pWindow, pWindow}
	top := 0
	for i := range terms {
		k := halves[i]
		if k.Sign() < 0 {
			terms[i].neg = true
			k.Neg(k)
		}
		terms[i].n = wnaf(k, windows[i], terms[i].naf[:])
		top = max(top, terms[i].n)
	}

	res.X.SetOne()
	res.Y.SetOne()
	res.Z.SetZero()
	var pt secp.G1Affine
	var jpt secp.G1Jac
	for i := top - 1; i >= 0; i-- {
		res.DoubleAssign()
		for j := range terms {
			t := &terms[j]
			if i >= t.n || t.naf[i] == 0 {
				continue
			}
			d := int(t.naf[i])
			neg := t.neg
			if d < 0 {
				d, neg = -d, !neg
			}
			if t.jTable != nil {
				jpt = t.jTable[d/2]
				if neg {
					jpt.Y.Neg(&jpt.Y)
				}
				res.AddAssign(&jpt)
				continue
			}
			pt = t.table[d/2]
			if neg {
				pt.Y.Neg(&pt.Y)
			}
			res.AddMixed(&pt)
		}
	}
}

// wnaf writes the width-w non-adjacent form of k ≥ 0 into naf, least
// significant digit first: odd digits in ±(2^(w−1) − 1) or zero, at most one
// non-zero in any w consecutive. It returns the number of digits, at most
// k's bit length + 1; naf must be that long.
func wnaf(k *big.Int, w uint, naf []int8) int {
	var limbs [5]uint64 // k < 2^256 and one more limb for the carry
	for i, word := range k.Bits() {
		limbs[i] = uint64(word)
	}
	bit := func(i int) uint64 { return (limbs[i/64] >> (i % 64)) & 1 }
	// window returns the w bits of k from bit i on.
	window := func(i int) uint64 {
		lo, sh := limbs[i/64]>>(i%64), 64-i%64
		if sh < int(w) && i/64+1 < len(limbs) {
			lo |= limbs[i/64+1] << sh
		}
		return lo & (1<<w - 1)
	}
	// addAt adds v·2^i to k (v ≥ 0 and fits: k stays below 2^320).
	addAt := func(i int, v uint64) {
		for j := i / 64; v != 0 && j < len(limbs); j++ {
			lo := v << (i % 64)
			hi := uint64(0)
			if i%64 != 0 {
				hi = v >> (64 - i%64)
			}
			var c uint64
			limbs[j], c = bits.Add64(limbs[j], lo, 0)
			v, i = hi+c, (j+1)*64
		}
	}
	n := 0
	for i := 0; i < len(naf) && i < 64*len(limbs); i++ {
		if bit(i) == 0 {
			naf[i] = 0
			continue
		}
		d := int64(window(i))
		if d >= 1<<(w-1) {
			d -= 1 << w
			addAt(i, 1<<w) // k − d·2^i: the borrow becomes a carry into the bits above
		}
		naf[i] = int8(d)
		// Clear the window's bits that d accounts for (the low bits are now
		// exactly d mod 2^w; k − d·2^i has them zero).
		for j := i; j < i+int(w) && j < 64*len(limbs); j++ {
			limbs[j/64] &^= 1 << (j % 64)
		}
		n = i + 1
	}
	return n
}
