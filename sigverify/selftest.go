package sigverify

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// Case is a triple with the verdict BIP-340 requires and why.
type Case struct {
	Triple
	Valid bool
	Why   string
}

// Big-endian encodings of the field size p and the group order n.
var (
	fieldP = [32]byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f}
	groupN = [32]byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41}
)

// Sign returns a BIP-340 signature of msg by the secret key seed hashes
// to, made by btcec, with the x-only key. It is for tests and the
// self-test: the nonce is derived from the message alone.
func Sign(seed string, msg [32]byte) (Triple, *btcec.PrivateKey) {
	d := sha256.Sum256([]byte(seed))
	priv, _ := btcec.PrivKeyFromBytes(d[:])
	sig, err := schnorr.Sign(priv, msg[:], schnorr.CustomNonce(msg))
	if err != nil {
		panic(err) // only for a zero or overflowing key, which a hash is not but with negligible probability
	}
	var t Triple
	copy(t.PubKey[:], schnorr.SerializePubKey(priv.PubKey()))
	t.Msg = msg
	copy(t.Sig[:], sig.Serialize())
	return t, priv
}

// evenKey returns d or n − d, whichever has the even-y public key, as
// BIP-340 signing uses.
func evenKey(priv *btcec.PrivateKey) btcec.ModNScalar {
	d := priv.Key
	if priv.PubKey().SerializeCompressed()[0] == 0x03 {
		d.Negate()
	}
	return d
}

// RuleCases returns triples that exercise each BIP-340 rule from a valid
// signature by the key seed names: the valid one, and ones failing by r ≥ p,
// s ≥ n, a key ≥ p, a key off the curve, an R of odd y, an R at infinity and
// a changed message.
func RuleCases(seed string) []Case {
	msg := sha256.Sum256([]byte(seed + "/message"))
	valid, priv := Sign(seed, msg)
	d := evenKey(priv)
	cases := []Case{{Triple: valid, Valid: true, Why: "valid"}}
	with := func(why string, f func(t *Triple)) {
		t := valid
		f(&t)
		cases = append(cases, Case{Triple: t, Why: why})
	}
	with("r = p", func(t *Triple) { copy(t.Sig[:32], fieldP[:]) })
	with("s = n", func(t *Triple) { copy(t.Sig[32:], groupN[:]) })
	with("key = p", func(t *Triple) { t.PubKey = fieldP })
	with("key not on the curve", func(t *Triple) { t.PubKey = offCurveX() })
	with("message changed", func(t *Triple) { t.Msg[31] ^= 1 })
	// R' = −R: s' = e·d − k = 2·e·d − s gives s'·G − e·P = −R, whose x is
	// r but whose y is odd.
	with("R has odd y", func(t *Triple) {
		e := challengeScalar(t)
		var s, twoED btcec.ModNScalar
		s.SetByteSlice(t.Sig[32:])
		twoED.Mul2(&e, &d)
		twoED.Add(&twoED).Add(s.Negate())
		twoED.PutBytesUnchecked(t.Sig[32:])
	})
	// s = e·d makes s·G − e·P the point at infinity.
	with("R is infinity", func(t *Triple) {
		e := challengeScalar(t)
		var s btcec.ModNScalar
		s.Mul2(&e, &d)
		s.PutBytesUnchecked(t.Sig[32:])
	})
	return cases
}

// challengeScalar returns t's challenge e mod n.
func challengeScalar(t *Triple) btcec.ModNScalar {
	h := challenge(t.Sig[:32], &t.PubKey, &t.Msg)
	var e btcec.ModNScalar
	e.SetBytes(&h)
	return e
}

// offCurveX returns the smallest x for which x³ + 7 is not a square mod p.
func offCurveX() [32]byte {
	var k [32]byte
	for x := byte(1); ; x++ {
		k[31] = x
		if _, err := schnorr.ParsePubKey(k[:]); err != nil {
			return k
		}
	}
}

// SelfTest checks v on known answers: signatures made by btcec and a case
// for each rule of BIP-340, one at a time and as one batch in which each
// failing case must be named.
func SelfTest(v Verifier) error {
	var cases []Case
	for i := range 4 {
		cases = append(cases, RuleCases(fmt.Sprintf("flint sigverify self-test %d", i))...)
	}
	ts := make([]Triple, len(cases))
	for i, c := range cases {
		ts[i] = c.Triple
		if got := v.Verify(&c.Triple); got != c.Valid {
			return fmt.Errorf("signature verifier %s fails its self-test: case %q verifies %v, want %v", v.Name(), c.Why, got, c.Valid)
		}
	}
	bad := make([]bool, len(ts))
	all := v.VerifyBatch(ts, bad)
	for i, c := range cases {
		if bad[i] == c.Valid {
			return fmt.Errorf("signature verifier %s fails its self-test: in a batch, case %q verifies %v, want %v", v.Name(), c.Why, !bad[i], c.Valid)
		}
	}
	if all {
		return errors.New("signature verifier " + v.Name() + " fails its self-test: a batch with invalid signatures passed")
	}
	// And a batch of valid signatures only, which the batch equation checks whole.
	var valid []Triple
	for _, c := range cases {
		if c.Valid {
			valid = append(valid, c.Triple)
		}
	}
	if !v.VerifyBatch(valid, make([]bool, len(valid))) {
		return errors.New("signature verifier " + v.Name() + " fails its self-test: a batch of valid signatures failed")
	}
	return nil
}
