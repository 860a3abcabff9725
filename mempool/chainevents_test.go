package mempool

import (
	"context"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestBlockConnectedRemovesConfirmedAndConflicts(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(2)
	a := env.spend(coins[:1], 2, 1000)
	b := env.spend([]coin{coinOf(a, 0)}, 1, 1000)
	c := env.spend(coins[1:], 1, 1000)
	cChild := env.spend([]coin{coinOf(c, 0)}, 1, 1000)
	for _, tx := range []*chain.Tx{a, b, c, cChild} {
		env.accept(tx)
	}
	conflict := env.spend(coins[1:], 2, 5000) // never seen by the pool
	env.mine(a, conflict)
	if env.mp.Has(a.TxID()) || env.mp.Has(c.TxID()) || env.mp.Has(cChild.TxID()) {
		t.Fatal("confirmed or conflicting transactions left in the pool")
	}
	d, ok := env.mp.Lookup(b.TxID())
	if !ok || d.AncestorCount != 1 || env.mp.Count() != 1 {
		t.Fatalf("child of a confirmed transaction: %+v %v, pool %d", d, ok, env.mp.Count())
	}
	env.checkConsistent()
}

// TestDisconnectReaddsAndEvictsImmature invalidates the tip: its
// transactions come back, a child already in the pool links to them, and a
// spend of a coinbase that is no longer mature is evicted.
func TestDisconnectReaddsAndEvictsImmature(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(2)
	t1 := env.spend(coins[:1], 2, 1000)
	t2 := env.spend(coins[1:], 1, 1000)
	x := env.mine(t1, t2)
	// The coin that matured with x: mature at the next height only.
	justMature := env.coins[len(env.coins)-1]
	v := env.spend([]coin{justMature}, 1, 1000)
	u := env.spend([]coin{coinOf(t1, 0)}, 1, 1000)
	env.accept(v)
	env.accept(u)
	if err := env.chain.InvalidateBlock(context.Background(), x.BlockHash()); err != nil {
		t.Fatal(err)
	}
	if !env.mp.Has(t1.TxID()) || !env.mp.Has(t2.TxID()) {
		t.Fatal("disconnected transactions not put back")
	}
	if env.mp.Has(v.TxID()) {
		t.Fatal("spend of a no longer mature coinbase kept")
	}
	if d, ok := env.mp.Lookup(u.TxID()); !ok || d.AncestorCount != 2 {
		t.Fatalf("child of a put-back transaction: %+v %v", d, ok)
	}
	if d, _ := env.mp.Lookup(t1.TxID()); d.DescendantCount != 2 {
		t.Fatalf("put-back parent has %d descendants, want 2", d.DescendantCount)
	}
	env.checkConsistent()
	// The template puts them back in block order.
	txs, _ := env.mp.MiningTxs(env.params.MaxBlockSize)
	env.mine(txs...)
	if env.mp.Count() != 0 {
		t.Fatalf("pool not emptied by a block of its template: %d left", env.mp.Count())
	}
}

// TestReorgDropsConflicts reorganises to a branch that double-spends a
// disconnected transaction: it and its pool child are gone, while another
// disconnected transaction the new branch lacks comes back.
func TestReorgDropsConflicts(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(2)
	fork := env.chain.BestState()
	t1 := env.spend(coins[:1], 2, 1000)
	t2 := env.spend(coins[1:], 1, 1000)
	env.mine(t1, t2)
	u := env.spend([]coin{coinOf(t1, 0)}, 1, 1000)
	env.accept(u)

	env.branch = 1
	t1b := env.spend(coins[:1], 1, 3000)
	y1 := env.buildBlock(fork.Hash, fork.Header.Time, fork.Height+1, []*chain.Tx{t1b})
	y2 := env.buildBlock(y1.BlockHash(), y1.Header.Time, fork.Height+2, nil)
	env.process(y1)
	env.process(y2)
	if env.chain.BestState().Hash != y2.BlockHash() {
		t.Fatal("no reorganisation")
	}
	if env.mp.Has(t1.TxID()) || env.mp.Has(u.TxID()) || env.mp.Has(t1b.TxID()) {
		t.Fatal("double-spent transaction or its child kept")
	}
	if !env.mp.Has(t2.TxID()) || env.mp.Count() != 1 {
		t.Fatalf("pool %d, want only t2", env.mp.Count())
	}
	if env.mp.OrphanCount() != 0 {
		t.Fatalf("%d orphans left after the reorganisation", env.mp.OrphanCount())
	}
	env.checkConsistent()
}

// TestMultiBlockDisconnect disconnects two blocks where the upper one
// spends the lower one's transaction: both come back, in order.
func TestMultiBlockDisconnect(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(1)
	a := env.spend(coins, 1, 1000)
	x1 := env.mine(a)
	b := env.spend([]coin{coinOf(a, 0)}, 1, 1000)
	env.mine(b)
	if err := env.chain.InvalidateBlock(context.Background(), x1.BlockHash()); err != nil {
		t.Fatal(err)
	}
	if !env.mp.Has(a.TxID()) || !env.mp.Has(b.TxID()) || env.mp.OrphanCount() != 0 {
		t.Fatalf("pool %d, orphans %d: want a and b back", env.mp.Count(), env.mp.OrphanCount())
	}
	env.checkConsistent()
}

func TestHandleChainNotificationIgnoresNilBlock(t *testing.T) {
	env := newEnv(t, Policy{})
	env.accept(env.spend(env.takeCoins(1), 1, 1000))
	env.mp.HandleChainNotification(chain.Notification{Type: chain.BlockConnected})
	if env.mp.Count() != 1 {
		t.Fatal("a notification without a block changed the pool")
	}
}

// TestOnRemovedReasons checks that OnRemoved hears of each transaction that
// leaves the pool, with the reason, after the call that removed it.
func TestOnRemovedReasons(t *testing.T) {
	var got []RemovalReason
	var removed []chain.Hash
	var added []chain.Hash
	env := newEnv(t, Policy{})
	env.mp.onAdded = func(tx *chain.Tx, fee uint64) {
		if !env.mp.Has(tx.TxID()) && len(removed) == 0 {
			t.Errorf("told of %v entering before it is in the pool", tx.TxID())
		}
		added = append(added, tx.TxID())
	}
	env.mp.onRemoved = func(tx *chain.Tx, r RemovalReason) {
		if env.mp.Has(tx.TxID()) {
			t.Errorf("told of %v while it is still in the pool", tx.TxID())
		}
		got = append(got, r)
		removed = append(removed, tx.TxID())
	}
	coins := env.takeCoins(2)
	low := env.spend(coins[:1], 1, 1000)
	env.accept(low)
	high := env.spend(coins[:1], 1, 50_000) // replaces low
	env.accept(high)
	if len(got) != 1 || got[0] != RemovedReplaced || removed[0] != low.TxID() {
		t.Fatalf("after a replacement: %v %v", got, removed)
	}
	env.mine(high)
	if len(got) != 2 || got[1] != RemovedConfirmed || removed[1] != high.TxID() {
		t.Fatalf("after the block: %v %v", got, removed)
	}
	if len(added) != 2 || added[0] != low.TxID() || added[1] != high.TxID() {
		t.Fatalf("additions %v, want low then high", added)
	}
}

// A reorg whose new branch confirms the same transaction t1 again: the pool
// child u of t1 is still valid and stays.
func TestReorgReconfirmingParentKeepsChild(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(1)
	fork := env.chain.BestState()
	t1 := env.spend(coins, 2, 1000)
	env.mine(t1)
	u := env.spend([]coin{coinOf(t1, 0)}, 1, 1000)
	env.accept(u)

	env.branch = 1
	y1 := env.buildBlock(fork.Hash, fork.Header.Time, fork.Height+1, []*chain.Tx{t1})
	y2 := env.buildBlock(y1.BlockHash(), y1.Header.Time, fork.Height+2, nil)
	env.process(y1)
	env.process(y2)
	if env.chain.BestState().Hash != y2.BlockHash() {
		t.Fatal("no reorganisation")
	}
	if _, ok, _ := env.chain.FetchUtxo(chain.OutPoint{TxID: t1.TxID(), Index: 0}); !ok {
		t.Fatal("t1 output not in utxo set")
	}
	if !env.mp.Has(u.TxID()) {
		t.Fatalf("valid child u of re-confirmed t1 evicted by the reorg (pool %d, orphans %d)", env.mp.Count(), env.mp.OrphanCount())
	}
}
