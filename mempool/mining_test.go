package mempool

import (
	"math/rand/v2"
	"testing"

	"github.com/flint-chain/flint/chain"
)

// TestMiningTxsCPFP: a low-fee parent with a high-fee child is chosen
// ahead of a mid-fee single transaction when only one of them fits.
func TestMiningTxsCPFP(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(2)
	parent := env.spend(coins[:1], 1, 151)                   // 1 unit/byte
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 20*151) // 20 units/byte
	single := env.spend(coins[1:], 1, 5*151)                 // 5 units/byte
	for _, tx := range []*chain.Tx{parent, child, single} {
		env.accept(tx)
	}
	txs, fees := env.mp.MiningTxs(2 * smallTx)
	if len(txs) != 2 || txs[0] != parent || txs[1] != child || fees != 21*151 {
		t.Fatalf("selected %d txs, fees %d: want parent then child", len(txs), fees)
	}
	txs, fees = env.mp.MiningTxs(3 * smallTx)
	if len(txs) != 3 || txs[0] != parent || txs[1] != child || txs[2] != single || fees != 26*151 {
		t.Fatalf("selected %d txs, fees %d: want parent, child, single", len(txs), fees)
	}
	if txs, fees := env.mp.MiningTxs(smallTx); len(txs) != 1 || txs[0] != single || fees != 5*151 {
		t.Fatalf("room for one: %d txs, fees %d, want the single", len(txs), fees)
	}
}

// TestMiningTxsValidBlock fills the pool with random chains and
// independent transactions, takes a size-limited template, checks its
// order and size, and has the real chain accept a block of it.
func TestMiningTxsValidBlock(t *testing.T) {
	env := newEnv(t, Policy{})
	rng := rand.New(rand.NewPCG(1, 2))
	coins := env.takeCoins(40)
	for _, c := range coins {
		in := []coin{c}
		for range 1 + rng.IntN(4) {
			tx := env.spend(in, 2, uint64(200+rng.IntN(5000)))
			env.accept(tx)
			in = []coin{coinOf(tx, rng.IntN(2))}
		}
	}
	env.checkConsistent()
	limit := env.mp.Bytes() / 2
	txs, fees := env.mp.MiningTxs(int(limit))
	size, sum := 0, uint64(0)
	seen := make(map[chain.Hash]bool)
	for _, tx := range txs {
		size += tx.SerializeSize()
		d, ok := env.mp.Lookup(tx.TxID())
		if !ok {
			t.Fatal("template holds a transaction not in the pool")
		}
		sum += d.Fee
		for _, in := range tx.Inputs {
			if env.mp.Has(in.Prev.TxID) && !seen[in.Prev.TxID] {
				t.Fatalf("%v comes before its parent %v", tx.TxID(), in.Prev.TxID)
			}
		}
		seen[tx.TxID()] = true
	}
	if int64(size) > limit || sum != fees || len(txs) == 0 {
		t.Fatalf("template of %d bytes (limit %d), fees %d (sum %d)", size, limit, fees, sum)
	}
	before := env.mp.Count()
	env.mine(txs...)
	if env.mp.Count() != before-len(txs) {
		t.Fatalf("pool %d after mining %d of %d", env.mp.Count(), len(txs), before)
	}
	env.checkConsistent()
}

func TestMiningTxsEmpty(t *testing.T) {
	env := newEnv(t, Policy{})
	if txs, fees := env.mp.MiningTxs(1_000_000); len(txs) != 0 || fees != 0 {
		t.Fatal("empty pool gave transactions")
	}
}
