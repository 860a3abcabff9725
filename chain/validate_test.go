package chain

import (
	"context"
	"errors"
	"testing"
)

// Every rule of SPEC §6 has a named accepted and rejected case here, built
// with the block-generator harness of chaingen_test.go.

// matureHarness returns a harness whose chain has n blocks b1..bn, so that
// the coinbases of the first n-10 are mature.
func matureHarness(t testing.TB, n int) *harness {
	g := newHarness(t)
	g.extend("b", n)
	return g
}

// spendTx returns a transaction spending spends to outputs, signed by the
// harness key.
func (g *harness) spendTx(spends []*spendableOut, outputs []TxOut, lockTime uint32) *Tx {
	tx := &Tx{Version: 1, Outputs: outputs, LockTime: lockTime}
	spent := make([]TxOut, len(spends))
	for i, s := range spends {
		tx.Inputs = append(tx.Inputs, TxIn{Prev: s.op})
		spent[i] = s.out
	}
	g.Sign(tx, spent)
	return tx
}

// pay returns one output of value to the harness key.
func (g *harness) pay(value uint64) TxOut { return TxOut{Value: value, PubKey: g.pubKey} }

// addTx returns a munger that appends tx to the block.
func addTx(txs ...*Tx) func(*Block) {
	return func(b *Block) { b.Txs = append(b.Txs, txs...) }
}

func TestHeaderRules(t *testing.T) {
	g := matureHarness(t, 3)

	// Rule 1: proof of work.
	b := g.NextBlock("bad_pow", nil)
	g.unsolve(b)
	g.rename(b)
	g.RejectTipBlock(ErrHighHash)
	g.SetTip("b3")
	g.NextBlock("good_pow", nil)
	g.AcceptTipBlock()

	// Rule 1: bits must be the ASERT value, and decode validly.
	g.NextBlock("easier_bits", nil, func(b *Block) {
		target, _ := CompactToTarget(b.Header.Bits, nil)
		b.Header.Bits = TargetToCompact(target.Rsh(target, 1))
	})
	g.RejectTipBlock(ErrUnexpectedBits)
	g.SetTip("good_pow")
	b = g.NextBlock("negative_bits", nil)
	b.Header.Bits = 0x04923456 // does not decode: no nonce can meet it
	g.rename(b)
	g.RejectTipBlock(ErrBadBits)
	g.SetTip("good_pow")
	g.NextBlock("asert_bits", nil)
	g.AcceptTipBlock()

	// Rule 2: time must be after the median time past.
	mtp := g.medianTimePast("asert_bits")
	g.NextBlock("time_eq_mtp", nil, func(b *Block) { b.Header.Time = uint32(mtp) })
	g.RejectTipBlock(ErrTimeTooOld)
	g.SetTip("asert_bits")
	g.NextBlock("time_mtp_plus_1", nil, func(b *Block) { b.Header.Time = uint32(mtp + 1) })
	g.AcceptTipBlock()

	// Rule 4: version 1 only; children of an invalid block are invalid.
	g.NextBlock("version_2", nil, func(b *Block) { b.Header.Version = 2 })
	g.RejectTipBlock(ErrBadBlockVersion)
	g.RejectTipBlock(ErrBadBlockVersion) // proof of work alone: not stored
	g.SetTip("time_mtp_plus_1")
	g.NextBlock("bad_coinbase_height", nil, func(b *Block) { b.Txs[0].LockTime++ })
	g.RejectTipBlock(ErrBadCoinbaseLockTime)
	g.RejectTipBlock(ErrKnownInvalid) // remembered
	g.NextBlock("child_of_invalid", nil)
	g.RejectTipBlock(ErrInvalidAncestor)
	g.NextBlock("grandchild_of_invalid", nil)
	g.RejectTipBlock(ErrInvalidAncestor)
	g.ExpectTip("time_mtp_plus_1")

	// Rule 3: not too far in the future, and not remembered as invalid.
	g.SetTip("time_mtp_plus_1")
	limit := g.clock.Unix() + int64(g.params.MaxFutureBlockTime.Seconds())
	g.NextBlock("future", nil, func(b *Block) { b.Header.Time = uint32(limit + 1) })
	g.RejectTipBlock(ErrTimeTooNew)
	g.clock.Advance(1)
	g.AcceptTipBlock()
}

func TestFutureBlockAtLimit(t *testing.T) {
	g := matureHarness(t, 1)
	limit := g.clock.Unix() + int64(g.params.MaxFutureBlockTime.Seconds())
	g.NextBlock("at_limit", nil, func(b *Block) { b.Header.Time = uint32(limit) })
	g.AcceptTipBlock()
}

func TestCoinbaseRules(t *testing.T) {
	g := matureHarness(t, 12)
	subsidy := g.params.CalcBlockSubsidy(13)

	g.NextBlock("no_txs", nil, func(b *Block) { b.Txs = nil })
	g.RejectTipBlock(ErrNoTransactions)

	g.SetTip("b12")
	spend := g.CreateSpendTx(g.CoinbaseOut("b1"), 1000)
	g.NextBlock("no_coinbase", nil, func(b *Block) { b.Txs = []*Tx{spend} })
	g.RejectTipBlock(ErrFirstTxNotCoinbase)

	g.SetTip("b12")
	g.NextBlock("coinbase_not_first", g.CoinbaseOut("b1"), func(b *Block) { b.Txs[0], b.Txs[1] = b.Txs[1], b.Txs[0] })
	g.RejectTipBlock(ErrFirstTxNotCoinbase)

	g.SetTip("b12")
	g.NextBlock("two_coinbases", nil, func(b *Block) {
		second := *b.Txs[0]
		second.Inputs = []TxIn{{Prev: NullOutPoint, Witness: []byte("second")}}
		b.Txs = append(b.Txs, &second)
	})
	g.RejectTipBlock(ErrMultipleCoinbases)

	g.SetTip("b12")
	g.NextBlock("coinbase_locktime", nil, func(b *Block) { b.Txs[0].LockTime = 0 })
	g.RejectTipBlock(ErrBadCoinbaseLockTime)

	g.SetTip("b12")
	g.NextBlock("coinbase_overpays", g.CoinbaseOut("b1"), func(b *Block) { b.Txs[0].Outputs[0].Value = subsidy + 1000 + 1 })
	g.RejectTipBlock(ErrBadCoinbaseValue)
	g.SetTip("b12")
	g.NextBlock("coinbase_exact", g.CoinbaseOut("b1"), func(b *Block) {
		if b.Txs[0].Outputs[0].Value != subsidy+1000 {
			t.Fatalf("coinbase pays %d, want subsidy+fees", b.Txs[0].Outputs[0].Value)
		}
	})
	g.AcceptTipBlock()

	g.NextBlock("coinbase_witness_101", nil, func(b *Block) { b.Txs[0].Inputs[0].Witness = make([]byte, 101) })
	g.RejectTipBlock(ErrBadCoinbaseWitness)
	g.SetTip("coinbase_exact")
	g.NextBlock("coinbase_witness_100", nil, func(b *Block) { b.Txs[0].Inputs[0].Witness = make([]byte, 100) })
	g.AcceptTipBlock()

	g.NextBlock("coinbase_underpays", nil, func(b *Block) { b.Txs[0].Outputs[0].Value = 0 })
	g.AcceptTipBlock()
}

func TestBlockBodyRules(t *testing.T) {
	g := matureHarness(t, 12)

	// A body that does not match its header is refused without marking the
	// header invalid: the same header with the right body is accepted.
	good := g.NextBlock("good", g.CoinbaseOut("b1"))
	wrongBody := &Block{Header: good.Header, Txs: []*Tx{good.Txs[0]}}
	if _, err := g.process(wrongBody); !isKind(err, ErrBadMerkleRoot) {
		t.Fatalf("wrong body: got %v, want ErrBadMerkleRoot", err)
	}
	emptyBody := &Block{Header: good.Header}
	if _, err := g.process(emptyBody); !isKind(err, ErrBadMerkleRoot) {
		t.Fatalf("empty body: got %v, want ErrBadMerkleRoot", err)
	}
	raw := good.Serialize()
	nonMinimal := append(append(append([]byte(nil), raw[:HeaderSize]...), 0xfd, byte(len(good.Txs)), 0), raw[HeaderSize+1:]...)
	if _, err := g.chain.ProcessRawBlock(t.Context(), nonMinimal); !isKind(err, ErrNonMinimalVarint) {
		t.Fatalf("non-minimal tx count: got %v, want ErrNonMinimalVarint", err)
	}
	if _, err := g.chain.ProcessRawBlock(t.Context(), raw); err != nil {
		t.Fatalf("right body after wrong ones: %v", err)
	}
	g.ExpectTip("good")

	g.NextBlock("bad_merkle", nil)
	g.Block("bad_merkle").Header.MerkleRoot[0] ^= 1
	g.solve(g.Block("bad_merkle"))
	g.rename(g.Block("bad_merkle"))
	g.RejectTipBlock(ErrBadMerkleRoot)

	g.SetTip("good")
	dup := g.CreateSpendTx(g.CoinbaseOut("b2"), 1000)
	g.NextBlock("duplicate_tx", nil, addTx(dup, dup))
	g.RejectTipBlock(ErrDuplicateTx)
	g.SetTip("good")
	g.NextBlock("single_tx", nil, addTx(dup))
	g.AcceptTipBlock()
}

func TestBlockSizeRule(t *testing.T) {
	g := matureHarness(t, 30)
	limit := g.params.MaxBlockSize

	g.NextBlock("too_big", nil, g.fillTo(limit+1, "b1", 12))
	if size := g.Block("too_big").SerializeSize(); size != limit+1 {
		t.Fatalf("built a block of %d bytes, want %d", size, limit+1)
	}
	g.RejectTipBlock(ErrBlockTooBig)

	g.SetTip("b30")
	g.NextBlock("max_size", nil, g.fillTo(limit, "b1", 12))
	if size := g.Block("max_size").SerializeSize(); size != limit {
		t.Fatalf("built a block of %d bytes, want %d", size, limit)
	}
	g.AcceptTipBlock()
}

// fillTo returns a munger that fills a coinbase-only block to exactly size
// bytes with transactions spending the coinbases of blocks first..first+n-1
// (named "b<i>"), and pads the rest in the coinbase witness.
func (g *harness) fillTo(size int, first string, n int) func(*Block) {
	const maxOuts = 2400 // keeps each transaction under MaxTxSize
	return func(b *Block) {
		var i int
		for i = 1; g.blocks["b"+itoa(i)] != g.blocks[first]; i++ {
		}
		for k := 0; k < n; k++ {
			left := size - b.SerializeSize()
			if left <= 0 {
				break
			}
			spend := g.CoinbaseOut("b" + itoa(i+k))
			// An output is 40 bytes; the rest of a one-input spend is 113.
			outs := min(maxOuts, max(1, (left-113)/40))
			outputs := make([]TxOut, outs)
			for j := range outputs {
				outputs[j] = g.pay(spend.out.Value / uint64(outs))
			}
			tx := g.spendTx([]*spendableOut{spend}, outputs, 0)
			if tx.SerializeSize() > left {
				break
			}
			b.Txs = append(b.Txs, tx)
		}
		pad := size - b.SerializeSize()
		if pad < 0 || pad > MaxCoinbaseWitness {
			g.t.Fatalf("cannot pad block to %d bytes: %d left over", size, pad)
		}
		b.Txs[0].Inputs[0].Witness = append(b.Txs[0].Inputs[0].Witness, make([]byte, pad)...)
	}
}

func TestTransactionRules(t *testing.T) {
	g := matureHarness(t, 15)
	spend := g.CoinbaseOut("b1")
	value := spend.out.Value
	one := []*spendableOut{spend}

	cases := []struct {
		name string
		tx   func() *Tx
		want ErrorKind // empty: accepted
	}{
		{"version 2", func() *Tx {
			tx := g.spendTx(one, []TxOut{g.pay(value)}, 0)
			tx.Version = 2
			g.Sign(tx, []TxOut{spend.out})
			return tx
		}, ErrBadTxVersion},
		{"version 1", func() *Tx { return g.spendTx(one, []TxOut{g.pay(value)}, 0) }, ""},
		{"no outputs", func() *Tx { return g.spendTx(one, nil, 0) }, ErrNoTxOutputs},
		{"no inputs", func() *Tx { return g.spendTx(nil, []TxOut{g.pay(0)}, 0) }, ErrNoTxInputs},
		{"duplicate input", func() *Tx {
			return g.spendTx([]*spendableOut{spend, spend}, []TxOut{g.pay(value)}, 0)
		}, ErrDuplicateInput},
		{"output above MaxMoney", func() *Tx { return g.spendTx(one, []TxOut{g.pay(MaxMoney + 1)}, 0) }, ErrBadTxOutValue},
		{"output at MaxMoney", func() *Tx { return g.spendTx(one, []TxOut{g.pay(MaxMoney)}, 0) }, ErrSpendTooHigh},
		{"outputs sum past MaxMoney", func() *Tx {
			return g.spendTx(one, []TxOut{g.pay(MaxMoney/2 + 1), g.pay(MaxMoney/2 + 1)}, 0)
		}, ErrTotalOutValue},
		{"outputs sum wraps u64", func() *Tx {
			return g.spendTx(one, []TxOut{g.pay(1 << 63), g.pay(1 << 63)}, 0)
		}, ErrBadTxOutValue},
		{"zero-value output", func() *Tx { return g.spendTx(one, []TxOut{g.pay(value - 1000), g.pay(0)}, 0) }, ""},
		{"outputs exceed inputs", func() *Tx { return g.spendTx(one, []TxOut{g.pay(value + 1)}, 0) }, ErrSpendTooHigh},
		{"outputs equal inputs", func() *Tx { return g.spendTx(one, []TxOut{g.pay(value)}, 0) }, ""},
		{"missing output", func() *Tx {
			missing := &spendableOut{op: OutPoint{TxID: DoubleSHA256([]byte("nowhere"))}, out: spend.out}
			return g.spendTx([]*spendableOut{missing}, []TxOut{g.pay(1)}, 0)
		}, ErrMissingInput},
		{"null outpoint in a spend", func() *Tx {
			null := &spendableOut{op: NullOutPoint, out: spend.out}
			return g.spendTx([]*spendableOut{null, spend}, []TxOut{g.pay(1)}, 0)
		}, ErrMissingInput},
		{"too big", func() *Tx {
			outputs := make([]TxOut, MaxTxSize/40)
			for i := range outputs {
				outputs[i] = g.pay(0)
			}
			return g.spendTx(one, outputs, 0)
		}, ErrTxTooBig},
		{"height locktime equal to height", func() *Tx { return g.spendTx(one, []TxOut{g.pay(value)}, 16) }, ErrUnfinalizedTx},
		{"height locktime below height", func() *Tx { return g.spendTx(one, []TxOut{g.pay(value)}, 15) }, ""},
		{"time locktime equal to MTP", func() *Tx {
			return g.spendTx(one, []TxOut{g.pay(value)}, uint32(g.medianTimePast("b15")))
		}, ErrUnfinalizedTx},
		{"time locktime below MTP", func() *Tx {
			return g.spendTx(one, []TxOut{g.pay(value)}, uint32(g.medianTimePast("b15")-1))
		}, ""},
		{"bad signature", func() *Tx {
			tx := g.spendTx(one, []TxOut{g.pay(value)}, 0)
			tx.Inputs[0].Witness[63] ^= 1
			return tx
		}, ErrBadSignature},
		{"signature over another network's sighash", func() *Tx {
			tx := &Tx{Version: 1, Inputs: []TxIn{{Prev: spend.op}}, Outputs: []TxOut{g.pay(value)}}
			g.SignFor(tx, []TxOut{spend.out}, TestNetParams().GenesisHash)
			return tx
		}, ErrBadSignature},
		{"signature by another key", func() *Tx {
			other := &spendableOut{op: spend.op, out: TxOut{Value: value, PubKey: numsKey}}
			tx := g.spendTx([]*spendableOut{other}, []TxOut{g.pay(value)}, 0)
			return tx
		}, ErrBadSignature},
		{"witness of 63 bytes", func() *Tx {
			tx := g.spendTx(one, []TxOut{g.pay(value)}, 0)
			tx.Inputs[0].Witness = tx.Inputs[0].Witness[:63]
			return tx
		}, ErrBadWitnessSize},
		{"witness of 65 bytes", func() *Tx {
			tx := g.spendTx(one, []TxOut{g.pay(value)}, 0)
			tx.Inputs[0].Witness = append(tx.Inputs[0].Witness, 0)
			return tx
		}, ErrBadWitnessSize},
		{"signature s equal to the group order", func() *Tx {
			tx := g.spendTx(one, []TxOut{g.pay(value)}, 0)
			groupOrder.FillBytes(tx.Inputs[0].Witness[32:])
			return tx
		}, ErrBadSignatureEncoding},
		{"signature r equal to the field size", func() *Tx {
			tx := g.spendTx(one, []TxOut{g.pay(value)}, 0)
			fieldPrime.FillBytes(tx.Inputs[0].Witness[:32])
			return tx
		}, ErrBadSignatureEncoding},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g.t = t
			g.SetTip("b15")
			name := "tx: " + tc.name
			g.NextBlock(name, nil, addTx(tc.tx()))
			if tc.want == "" {
				g.AcceptTipBlock()
				g.reorgBackTo("b15")
				return
			}
			g.RejectTipBlock(tc.want)
			g.ExpectTip("b15")
		})
	}
}

// reorgBackTo makes the named main-chain block the tip again by
// invalidating its child on the main chain, so the next case starts from the
// same UTXO set.
func (g *harness) reorgBackTo(name string) {
	g.t.Helper()
	child, err := g.chain.BlockHashByHeight(g.heights[name] + 1)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := g.chain.InvalidateBlock(context.Background(), child); err != nil {
		g.t.Fatalf("invalidate %v: %v", child, err)
	}
	g.ExpectTip(name)
}

func TestSpendOrderInBlock(t *testing.T) {
	g := matureHarness(t, 15)
	spend := g.CoinbaseOut("b1")
	parent := g.spendTx([]*spendableOut{spend}, []TxOut{g.pay(spend.out.Value)}, 0)
	child := g.spendTx([]*spendableOut{{op: OutPoint{TxID: parent.TxID()}, out: parent.Outputs[0]}},
		[]TxOut{g.pay(parent.Outputs[0].Value)}, 0)
	other := g.spendTx([]*spendableOut{spend}, []TxOut{g.pay(spend.out.Value - 1)}, 0)

	g.NextBlock("spent_earlier_in_block", nil, addTx(parent, other))
	g.RejectTipBlock(ErrMissingInput)

	g.SetTip("b15")
	g.NextBlock("created_later_in_block", nil, addTx(child, parent))
	g.RejectTipBlock(ErrMissingInput)

	g.SetTip("b15")
	g.NextBlock("created_earlier_in_block", nil, addTx(parent, child))
	g.AcceptTipBlock()
	if _, ok, _ := g.chain.FetchUtxo(OutPoint{TxID: parent.TxID()}); ok {
		t.Fatal("output created and spent in one block is in the UTXO set")
	}
	if _, ok, _ := g.chain.FetchUtxo(OutPoint{TxID: child.TxID()}); !ok {
		t.Fatal("child's output is missing from the UTXO set")
	}

	g.NextBlock("spent_in_earlier_block", nil, addTx(other))
	g.RejectTipBlock(ErrMissingInput)
}

func TestCoinbaseMaturity(t *testing.T) {
	g := matureHarness(t, 1)
	maturity := int(g.params.CoinbaseMaturity)
	for i := 2; i < maturity; i++ {
		g.NextBlock("b"+itoa(i), nil)
		g.AcceptTipBlock()
	}
	// b1's coinbase is at height 1: spendable from height 1+maturity.
	g.NextBlock("depth_maturity_minus_1", g.CoinbaseOut("b1"))
	g.RejectTipBlock(ErrImmatureSpend)
	g.SetTip("b" + itoa(maturity-1))
	g.NextBlock("filler", nil)
	g.AcceptTipBlock()
	g.NextBlock("depth_maturity", g.CoinbaseOut("b1"))
	g.AcceptTipBlock()
}

func TestSubsidyHalving(t *testing.T) {
	p := RegTestParams()
	cases := []struct {
		height uint32
		want   uint64
	}{
		{0, 50 * UnitsPerFLT}, {149, 50 * UnitsPerFLT}, {150, 25 * UnitsPerFLT},
		{300, 1_250_000_000}, {150 * 32, 1}, {150 * 33, 0}, {150 * 64, 0}, {1<<32 - 1, 0},
	}
	for _, c := range cases {
		if got := p.CalcBlockSubsidy(c.height); got != c.want {
			t.Errorf("subsidy at %d = %d, want %d", c.height, got, c.want)
		}
	}
	if got := MainNetParams().CalcBlockSubsidy(210_000); got != 25*UnitsPerFLT {
		t.Errorf("main subsidy after one halving = %d", got)
	}
}

func isKind(err error, kind ErrorKind) bool {
	var re RuleError
	return errors.As(err, &re) && re.Err == kind
}

func TestWrongBodyCannotShadowOrphan(t *testing.T) {
	g := matureHarness(t, 2)
	g.NextBlock("parent", nil)
	child := g.NextBlock("child", nil)
	wrong := &Block{Header: child.Header, Txs: []*Tx{g.Block("parent").Txs[0]}}
	if res, err := g.process(wrong); !isKind(err, ErrBadMerkleRoot) || res.Orphan {
		t.Fatalf("wrong-body orphan: orphan=%v err=%v, want ErrBadMerkleRoot", res.Orphan, err)
	}
	if res, err := g.process(child); err != nil || !res.Orphan {
		t.Fatalf("honest orphan: orphan=%v err=%v", res.Orphan, err)
	}
	g.AcceptBlock("parent")
	g.ExpectTip("child")
}

func TestReconsideredHeaderOnlyParent(t *testing.T) {
	g := matureHarness(t, 2)
	g.NextBlock("bad", nil, func(b *Block) { b.Txs[0].LockTime = 0 })
	g.RejectTipBlock(ErrBadCoinbaseLockTime)
	g.NextBlock("child_of_bad", nil)
	g.RejectTipBlock(ErrInvalidAncestor)
	if err := g.chain.ReconsiderBlock(t.Context(), g.Block("child_of_bad").BlockHash()); err != nil {
		t.Fatal(err)
	}
	// The parent's body is not stored: the child's is stored and waits
	// for it.
	if res, err := g.process(g.Block("child_of_bad")); err != nil || res.Orphan || !res.AwaitingParent {
		t.Fatalf("child of a header-only parent: orphan=%v awaiting=%v err=%v, want stored awaiting its parent",
			res.Orphan, res.AwaitingParent, err)
	}
	g.RejectBlock("bad", ErrBadCoinbaseLockTime) // still breaks its rule
	g.reopen()
	g.ExpectTip("b2")
	g.RejectBlock("bad", ErrKnownInvalid)
}
