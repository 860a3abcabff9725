package mempool

import (
	"crypto/sha256"
	"testing"
)

// withChecksum appends the snapshot checksum to body.
func withChecksum(body []byte) []byte {
	sum := sha256.Sum256(body)
	return append(append([]byte(nil), body...), sum[:]...)
}

// FuzzAcceptRaw hands arbitrary bytes to AcceptRaw on a pool over a real
// chain. Whatever the bytes, the pool stays consistent; a refusal leaves
// it unchanged; only a success or an orphan changes it.
func FuzzAcceptRaw(f *testing.F) {
	env := newEnv(f, Policy{})
	coins := env.takeCoins(3)
	inPool := env.spend(coins[:1], 2, 1000)
	env.accept(inPool)
	f.Add(env.spend(coins[1:2], 1, 1000).Serialize())                // valid
	f.Add(env.spend([]coin{coinOf(inPool, 1)}, 2, 1000).Serialize()) // valid child
	f.Add(env.spend(coins[:1], 1, 5000).Serialize())                 // replacement
	f.Add(env.fakeOrphan(1).Serialize())                             // orphan
	f.Add(env.spend(coins[2:3], 1, 10).Serialize())                  // low fee
	f.Add(inPool.Serialize())                                        // duplicate
	f.Add([]byte{1, 0, 0, 0, 1})                                     // truncated
	f.Add([]byte{})                                                  // empty
	f.Fuzz(func(t *testing.T, raw []byte) {
		env.t = t
		before := env.state()
		res, err := env.mp.AcceptRaw(raw, "fuzz")
		checkPoolConsistent(t, env.mp)
		if err != nil {
			if after := env.state(); after.count != before.count || after.bytes != before.bytes {
				t.Fatalf("refusal %v changed the pool: %+v -> %+v", err, before, after)
			}
			if !IsConsensusError(err) && !IsPolicyError(err) {
				t.Fatalf("untyped refusal: %v", err)
			}
			return
		}
		if !res.Orphan && !env.mp.Has(res.TxID) {
			t.Fatal("accepted transaction not in the pool")
		}
	})
}
