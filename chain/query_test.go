package chain

import (
	"errors"
	"testing"
)

func TestQueries(t *testing.T) {
	g := matureHarness(t, 30)
	spend := g.CoinbaseOut("b1")
	tx := g.spendTx([]*spendableOut{spend}, []TxOut{g.pay(1000), {Value: 7, PubKey: numsKey}}, 0)
	g.NextBlock("q", nil, addTx(tx))
	g.AcceptTipBlock()
	c := g.chain

	best := c.BestState()
	if best.Height != 31 || best.Hash != g.Block("q").BlockHash() || best.MedianTime != g.medianTimePast("q") {
		t.Fatalf("best state %+v", best)
	}
	if best.NextBits != g.nextBits("q") {
		t.Errorf("next bits %08x, want %08x", best.NextBits, g.nextBits("q"))
	}

	h, err := c.BlockHashByHeight(10)
	if err != nil || h != g.Block("b10").BlockHash() {
		t.Errorf("hash at 10: %v %v", h, err)
	}
	if _, err := c.BlockHashByHeight(32); !errors.Is(err, ErrNotFound) {
		t.Errorf("hash above the tip: %v", err)
	}
	info, err := c.HeaderByHash(g.Block("b10").BlockHash())
	if err != nil || info.Height != 10 || !info.MainChain || !info.Valid || info.Invalid {
		t.Errorf("header info %+v %v", info, err)
	}
	if _, err := c.HeaderByHash(Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown header: %v", err)
	}
	b, err := c.BlockByHeight(31)
	if err != nil || b.BlockHash() != best.Hash || len(b.Txs) != 2 {
		t.Errorf("block at 31: %v", err)
	}
	if _, err := c.BlockByHash(Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown block: %v", err)
	}

	got, loc, err := c.TxByID(tx.TxID())
	if err != nil || got.WTxID() != tx.WTxID() || loc.Height != 31 || loc.Block != best.Hash {
		t.Errorf("tx index: %v %+v", err, loc)
	}
	if _, _, err := c.TxByID(Hash{2}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown tx: %v", err)
	}

	e, ok, err := c.FetchUtxo(OutPoint{TxID: tx.TxID(), Index: 1})
	if err != nil || !ok || e.Output.Value != 7 || e.Height != 31 || e.IsCoinbase {
		t.Errorf("utxo: %+v %v %v", e, ok, err)
	}
	if _, ok, _ := c.FetchUtxo(spend.op); ok {
		t.Error("spent output still in the UTXO set")
	}
	utxos, err := c.UtxosByPubKey(numsKey)
	if err != nil || len(utxos) != 1 || utxos[0].OutPoint != (OutPoint{TxID: tx.TxID(), Index: 1}) {
		t.Errorf("utxos by key: %+v %v", utxos, err)
	}
	// The harness key holds 31 coinbases but b1's, and the 1000 units.
	var want uint64 = 1000
	for h := uint32(2); h <= 31; h++ {
		want += g.params.CalcBlockSubsidy(h)
	}
	if bal, err := c.BalanceOfPubKey(g.pubKey); err != nil || bal != want {
		t.Errorf("balance %d (%v), want %d", bal, err, want)
	}
}

func TestLocator(t *testing.T) {
	g := matureHarness(t, 40)
	loc := g.chain.BlockLocator()
	heights := make([]uint32, len(loc))
	for i, h := range loc {
		info, err := g.chain.HeaderByHash(h)
		if err != nil {
			t.Fatal(err)
		}
		heights[i] = info.Height
	}
	want := []uint32{40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 29, 25, 17, 1, 0}
	if len(heights) != len(want) {
		t.Fatalf("locator heights %v, want %v", heights, want)
	}
	for i := range want {
		if heights[i] != want[i] {
			t.Fatalf("locator heights %v, want %v", heights, want)
		}
	}

	// A peer whose best known block is b20 gets the headers after it.
	hdrs := g.chain.LocateHeaders([]Hash{{9}, g.Block("b20").BlockHash()}, Hash{}, 5)
	if len(hdrs) != 5 || hdrs[0].BlockHash() != g.Block("b21").BlockHash() {
		t.Fatalf("located %d headers starting %v", len(hdrs), hdrs[0].BlockHash())
	}
	hdrs = g.chain.LocateHeaders(nil, g.Block("b3").BlockHash(), 100)
	if len(hdrs) != 3 || hdrs[2].BlockHash() != g.Block("b3").BlockHash() {
		t.Fatalf("from genesis to stop: %d headers", len(hdrs))
	}
}

func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{
		ErrShortRead, ErrNonMinimalVarint, ErrTrailingBytes, ErrCountTooLarge, ErrMalformed,
		ErrBadBits, ErrHighHash, ErrUnexpectedBits, ErrTimeTooOld, ErrTimeTooNew, ErrBadBlockVersion,
		ErrInvalidAncestor, ErrKnownInvalid, ErrDuplicateBlock,
		ErrNoTransactions, ErrFirstTxNotCoinbase, ErrMultipleCoinbases, ErrBadMerkleRoot, ErrDuplicateTx,
		ErrBlockTooBig, ErrTxTooBig, ErrBadTxVersion, ErrNoTxInputs, ErrNoTxOutputs, ErrDuplicateInput,
		ErrBadTxOutValue, ErrTotalOutValue, ErrUnfinalizedTx, ErrBadWitnessSize, ErrBadSignatureEncoding,
		ErrBadSignature, ErrMissingInput, ErrImmatureSpend, ErrSpendTooHigh, ErrBadCoinbaseValue,
		ErrBadCoinbaseLockTime, ErrBadCoinbaseWitness,
		ErrMissingParent, ErrHeadersNotContinuous, ErrTooManyHeaders,
	}
	seen := make(map[string]bool)
	for _, k := range kinds {
		t.Run(string(k), func(t *testing.T) {
			if k.Error() != string(k) || seen[k.Error()] {
				t.Fatalf("kind %q prints %q or repeats", string(k), k.Error())
			}
			seen[k.Error()] = true
			err := error(ruleError(k, "something about %d", 42))
			if !errors.Is(err, k) || err.Error() != "something about 42" {
				t.Fatalf("RuleError of %v: Is=%v text=%q", k, errors.Is(err, k), err)
			}
			for _, other := range kinds {
				if other != k && errors.Is(err, other) {
					t.Fatalf("RuleError of %v matches %v", k, other)
				}
			}
		})
	}
	if AssertError("x").Error() != "assertion failed: x" {
		t.Error("AssertError text")
	}
}

func TestSigCache(t *testing.T) {
	c := NewSigCache(2)
	h := Hash{1}
	var pk [32]byte
	sig := make([]byte, 64)
	if c.Contains(h, pk, sig) {
		t.Fatal("empty cache contains an entry")
	}
	c.Add(h, pk, sig)
	if !c.Contains(h, pk, sig) {
		t.Fatal("added entry missing")
	}
	other := append([]byte(nil), sig...)
	other[0] = 1
	if c.Contains(h, pk, other) || c.Contains(Hash{2}, pk, sig) {
		t.Fatal("cache matches a different signature or message")
	}
	c.Add(Hash{2}, pk, sig)
	c.Add(Hash{3}, pk, sig)
	if c.Len() != 2 {
		t.Fatalf("cache holds %d, bound is 2", c.Len())
	}
	off := NewSigCache(0)
	off.Add(h, pk, sig)
	if off.Contains(h, pk, sig) {
		t.Fatal("a zero-size cache remembers")
	}
}

// A signature in the cache is not verified again when its block connects:
// a block whose (invalid) signature was planted in the cache connects, which
// proves the cache short-cuts verification.
func TestSigCacheSkipsVerification(t *testing.T) {
	g := matureHarness(t, 12)
	spend := g.CoinbaseOut("b1")
	tx := g.spendTx([]*spendableOut{spend}, []TxOut{g.pay(spend.out.Value)}, 0)
	tx.Inputs[0].Witness[5] ^= 1 // no longer verifies
	sigHash := CalcSigHash(g.params.GenesisHash, tx.TxID(), 0, []TxOut{spend.out})
	g.NextBlock("planted", nil, addTx(tx))
	g.RejectTipBlock(ErrBadSignature)
	if err := g.chain.ReconsiderBlock(t.Context(), g.Block("planted").BlockHash()); err != nil && !errors.Is(err, ErrBadSignature) {
		t.Fatal(err)
	}
	g.chain.sigCache.Add(sigHash, spend.out.PubKey, tx.Inputs[0].Witness)
	if err := g.chain.ReconsiderBlock(t.Context(), g.Block("planted").BlockHash()); err != nil {
		t.Fatalf("cached signature verified again: %v", err)
	}
	g.ExpectTip("planted")
}
