package sigverify

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

func init() { register("btcec", func() Verifier { return btcecVerifier{} }) }

// btcecVerifier is the reference backend: BIP-340 verification written out
// with btcec's field, scalar and point arithmetic, following
// schnorr.Verify step by step but lifting the key once (schnorr.Verify
// parses the x-only key a second time).
type btcecVerifier struct{}

func (btcecVerifier) Name() string { return "btcec" }

func (v btcecVerifier) VerifyBatch(ts []Triple, bad []bool) bool { return verifyEach(v, ts, bad) }

func (btcecVerifier) Verify(t *Triple) bool {
	pub, err := schnorr.ParsePubKey(t.PubKey[:]) // lift_x: fails off the curve or for x ≥ p
	if err != nil {
		return false
	}
	var r btcec.FieldVal
	if overflow := r.SetByteSlice(t.Sig[:32]); overflow {
		return false // r ≥ p
	}
	var s btcec.ModNScalar
	if overflow := s.SetByteSlice(t.Sig[32:]); overflow {
		return false // s ≥ n
	}
	h := challenge(t.Sig[:32], &t.PubKey, &t.Msg)
	var e btcec.ModNScalar
	e.SetBytes(&h)
	e.Negate()

	// R = s·G − e·P
	var p, sG, eP, R btcec.JacobianPoint
	pub.AsJacobian(&p)
	btcec.ScalarBaseMultNonConst(&s, &sG)
	btcec.ScalarMultNonConst(&e, &p, &eP)
	btcec.AddNonConst(&sG, &eP, &R)
	if (R.X.IsZero() && R.Y.IsZero()) || R.Z.IsZero() {
		return false // infinity
	}
	R.ToAffine()
	return !R.Y.IsOdd() && r.Equals(&R.X)
}
