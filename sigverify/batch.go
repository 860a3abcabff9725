package sigverify

import (
	"crypto/rand"

	"github.com/consensys/gnark-crypto/ecc"
	secp "github.com/consensys/gnark-crypto/ecc/secp256k1"
	"github.com/consensys/gnark-crypto/ecc/secp256k1/fr"
)

// minBatch is the smallest number of signatures the pure-Go backend checks
// with the batch equation; fewer are cheaper one at a time.
const minBatch = 4

// batchVerify checks ts by BIP-340's batch verification: with R_i the
// point of x coordinate r_i and even y, weights a_1 = 1 and a_2…a_u drawn
// from crypto/rand, all signatures verify (but with negligible
// probability) exactly when
//
//	(Σ a_i·s_i)·G − Σ a_i·R_i − Σ (a_i·e_i)·P_i = O,
//
// computed as one multi-scalar multiplication. If it does not hold, each
// signature is checked alone, so that bad names exactly the failing ones.
// A triple that fails an encoding rule, or whose r is not on the curve,
// fails at once and stays out of the equation.
func batchVerify(ts []Triple, bad []bool) bool {
	ps := make([]parsed, len(ts))
	points := make([]secp.G1Affine, 0, 2*len(ts)+1)
	scalars := make([]fr.Element, 0, 2*len(ts)+1)
	points = append(points, secp.G1Affine{})
	scalars = append(scalars, fr.Element{})
	_, points[0] = secp.Generators()

	// 128-bit weights: a forged signature passes with probability 2^-128.
	weights := make([]byte, 16*len(ts))
	if _, err := rand.Read(weights); err != nil {
		return verifyEach(pureGoVerifier{}, ts, bad)
	}
	var sumS fr.Element
	failed := false
	for i := range ts {
		p := &ps[i]
		if !parse(&ts[i], p) {
			bad[i], failed = true, true
			continue
		}
		R, ok := liftX(&p.r)
		if !ok {
			bad[i], failed = true, true // no point has x = r: R = s·G − e·P cannot
			continue
		}
		var a fr.Element
		if len(points) == 1 {
			a.SetOne()
		} else {
			a.SetBytes(weights[16*i : 16*i+16])
			if a.IsZero() {
				a.SetOne()
			}
		}
		var as, ae fr.Element
		as.Mul(&a, &p.s)
		sumS.Add(&sumS, &as)
		ae.Mul(&a, &p.e)
		R.Neg(&R)
		var negP secp.G1Affine
		negP.Neg(&p.P)
		points = append(points, R, negP)
		scalars = append(scalars, a, ae)
	}
	if len(points) == 1 {
		return !failed
	}
	scalars[0] = sumS
	var sum secp.G1Jac
	_, err := sum.MultiExp(points, scalars, ecc.MultiExpConfig{NbTasks: 1})
	if err == nil && sum.Z.IsZero() {
		return !failed
	}
	for i := range ts {
		if !bad[i] && !verifyParsed(&ps[i]) {
			bad[i], failed = true, true
		}
	}
	return !failed
}
