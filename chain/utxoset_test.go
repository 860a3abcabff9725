package chain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// TestUtxoSetInfo checks the UTXO set summary through blocks that create,
// spend and disconnect outputs: the total is always the subsidies paid, and
// the hash follows the set, not the path to it.
func TestUtxoSetInfo(t *testing.T) {
	g := newHarness(t)
	info := func() UtxoSetInfo {
		t.Helper()
		info, err := g.chain.UtxoSetInfo()
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	subsidies := func(height uint32) (sum uint64) {
		for h := uint32(1); h <= height; h++ {
			sum += g.params.CalcBlockSubsidy(h)
		}
		return sum
	}

	genesis := info()
	if genesis.Height != 0 || genesis.BestHash != g.params.GenesisHash || genesis.Outputs != 0 || genesis.Total != 0 {
		t.Fatalf("at genesis: %+v, want an empty set (genesis outputs are not spendable)", genesis)
	}

	g.extend("b", 12)
	at12 := info()
	want := UtxoSetInfo{BestHash: g.Block("b12").BlockHash(), Height: 12, Transactions: 12, Outputs: 12, Total: subsidies(12), SetHash: at12.SetHash}
	if at12 != want {
		t.Fatalf("after 12 blocks: %+v, want %+v", at12, want)
	}
	if at12.SetHash == genesis.SetHash {
		t.Fatal("the set hash did not change with the set")
	}

	// A spend moves 1000 units of fee from the spent output to the
	// coinbase: one output fewer from b1, two more in b13.
	g.NextBlock("b13", g.CoinbaseOut("b1"))
	g.AcceptTipBlock()
	at13 := info()
	if at13.Height != 13 || at13.Outputs != 13 || at13.Transactions != 13 || at13.Total != subsidies(13) {
		t.Fatalf("after a spend: %+v, want 13 outputs of 13 transactions totalling %d", at13, subsidies(13))
	}

	// Disconnecting b13 gives back exactly the set at b12, hash and all.
	if err := g.chain.InvalidateBlock(context.Background(), g.Block("b13").BlockHash()); err != nil {
		t.Fatal(err)
	}
	if back := info(); back != at12 {
		t.Fatalf("after disconnecting b13: %+v, want the set at b12 %+v", back, at12)
	}
	// And it survives a restart.
	g.reopen()
	if again := info(); again != at12 {
		t.Fatalf("after a restart: %+v, want %+v", again, at12)
	}
}

// TestUtxoSetHashAsDocumented recomputes gettxoutsetinfo's
// hash_serialized from the blocks, by the serialization docs/rpc.md
// gives, and compares it with the chain's.
func TestUtxoSetHashAsDocumented(t *testing.T) {
	g := newHarness(t)
	g.extend("b", 5)
	type record struct{ key, rest []byte }
	var records []record
	for height := uint32(1); height <= 5; height++ {
		cb := g.Block(fmt.Sprintf("b%d", height)).Txs[0]
		txid := cb.TxID()
		for i, out := range cb.Outputs {
			key := binary.BigEndian.AppendUint32(append([]byte(nil), txid[:]...), uint32(i))
			rest := binary.LittleEndian.AppendUint32(nil, height)
			rest = append(rest, 1) // a coinbase
			rest = binary.LittleEndian.AppendUint64(rest, out.Value)
			rest = append(rest, out.PubKey[:]...)
			records = append(records, record{key, rest})
		}
	}
	slices.SortFunc(records, func(a, b record) int { return bytes.Compare(a.key, b.key) })
	h := sha256.New()
	for _, r := range records {
		h.Write(r.key)
		h.Write(r.rest)
	}
	want := sha256.Sum256(h.Sum(nil))
	info, err := g.chain.UtxoSetInfo()
	if err != nil {
		t.Fatal(err)
	}
	if Hash(want) != info.SetHash {
		t.Fatalf("hash_serialized %x, want %x by the documented serialization", info.SetHash, want)
	}
}
