package sigverify

import (
	"encoding/csv"
	"encoding/hex"
	"os"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// vector is one row of BIP-340's test vectors.
type vector struct {
	index string
	Triple
	valid bool
}

func loadVectors(t *testing.T) []vector {
	f, err := os.Open("testdata/bip340_vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, row := range rows[1:] {
		v := vector{index: row[0], valid: row[6] == "TRUE"}
		for _, field := range []struct {
			hex string
			dst []byte
		}{{row[2], v.PubKey[:]}, {row[4], v.Msg[:]}, {row[5], v.Sig[:]}} {
			b, err := hex.DecodeString(field.hex)
			if err != nil || len(b) != len(field.dst) {
				t.Fatalf("vector %s: bad field %q", row[0], field.hex)
			}
			copy(field.dst, b)
		}
		out = append(out, v)
	}
	if len(out) != 15 {
		t.Fatalf("%d vectors, want BIP-340's 15", len(out))
	}
	return out
}

// oracle is btcec's own schnorr.Verify, the verdict every backend must give.
func oracle(t *Triple) bool {
	pk, err := schnorr.ParsePubKey(t.PubKey[:])
	if err != nil {
		return false
	}
	sig, err := schnorr.ParseSignature(t.Sig[:])
	if err != nil {
		return false
	}
	return sig.Verify(t.Msg[:], pk)
}

func TestBIP340Vectors(t *testing.T) {
	vectors := loadVectors(t)
	valid := 0
	for _, v := range vectors {
		if v.valid {
			valid++
		}
		if got := oracle(&v.Triple); got != v.valid {
			t.Errorf("vector %s: schnorr.Verify says %v, want %v", v.index, got, v.valid)
		}
	}
	if valid == 0 || valid == len(vectors) {
		t.Fatalf("%d of %d vectors valid: want both kinds", valid, len(vectors))
	}
	for _, sv := range verifiers(t) {
		t.Run(sv.Name(), func(t *testing.T) {
			ts := make([]Triple, len(vectors))
			for i, v := range vectors {
				ts[i] = v.Triple
				if got := sv.Verify(&v.Triple); got != v.valid {
					t.Errorf("vector %s: Verify says %v, want %v", v.index, got, v.valid)
				}
			}
			bad := make([]bool, len(ts))
			if sv.VerifyBatch(ts, bad) {
				t.Error("the batch of all vectors passed")
			}
			for i, v := range vectors {
				if bad[i] == v.valid {
					t.Errorf("vector %s in a batch: verified %v, want %v", v.index, !bad[i], v.valid)
				}
			}
		})
	}
}

// TestRuleCases holds every backend to each rule of BIP-340, alone and in a
// batch of valid signatures.
func TestRuleCases(t *testing.T) {
	cases := RuleCases("rule cases")
	g := newTripleGen(1)
	for _, sv := range verifiers(t) {
		for _, c := range cases {
			if got, want := sv.Verify(&c.Triple), c.Valid; got != want || oracle(&c.Triple) != want {
				t.Errorf("%s, %s: Verify %v, schnorr.Verify %v, want %v", sv.Name(), c.Why, got, oracle(&c.Triple), want)
			}
			ts := []Triple{g.next(), g.next(), c.Triple, g.next(), g.next(), g.next()}
			bad := make([]bool, len(ts))
			all := sv.VerifyBatch(ts, bad)
			if all != c.Valid || bad[2] == c.Valid {
				t.Errorf("%s, %s in a batch: batch %v, case %v, want %v", sv.Name(), c.Why, all, !bad[2], c.Valid)
			}
			for i, b := range bad {
				if i != 2 && b {
					t.Errorf("%s, %s in a batch: valid signature %d named", sv.Name(), c.Why, i)
				}
			}
		}
	}
}

func TestLookup(t *testing.T) {
	if _, err := Lookup("nonesuch"); err == nil {
		t.Error("Lookup of an unknown backend succeeded")
	}
	for _, want := range []string{"btcec", "purego"} {
		v, err := Lookup(want)
		if err != nil || v.Name() != want {
			t.Errorf("Lookup(%q) = %v, %v", want, v, err)
		}
	}
	if got := Default().Name(); got != "purego" {
		t.Errorf("Default() is %s, want purego, the fastest pure-Go backend", got)
	}
}

// brokenVerifier accepts everything: the self-test must refuse it.
type brokenVerifier struct{ btcecVerifier }

func (brokenVerifier) Verify(*Triple) bool                    { return true }
func (brokenVerifier) VerifyBatch(ts []Triple, _ []bool) bool { return true }

func TestSelfTestRefusesBroken(t *testing.T) {
	if err := SelfTest(brokenVerifier{}); err == nil {
		t.Error("the self-test passed a verifier that accepts everything")
	}
}
