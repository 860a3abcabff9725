// Package sigverify checks BIP-340 Schnorr signatures on secp256k1, one at a
// time or a batch at once, behind one interface with several backends:
//
//   - "btcec": btcec/v2, the reference, always built;
//   - "purego": gnark-crypto's secp256k1 arithmetic, with GLV and Strauss
//     for one signature and BIP-340 batch verification (a multi-scalar
//     multiplication with random weights) for many;
//   - "libsecp256k1": Bitcoin Core's C library through cgo, built with
//     -tags libsecp256k1 where libsecp256k1-dev is installed.
//
// Every backend applies BIP-340 exactly: a signature whose r is not below
// the field size p or whose s is not below the group order n, a key that
// is not the x coordinate of a curve point, and an R that is infinity, has
// an odd y or the wrong x, all fail. Tests hold the backends to identical
// verdicts.
package sigverify

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"sync"
)

// Triple is one signature check: a BIP-340 signature Sig of the 32-byte
// message Msg by the x-only public key PubKey.
type Triple struct {
	PubKey [32]byte
	Msg    [32]byte
	Sig    [64]byte
}

// Verifier checks BIP-340 signatures. Implementations are safe for
// concurrent use.
type Verifier interface {
	// Name is the backend's name as --sigverify takes it.
	Name() string
	// Verify reports whether t verifies.
	Verify(t *Triple) bool
	// VerifyBatch checks every triple of ts and reports whether all
	// verified. If not, it sets bad[i] for exactly the triples that fail;
	// bad must be as long as ts and all false on entry.
	VerifyBatch(ts []Triple, bad []bool) bool
}

var (
	backendsMu sync.Mutex
	backends   = map[string]func() Verifier{}
)

// register makes a backend available under its name.
func register(name string, newVerifier func() Verifier) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	backends[name] = newVerifier
}

// Names lists the backends built into this binary, sorted.
func Names() []string {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the backend called name after running its self-test, or
// an error naming the backends there are.
func Lookup(name string) (Verifier, error) {
	backendsMu.Lock()
	newVerifier := backends[name]
	backendsMu.Unlock()
	if newVerifier == nil {
		hint := ""
		if name == "libsecp256k1" {
			hint = " (build with -tags libsecp256k1 where libsecp256k1-dev is installed)"
		}
		return nil, fmt.Errorf("signature verifier %q is not built into this binary%s; have %v", name, hint, Names())
	}
	v := newVerifier()
	if err := SelfTest(v); err != nil {
		return nil, err
	}
	return v, nil
}

// preference is the order in which Default tries the pure-Go backends:
// fastest first. The cgo backend is used only when asked for, so that a
// binary behaves the same wherever it runs.
var preference = []string{"purego", "btcec"}

var (
	defaultOnce     sync.Once
	defaultVerifier Verifier
)

// Default returns the fastest pure-Go backend that passes its self-test.
// btcec, the reference, is the last resort.
func Default() Verifier {
	defaultOnce.Do(func() {
		for _, name := range preference {
			if v, err := Lookup(name); err == nil {
				defaultVerifier = v
				return
			}
		}
		defaultVerifier = btcecVerifier{}
	})
	return defaultVerifier
}

// challengeTag is SHA-256("BIP0340/challenge"), the tagged hash's prefix.
var challengeTag = sha256.Sum256([]byte("BIP0340/challenge"))

// challenge returns the 32-byte tagged hash of (r, P, m) that BIP-340
// reduces mod n to the challenge e.
func challenge(r []byte, pubKey, msg *[32]byte) [32]byte {
	var buf [64 + 96]byte
	copy(buf[:32], challengeTag[:])
	copy(buf[32:64], challengeTag[:])
	copy(buf[64:96], r)
	copy(buf[96:128], pubKey[:])
	copy(buf[128:], msg[:])
	return sha256.Sum256(buf[:])
}

// verifyEach is VerifyBatch done one signature at a time.
func verifyEach(v Verifier, ts []Triple, bad []bool) bool {
	ok := true
	for i := range ts {
		if !v.Verify(&ts[i]) {
			bad[i] = true
			ok = false
		}
	}
	return ok
}
