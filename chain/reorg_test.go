package chain

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// utxoSet reads the whole UTXO set from the database.
func (g *harness) utxoSet() map[OutPoint]UtxoEntry {
	g.t.Helper()
	set := make(map[OutPoint]UtxoEntry)
	err := g.chain.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixUtxo}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			var op OutPoint
			copy(op.TxID[:], k[1:])
			op.Index = uint32(k[33])<<24 | uint32(k[34])<<16 | uint32(k[35])<<8 | uint32(k[36])
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if set[op], err = DecodeUtxoEntry(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		g.t.Fatal(err)
	}
	return set
}

// recorder collects notifications as "+name" (connected) and "-name"
// (disconnected).
type recorder struct {
	g      *harness
	events []string
}

func (g *harness) record() *recorder {
	r := &recorder{g: g}
	g.chain.Subscribe(func(n Notification) {
		sign := "+"
		if n.Type == BlockDisconnected {
			sign = "-"
		}
		if n.Block.BlockHash() != n.Hash {
			g.t.Errorf("notification for %v carries block %v", n.Hash, n.Block.BlockHash())
		}
		// Subscribers run without the state lock: they can query.
		if best := g.chain.BestState(); n.Type == BlockConnected && best.Height < n.Height {
			g.t.Errorf("connected %v at %d but the tip is at %d", n.Hash, n.Height, best.Height)
		}
		r.events = append(r.events, sign+g.names[n.Hash])
	})
	return r
}

func (r *recorder) expect(want ...string) {
	r.g.t.Helper()
	if len(r.events) != len(want) {
		r.g.t.Fatalf("notifications %v, want %v", r.events, want)
	}
	for i := range want {
		if r.events[i] != want[i] {
			r.g.t.Fatalf("notifications %v, want %v", r.events, want)
		}
	}
	r.events = nil
}

func TestReorganisation(t *testing.T) {
	g := matureHarness(t, 12)
	rec := g.record()

	// Equal work: the first seen stays.
	g.NextBlock("a13", nil)
	g.AcceptTipBlock()
	g.SetTip("b12")
	g.NextBlock("s13", nil)
	g.AcceptedToSideChain()
	g.ExpectTip("a13")
	rec.expect("+a13")

	// Two-block reorg: the side chain takes the lead.
	g.NextBlock("s14", g.CoinbaseOut("b2"))
	g.AcceptTipBlock()
	rec.expect("-a13", "+s13", "+s14")
	g.expectReplayedUtxos()
	if _, ok, _ := g.chain.FetchUtxo(g.CoinbaseOut("b2").op); ok {
		t.Fatal("output spent by the new branch is still unspent")
	}

	// And back: the old branch grows past it.
	g.SetTip("a13")
	g.NextBlock("a14", nil)
	g.AcceptedToSideChain()
	g.NextBlock("a15", nil)
	g.AcceptTipBlock()
	rec.expect("-s14", "-s13", "+a13", "+a14", "+a15")
	g.expectReplayedUtxos()
	if _, ok, _ := g.chain.FetchUtxo(g.CoinbaseOut("b2").op); !ok {
		t.Fatal("output spent only on the abandoned branch was not restored")
	}
	if tx, _, err := g.chain.TxByID(g.Block("s14").Txs[1].TxID()); err == nil {
		t.Fatalf("tx index still finds %v from the abandoned branch", tx.TxID())
	}

	// Forward again to s-chain and back once more: states are repeatable.
	g.SetTip("s14")
	g.NextBlock("s15", nil)
	g.AcceptedToSideChain()
	g.NextBlock("s16", nil)
	g.AcceptTipBlock()
	g.SetTip("a15")
	g.NextBlock("a16", nil)
	g.AcceptedToSideChain()
	g.NextBlock("a17", nil)
	g.AcceptTipBlock()
	g.expectReplayedUtxos()
}

// expectReplayedUtxos checks the stored UTXO set against one computed by
// replaying the main chain's blocks, as the generator built them, from
// genesis (whose outputs are not spendable).
func (g *harness) expectReplayedUtxos() {
	g.t.Helper()
	var path []*Block
	for h := g.chain.BestState().Hash; h != g.params.GenesisHash; {
		b := g.Block(g.names[h])
		path = append(path, b)
		h = b.Header.Prev
	}
	want := make(map[OutPoint]UtxoEntry)
	for i := len(path) - 1; i >= 0; i-- {
		height := uint32(len(path) - i)
		for k, tx := range path[i].Txs {
			for _, in := range tx.Inputs {
				delete(want, in.Prev)
			}
			txid := tx.TxID()
			for idx, out := range tx.Outputs {
				want[OutPoint{TxID: txid, Index: uint32(idx)}] = UtxoEntry{Output: out, Height: height, IsCoinbase: k == 0}
			}
		}
	}
	if got := g.utxoSet(); !maps.Equal(got, want) {
		g.t.Fatalf("UTXO set has %d entries, replaying the main chain gives %d", len(got), len(want))
	}
	for op, e := range want {
		utxos, err := g.chain.UtxosByPubKey(e.Output.PubKey)
		if err != nil {
			g.t.Fatal(err)
		}
		if !slices.ContainsFunc(utxos, func(u Utxo) bool { return u.OutPoint == op && u.Entry == e }) {
			g.t.Fatalf("address index lacks %v:%d", op.TxID, op.Index)
		}
	}
}

func TestLongReorg(t *testing.T) {
	g := matureHarness(t, 1)
	g.extend("m", 100)
	rec := g.record()
	g.SetTip("b1")
	for i := 1; i <= 100; i++ {
		g.NextBlock("n"+itoa(i), nil)
		g.AcceptedToSideChain()
	}
	g.NextBlock("n101", nil)
	g.AcceptTipBlock()
	if len(rec.events) != 201 {
		t.Fatalf("%d notifications, want 100 disconnected and 101 connected", len(rec.events))
	}
	if rec.events[0] != "-m100" || rec.events[99] != "-m1" || rec.events[100] != "+n1" || rec.events[200] != "+n101" {
		t.Fatalf("notifications out of order: %v ... %v", rec.events[:2], rec.events[199:])
	}
	g.expectReplayedUtxos()
	h, _ := g.chain.BlockHashByHeight(50)
	if h != g.Block("n49").BlockHash() {
		t.Fatalf("height index at 50 is %q, want n49", g.names[h])
	}
}

func TestReorgFailsHalfWay(t *testing.T) {
	g := matureHarness(t, 12)
	g.extend("a", 3) // a1..a3 at heights 13..15
	before := g.utxoSet()
	rec := g.record()

	// A side branch whose second block has a bad signature: stored as a
	// side chain (the signature is only checked on connection), and found
	// out when the branch takes the lead.
	g.SetTip("b12")
	g.NextBlock("f13", nil)
	g.AcceptedToSideChain()
	g.NextBlock("f14", nil, addTx(func() *Tx {
		tx := g.CreateSpendTx(g.CoinbaseOut("b1"), 1000)
		tx.Inputs[0].Witness[10] ^= 1
		return tx
	}()))
	g.AcceptedToSideChain()
	g.NextBlock("f15", nil)
	g.AcceptedToSideChain()
	g.NextBlock("f16", nil)
	g.RejectTipBlock(ErrBadSignature)
	g.ExpectTip("a3")
	rec.expect() // nothing changed, as subscribers see it

	if after := g.utxoSet(); !maps.Equal(before, after) {
		t.Fatalf("UTXO set not restored: %d entries, want %d", len(after), len(before))
	}
	for _, name := range []string{"f14", "f15", "f16"} {
		info, err := g.chain.HeaderByHash(g.Block(name).BlockHash())
		if err != nil || !info.Invalid {
			t.Fatalf("%s not marked invalid after the failed reorg (%v)", name, err)
		}
	}
	if info, _ := g.chain.HeaderByHash(g.Block("f13").BlockHash()); info.Invalid {
		t.Fatal("f13 marked invalid though it is valid")
	}
	g.NextBlock("f17", nil)
	g.RejectTipBlock(ErrInvalidAncestor)

	// The invalid marks survive a restart.
	g.reopen()
	g.ExpectTip("a3")
	g.RejectBlock("f16", ErrInvalidAncestor)

	// A valid branch from f13 can still overtake.
	g.SetTip("f13")
	g.NextBlock("v14", nil)
	g.AcceptedToSideChain()
	g.NextBlock("v15", nil)
	g.AcceptedToSideChain()
	g.NextBlock("v16", nil)
	g.AcceptTipBlock()
	g.expectReplayedUtxos()
}

func TestOrphanBlocks(t *testing.T) {
	g := matureHarness(t, 2)
	g.NextBlock("p3", nil)
	g.NextBlock("p4", nil)
	g.NextBlock("p5", nil)
	for _, name := range []string{"p5", "p4"} {
		res, err := g.process(g.Block(name))
		if err != nil || !res.Orphan {
			t.Fatalf("%s: orphan=%v err=%v, want held as orphan", name, res.Orphan, err)
		}
	}
	g.RejectBlock("p4", ErrDuplicateBlock)
	g.ExpectTip("b2")
	g.AcceptBlock("p3")
	g.ExpectTip("p5")

	// The pool is bounded: the oldest orphan goes first.
	pool := newOrphanPool(2)
	for i := range 3 {
		b := &Block{Header: Header{Nonce: uint32(i)}}
		pool.add(b, b.BlockHash(), g.clock.Now())
	}
	if pool.len() != 2 || pool.has((&Header{Nonce: 0}).BlockHash()) {
		t.Fatalf("orphan pool holds %d, oldest kept=%v", pool.len(), pool.has((&Header{Nonce: 0}).BlockHash()))
	}
	pool.expire(g.clock.Now().Add(orphanTTL + 1))
	if pool.len() != 0 {
		t.Fatalf("%d orphans outlived their expiry", pool.len())
	}
}

func TestInvalidateAndReconsider(t *testing.T) {
	g := matureHarness(t, 5)
	ctx := context.Background()
	if err := g.chain.InvalidateBlock(ctx, g.Block("b4").BlockHash()); err != nil {
		t.Fatal(err)
	}
	g.ExpectTip("b3")
	g.RejectBlock("b5", ErrInvalidAncestor)
	if err := g.chain.ReconsiderBlock(ctx, g.Block("b5").BlockHash()); err != nil {
		t.Fatal(err)
	}
	g.ExpectTip("b5")
}

func TestReopenResumesAtTip(t *testing.T) {
	g := matureHarness(t, 20)
	g.NextBlock("s", g.CoinbaseOut("b1"))
	g.AcceptTipBlock()
	before := g.utxoSet()
	g.reopen()
	g.ExpectTip("s")
	if !maps.Equal(before, g.utxoSet()) {
		t.Fatal("UTXO set changed across a restart")
	}
	g.NextBlock("after_restart", nil)
	g.AcceptTipBlock()
}

func TestDataDirInUse(t *testing.T) {
	g := newHarness(t)
	_, err := New(Config{Params: g.params, DataDir: g.dir})
	if !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("second open of a directory in use: %v, want ErrDataDirInUse", err)
	}
	g.reopen() // and the lock is released on Close
	g.ExpectTip("genesis")
}
