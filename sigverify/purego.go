package sigverify

import (
	"math/big"

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

	var pTable, pPhiTable [1 << (pWindow - 2)]secp.G1Affine
	oddMultiples(P, pTable[:])
	for i := range pTable {
		pPhiTable[i] = phi(&pTable[i])
	}

	type term struct {
		naf   [fr.Bits + 2]int8
		n     int
		neg   bool // the half scalar was negative: digits count as negated
		table []secp.G1Affine
	}
	var terms [4]term
	terms[0].table, terms[1].table = gTable[:], gPhiTable[:]
	terms[2].table, terms[3].table = pTable[:], pPhiTable[:]
	halves := [4]*big.Int{&ka[0], &ka[1], &kb[0], &kb[1]}
	windows := [4]uint{gWindow, gWindow, pWindow, pWindow}
	top := 0
	for i := range terms {
		k := halves[i]
		if k.Sign() < 0 {
			terms[i].neg = true
			k.Neg(k)
		}
		terms[i].n = ecc.WnafDecomposition(k, windows[i], terms[i].naf[:])
		top = max(top, terms[i].n)
	}

	res.X.SetOne()
	res.Y.SetOne()
	res.Z.SetZero()
	var pt secp.G1Affine
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
			pt = t.table[d/2]
			if neg {
				pt.Y.Neg(&pt.Y)
			}
			res.AddMixed(&pt)
		}
	}
}
