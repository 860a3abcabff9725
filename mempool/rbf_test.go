package mempool

import (
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestReplaceAccepted(t *testing.T) {
	env := newEnv(t, Policy{})
	c := env.takeCoins(1)
	a := env.spend(c, 2, 1000)
	env.accept(a)
	child := env.spend([]coin{coinOf(a, 0)}, 1, 1000)
	env.accept(child)
	// Same size as a, higher fee rate, and fee >= 2000 + 191.
	b := env.spend(c, 2, 3200)
	res := env.accept(b)
	if len(res.Replaced) != 2 {
		t.Fatalf("replaced %d transactions, want 2 (a and its child)", len(res.Replaced))
	}
	if env.mp.Has(a.TxID()) || env.mp.Has(child.TxID()) || !env.mp.Has(b.TxID()) || env.mp.Count() != 1 {
		t.Fatal("replacement did not take the place of the conflict and its descendants")
	}
	env.checkConsistent()
}

func TestReplaceRefusals(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		// setup fills the pool and returns the replacement to refuse.
		setup func(env *testEnv) *chain.Tx
		kind  error
	}{
		{"fee rate not higher", Policy{}, func(env *testEnv) *chain.Tx {
			c := env.takeCoins(2)
			env.accept(env.spend(c[:1], 1, 2000)) // 151 bytes: 13.2 units/byte
			// 372 bytes: a higher absolute fee (enough for the fee
			// rule) at 7 units/byte.
			return env.spend(c, 4, 2600)
		}, ErrReplaceFeeRate},
		{"equal fee rate", Policy{}, func(env *testEnv) *chain.Tx {
			c := env.takeCoins(1)
			env.accept(env.spend(c, 1, 2000))
			tx := env.spend(c, 1, 2000)
			tx.Outputs[0].PubKey[0] ^= 1 // a different transaction of the same size and fee
			env.sign(tx, []chain.TxOut{c[0].out})
			return tx
		}, ErrReplaceFeeRate},
		{"fee not above replaced plus relay", Policy{}, func(env *testEnv) *chain.Tx {
			c := env.takeCoins(1)
			env.accept(env.spend(c, 2, 1000)) // 191 bytes
			return env.spend(c, 1, 1100)      // 151 bytes: higher rate, only 100 more
		}, ErrReplaceFee},
		{"fee below replaced package", Policy{}, func(env *testEnv) *chain.Tx {
			c := env.takeCoins(1)
			a := env.spend(c, 2, 1000)
			env.accept(a)
			env.accept(env.spend([]coin{coinOf(a, 0)}, 1, 5000))
			return env.spend(c, 2, 3000) // beats a's rate, not a + child's fees
		}, ErrReplaceFee},
		{"too many replaced", Policy{MaxReplacements: 2}, func(env *testEnv) *chain.Tx {
			c := env.takeCoins(1)
			a := env.spend(c, 2, 1000)
			env.accept(a)
			env.accept(env.spend([]coin{coinOf(a, 0)}, 1, 1000))
			env.accept(env.spend([]coin{coinOf(a, 1)}, 1, 1000))
			return env.spend(c, 2, 50_000)
		}, ErrReplaceTooMany},
		{"spends a conflict", Policy{}, func(env *testEnv) *chain.Tx {
			c := env.takeCoins(1)
			a := env.spend(c, 2, 1000)
			env.accept(a)
			return env.spend([]coin{c[0], coinOf(a, 0)}, 1, 50_000)
		}, ErrReplaceSpendsConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, tc.policy)
			tx := tc.setup(env)
			env.refuse(tx, tc.kind, ClassPolicy)
			env.checkConsistent()
		})
	}
}

// TestReplaceAtDescendantLimit replaces the last child of a parent at its
// descendant limit: the replaced child does not count.
func TestReplaceAtDescendantLimit(t *testing.T) {
	env := newEnv(t, Policy{})
	parent := env.spend(env.takeCoins(1), 30, 5000)
	env.accept(parent)
	for i := range DefaultMaxDescendants - 1 {
		env.accept(env.spend([]coin{coinOf(parent, i)}, 1, 1000))
	}
	repl := env.spend([]coin{coinOf(parent, 0)}, 1, 3000)
	if res := env.accept(repl); len(res.Replaced) != 1 {
		t.Fatalf("replaced %d, want 1", len(res.Replaced))
	}
	env.checkConsistent()
}
