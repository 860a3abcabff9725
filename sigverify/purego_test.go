package sigverify

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	secp "github.com/consensys/gnark-crypto/ecc/secp256k1"
	"github.com/consensys/gnark-crypto/ecc/secp256k1/fr"
)

// TestWNAF: wnaf's digits sum back to k and match gnark-crypto's
// WnafDecomposition, for random k of every size and each window used.
func TestWNAF(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		k := new(big.Int)
		for range 1 + rng.IntN(4) {
			k.Lsh(k, 64).Or(k, new(big.Int).SetUint64(rng.Uint64()))
		}
		k.Rsh(k, uint(rng.IntN(200)))
		for _, w := range []uint{gWindow, pWindow} {
			var got, want [fr.Bits + 2]int8
			n := wnaf(k, w, got[:])
			m := ecc.WnafDecomposition(new(big.Int).Set(k), w, want[:])
			sum := new(big.Int)
			for i := n - 1; i >= 0; i-- {
				sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(got[i])))
			}
			if sum.Cmp(k) != 0 || n != m || got != want {
				t.Fatalf("k=%x w=%d: wnaf gives %d digits summing to %x, gnark %d digits", k, w, n, sum, m)
			}
		}
	}
}

// TestEndomorphism: ϕ(P) = λ·P for the constants the pure-Go backend uses.
func TestEndomorphism(t *testing.T) {
	_, g := secp.Generators()
	var lg secp.G1Affine
	lg.ScalarMultiplication(&g, &lambda)
	if phiG := phi(&g); !phiG.Equal(&lg) {
		t.Fatal("ϕ(G) ≠ λ·G")
	}
}
