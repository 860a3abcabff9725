package mempool

import (
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

func TestOrphanAcceptedWhenParentArrives(t *testing.T) {
	env := newEnv(t, Policy{})
	parent := env.spend(env.takeCoins(1), 2, 1000)
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 1000)
	grandchild := env.spend([]coin{coinOf(child, 0)}, 1, 1000)
	for _, tx := range []*chain.Tx{grandchild, child} {
		res, err := env.mp.AcceptTx(tx, "peer")
		if err != nil || !res.Orphan || len(res.Accepted) != 0 {
			t.Fatalf("orphan: %+v %v", res, err)
		}
	}
	if env.mp.OrphanCount() != 2 || env.mp.Count() != 0 {
		t.Fatalf("orphans %d pool %d", env.mp.OrphanCount(), env.mp.Count())
	}
	// A second copy of an orphan is a duplicate.
	env.refuse(child, ErrDuplicate, ClassPolicy)
	res := env.accept(parent)
	if len(res.Accepted) != 3 || res.Accepted[1] != child || res.Accepted[2] != grandchild {
		t.Fatalf("accepted %d, want parent, child, grandchild", len(res.Accepted))
	}
	if env.mp.OrphanCount() != 0 || env.mp.Count() != 3 {
		t.Fatalf("orphans %d pool %d", env.mp.OrphanCount(), env.mp.Count())
	}
	env.checkConsistent()
}

func TestOrphanDroppedWhenParentRefused(t *testing.T) {
	env := newEnv(t, Policy{})
	c := env.takeCoins(1)
	parent := env.spend(c, 2, 10) // below the minimum relay fee
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 1000)
	if res, err := env.mp.AcceptTx(child, "peer"); err != nil || !res.Orphan {
		t.Fatalf("orphan: %+v %v", res, err)
	}
	if _, err := env.mp.AcceptTx(parent, "peer"); err == nil {
		t.Fatal("low-fee parent accepted")
	}
	if env.mp.OrphanCount() != 0 || env.mp.Count() != 0 {
		t.Fatalf("orphan of a refused parent kept: orphans %d pool %d", env.mp.OrphanCount(), env.mp.Count())
	}
}

// A copy of a transaction with a garbled witness has the honest one's
// txid. Neither as an orphan nor as a refused parent may it keep the
// honest transactions out.
func TestGarbledWitnessCannotShadow(t *testing.T) {
	env := newEnv(t, Policy{})
	parent := env.spend(env.takeCoins(1), 2, 1000)
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 1000)
	garble := func(tx *chain.Tx) *chain.Tx {
		bad := *tx
		bad.Inputs = []chain.TxIn{{Prev: tx.Inputs[0].Prev, Witness: append([]byte(nil), tx.Inputs[0].Witness...)}}
		bad.Inputs[0].Witness[3] ^= 1
		return &bad
	}

	// A garbled child first, then the honest one: both wait.
	if res, err := env.mp.AcceptTx(garble(child), "attacker"); err != nil || !res.Orphan {
		t.Fatalf("garbled orphan: %+v %v", res, err)
	}
	if res, err := env.mp.AcceptTx(child, "peer"); err != nil || !res.Orphan {
		t.Fatalf("honest orphan refused beside a garbled copy: %+v %v", res, err)
	}
	// A garbled parent is refused, and the honest child still waits.
	if _, err := env.mp.AcceptTx(garble(parent), "attacker"); !IsConsensusError(err) {
		t.Fatalf("garbled parent: %v", err)
	}
	if !env.mp.HaveOrphan(child.TxID()) {
		t.Fatal("a garbled parent's refusal dropped the honest orphan")
	}
	// The honest parent brings the honest child in.
	res, err := env.mp.AcceptTx(parent, "peer")
	if err != nil || len(res.Accepted) != 2 || !env.mp.Has(child.TxID()) {
		t.Fatalf("honest parent: %+v %v", res, err)
	}
	if d, _ := env.mp.Lookup(child.TxID()); d.Tx.WTxID() != child.WTxID() {
		t.Fatal("the pool holds the garbled child")
	}
}

// A spend of the null outpoint is invalid, not an orphan (SPEC §3).
func TestNullOutpointSpendRefused(t *testing.T) {
	env := newEnv(t, Policy{})
	c := env.takeCoins(1)
	tx := env.spend(c, 1, 1000)
	tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: chain.NullOutPoint, Witness: make([]byte, 64)})
	res, err := env.mp.AcceptTx(tx, "peer")
	if !IsConsensusError(err) || res.Orphan || env.mp.OrphanCount() != 0 {
		t.Fatalf("null-outpoint spend: %+v %v", res, err)
	}
}

func TestOrphanChildRefusedOnArrival(t *testing.T) {
	env := newEnv(t, Policy{})
	parent := env.spend(env.takeCoins(1), 1, 1000)
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 1000)
	child.Inputs[0].Witness[0] ^= 1 // its signature fails once the parent is known
	if res, err := env.mp.AcceptTx(child, "peer"); err != nil || !res.Orphan {
		t.Fatalf("orphan: %+v %v", res, err)
	}
	res := env.accept(parent)
	if len(res.Accepted) != 1 || env.mp.OrphanCount() != 0 || env.mp.Count() != 1 {
		t.Fatalf("accepted %d, orphans %d, pool %d", len(res.Accepted), env.mp.OrphanCount(), env.mp.Count())
	}
}

// fakeOrphan returns a well-formed transaction spending an output no one
// has.
func (env *testEnv) fakeOrphan(i int) *chain.Tx {
	var id chain.Hash
	id[0], id[1], id[2] = byte(i), byte(i>>8), 0xee
	return env.spend([]coin{{op: chain.OutPoint{TxID: id}, out: chain.TxOut{Value: 100_000, PubKey: env.pub}}}, 1, 1000)
}

func TestOrphanFlood(t *testing.T) {
	env := newEnv(t, Policy{})
	env.accept(env.spend(env.takeCoins(1), 1, 1000))
	before := env.state()
	for i := range 3 * DefaultMaxOrphans {
		if res, err := env.mp.AcceptTx(env.fakeOrphan(i), "flooder"); err != nil || !res.Orphan {
			t.Fatalf("orphan %d: %+v %v", i, res, err)
		}
	}
	if n := env.mp.OrphanCount(); n != DefaultMaxOrphans {
		t.Fatalf("orphan pool holds %d, want its bound %d", n, DefaultMaxOrphans)
	}
	after := env.state()
	if after.count != before.count || after.bytes != before.bytes || after.updated != before.updated {
		t.Fatalf("orphan flood changed the pool: %+v -> %+v", before, after)
	}
	if n := env.mp.RemovePeer("flooder"); n != DefaultMaxOrphans || env.mp.OrphanCount() != 0 {
		t.Fatalf("RemovePeer dropped %d, left %d", n, env.mp.OrphanCount())
	}
}

func TestOrphanExpiry(t *testing.T) {
	env := newEnv(t, Policy{})
	if _, err := env.mp.AcceptTx(env.fakeOrphan(1), "peer"); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(DefaultOrphanExpiry - time.Minute)
	env.mp.Expire()
	if env.mp.OrphanCount() != 1 {
		t.Fatal("orphan expired early")
	}
	env.clock.Advance(2 * time.Minute)
	env.mp.Expire()
	if env.mp.OrphanCount() != 0 {
		t.Fatal("orphan did not expire")
	}
}

func TestOrphanRemovePeerKeepsOthers(t *testing.T) {
	env := newEnv(t, Policy{})
	env.mp.AcceptTx(env.fakeOrphan(1), "a")
	env.mp.AcceptTx(env.fakeOrphan(2), "b")
	if n := env.mp.RemovePeer("a"); n != 1 || env.mp.OrphanCount() != 1 {
		t.Fatalf("removed %d, left %d", n, env.mp.OrphanCount())
	}
}

// TestOrphanParentConfirmed: the parent of an orphan arrives in a block,
// never through the pool; the orphan enters the pool.
func TestOrphanParentConfirmed(t *testing.T) {
	env := newEnv(t, Policy{})
	parent := env.spend(env.takeCoins(1), 1, 1000)
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 1000)
	if res, err := env.mp.AcceptTx(child, "peer"); err != nil || !res.Orphan {
		t.Fatalf("orphan: %+v %v", res, err)
	}
	env.mine(parent)
	if !env.mp.Has(child.TxID()) || env.mp.OrphanCount() != 0 {
		t.Fatal("orphan not accepted after its parent confirmed")
	}
}
