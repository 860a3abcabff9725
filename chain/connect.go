package chain

import (
	"fmt"
	"math/bits"

	"github.com/dgraph-io/badger/v4"
)

// viewEntry is an output seen while connecting one block: read from the
// UTXO set or created by an earlier transaction of the block.
type viewEntry struct {
	entry   UtxoEntry
	created bool // created by this block
	spent   bool // spent by this block
}

// utxoView overlays one block's changes on the stored UTXO set, so that an
// input sees exactly the outputs left by earlier transactions of the block.
type utxoView struct {
	txn     *badger.Txn
	entries map[OutPoint]*viewEntry
}

// spend marks op spent and returns its entry, or ok=false if it does not
// exist or is already spent.
func (v *utxoView) spend(op OutPoint) (UtxoEntry, bool, error) {
	ve := v.entries[op]
	if ve == nil {
		e, ok, err := readUtxo(v.txn, op)
		if err != nil || !ok {
			return UtxoEntry{}, false, err
		}
		ve = &viewEntry{entry: e}
		v.entries[op] = ve
	}
	if ve.spent {
		return UtxoEntry{}, false, nil
	}
	ve.spent = true
	return ve.entry, true, nil
}

// connectBlock validates b against the UTXO set (SPEC §6 rules 8 and 9 and
// signatures) and, if it passes, makes it the new tip in one database
// transaction: UTXO set and address index, undo data, tx index, main-chain
// index and tip. Signatures are verified in parallel unless verifySigs is
// false (only for blocks that connected before). Caller holds processLock;
// n's parent is the tip.
func (c *BlockChain) connectBlock(n *blockNode, b *Block, verifySigs bool) error {
	if n.parent != c.tip() {
		return AssertError(fmt.Sprintf("connecting %v whose parent is not the tip", n.hash))
	}
	txn := c.db.NewTransaction(true)
	defer txn.Discard()
	view := &utxoView{txn: txn, entries: make(map[OutPoint]*viewEntry, 4*len(b.Txs))}

	var spent []UtxoEntry
	var fees uint64
	var checks *SigChecks
	if verifySigs && len(b.Txs) > 1 {
		checks = c.blockSigChecks(b)
	}
	offset := uint32(HeaderSize + VarIntSize(uint64(len(b.Txs))))
	for i, tx := range b.Txs {
		txid := tx.TxID()
		size := uint32(tx.SerializeSize())
		err := txn.Set(hashKey(prefixTxIndex, txid), encodeTxLocation(txLocation{block: n.hash, offset: offset, length: size}))
		if err != nil {
			return err
		}
		offset += size
		if i > 0 {
			fee, err := c.spendInputs(view, n.height, tx, txid, &spent, checks)
			if err != nil {
				return err
			}
			var carry uint64
			if fees, carry = bits.Add64(fees, fee, 0); carry != 0 || fees > MaxMoney {
				return ruleError(ErrBadTxOutValue, "block fees overflow")
			}
		}
		for idx, out := range tx.Outputs {
			op := OutPoint{TxID: txid, Index: uint32(idx)}
			view.entries[op] = &viewEntry{created: true, entry: UtxoEntry{Output: out, Height: n.height, IsCoinbase: i == 0}}
		}
	}

	// The block's signatures are checked in batches, one per core, the
	// first while later inputs are looked up, the last while the rest of
	// the block is checked and its writes are staged; the writes take
	// effect only at Commit, after every signature verified.
	var sigsDone <-chan error
	if checks != nil && checks.Len() > 0 {
		sigsDone = c.verifyBlockSigs(checks)
	}
	// finish waits for the signature checks; the first error wins.
	finish := func(err error) error {
		if sigsDone == nil {
			return err
		}
		serr := <-sigsDone
		sigsDone = nil
		if err != nil {
			return err
		}
		return serr
	}
	var paid uint64
	for _, out := range b.Txs[0].Outputs {
		paid += out.Value // bounded by MaxMoney: checked by CheckTransactionSanity
	}
	if limit := c.params.CalcBlockSubsidy(n.height) + fees; paid > limit {
		return finish(ruleError(ErrBadCoinbaseValue, "coinbase pays %d, subsidy plus fees is %d", paid, limit))
	}
	updated := *n
	updated.status |= statusValid
	if err := stageConnect(txn, view, spent, &updated); err != nil {
		return finish(err)
	}
	if err := finish(nil); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("connect block %v: %w", n.hash, err)
	}

	c.stateLock.Lock()
	n.status = updated.status
	c.mainChain = append(c.mainChain, n)
	c.stateLock.Unlock()
	c.touched[n.hash] = b
	return nil
}

// stageConnect adds to txn the writes that make n (with its new status)
// the tip: the view's net UTXO changes with the address index, the undo
// data, the index record, the height index and the tip.
func stageConnect(txn *badger.Txn, view *utxoView, spent []UtxoEntry, n *blockNode) error {
	for op, ve := range view.entries {
		var err error
		switch {
		case ve.created && !ve.spent:
			err = writeUtxo(txn, op, &ve.entry)
		case !ve.created && ve.spent:
			err = deleteUtxo(txn, op, &ve.entry)
		}
		if err != nil {
			return err
		}
	}
	if err := txn.Set(hashKey(prefixUndo, n.hash), encodeUndo(spent)); err != nil {
		return err
	}
	if err := writeIndexNode(txn, n); err != nil {
		return err
	}
	if err := txn.Set(mainKey(n.height), n.hash[:]); err != nil {
		return err
	}
	return txn.Set(keyTip, n.hash[:])
}

// spendInputs spends tx's inputs in view, appending the spent entries to
// spent and queueing the signature checks in checks (none if nil), and
// returns the fee.
func (c *BlockChain) spendInputs(view *utxoView, height uint32, tx *Tx, txid Hash,
	spent *[]UtxoEntry, checks *SigChecks) (uint64, error) {
	entries := make([]UtxoEntry, len(tx.Inputs))
	for j, input := range tx.Inputs {
		e, ok, err := view.spend(input.Prev)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, ruleError(ErrMissingInput, "transaction %v input %d spends missing or spent output %v:%d",
				txid, j, input.Prev.TxID, input.Prev.Index)
		}
		entries[j] = e
	}
	fee, err := CheckTransactionInputs(tx, txid, height, entries, c.params)
	if err != nil {
		return 0, err
	}
	*spent = append(*spent, entries...)
	if checks != nil {
		spentOuts := make([]TxOut, len(entries))
		for j := range entries {
			spentOuts[j] = entries[j].Output
		}
		for j, input := range tx.Inputs {
			checks.Add(CalcSigHash(c.params.GenesisHash, txid, j, spentOuts), spentOuts[j].PubKey, input.Witness, txid, j)
		}
	}
	return fee, nil
}

// CheckTransactionInputs applies SPEC §6 rule 8 to a non-coinbase
// transaction included at height whose inputs spend entries, in input
// order: a coinbase output is spent only once mature, and the inputs hold
// at least what the outputs pay. It returns the fee. The entries' existence
// and the signatures are the caller's to check; the mempool and block
// connection share this function.
func CheckTransactionInputs(tx *Tx, txid Hash, height uint32, entries []UtxoEntry, p *Params) (uint64, error) {
	if len(entries) != len(tx.Inputs) {
		return 0, AssertError(fmt.Sprintf("%d spent entries for %d inputs", len(entries), len(tx.Inputs)))
	}
	var in uint64
	for j, e := range entries {
		if e.IsCoinbase && height < e.Height+p.CoinbaseMaturity {
			return 0, ruleError(ErrImmatureSpend, "transaction %v input %d spends a coinbase of height %d at height %d (maturity %d)",
				txid, j, e.Height, height, p.CoinbaseMaturity)
		}
		// Each value is at most MaxMoney in a valid UTXO set; checked
		// arithmetic keeps a corrupted one from wrapping.
		var carry uint64
		if in, carry = bits.Add64(in, e.Output.Value, 0); carry != 0 {
			return 0, ruleError(ErrBadTxOutValue, "transaction %v inputs overflow", txid)
		}
	}
	var out uint64
	for _, o := range tx.Outputs {
		out += o.Value // bounded by CheckTransactionSanity
	}
	if out > in {
		return 0, ruleError(ErrSpendTooHigh, "transaction %v spends %d but its inputs hold %d", txid, out, in)
	}
	return in - out, nil
}

// disconnectBlock undoes the tip block n in one database transaction,
// restoring the outputs it spent from its undo data. Caller holds
// processLock.
func (c *BlockChain) disconnectBlock(n *blockNode) error {
	if n != c.tip() || n.parent == nil {
		return AssertError(fmt.Sprintf("disconnecting %v which is not a tip above genesis", n.hash))
	}
	b, err := c.loadBlock(n.hash)
	if err != nil {
		return err
	}
	txn := c.db.NewTransaction(true)
	defer txn.Discard()
	v, ok, err := getValue(txn, hashKey(prefixUndo, n.hash))
	if err != nil {
		return err
	}
	if !ok {
		return AssertError("no undo data for block " + n.hash.String())
	}
	spent, err := decodeUndo(v)
	if err != nil {
		return err
	}

	// Restore what the block spent first, then delete what it created:
	// within a badger transaction the last write to a key wins, so an
	// output both created and spent by the block ends up absent.
	k := 0
	for _, tx := range b.Txs[1:] {
		for _, in := range tx.Inputs {
			if k >= len(spent) {
				return AssertError("undo data of block " + n.hash.String() + " is short")
			}
			if err := writeUtxo(txn, in.Prev, &spent[k]); err != nil {
				return err
			}
			k++
		}
	}
	if k != len(spent) {
		return AssertError("undo data of block " + n.hash.String() + " is long")
	}
	for _, tx := range b.Txs {
		txid := tx.TxID()
		for idx, out := range tx.Outputs {
			if err := deleteUtxo(txn, OutPoint{TxID: txid, Index: uint32(idx)}, &UtxoEntry{Output: out}); err != nil {
				return err
			}
		}
		if err := txn.Delete(hashKey(prefixTxIndex, txid)); err != nil {
			return err
		}
	}
	for _, key := range [][]byte{hashKey(prefixUndo, n.hash), mainKey(n.height)} {
		if err := txn.Delete(key); err != nil {
			return err
		}
	}
	if err := txn.Set(keyTip, n.parent.hash[:]); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("disconnect block %v: %w", n.hash, err)
	}
	c.stateLock.Lock()
	c.mainChain = c.mainChain[:len(c.mainChain)-1]
	c.stateLock.Unlock()
	c.touched[n.hash] = b
	return nil
}

// loadBlock returns a stored block, from the blocks this ProcessBlock call
// has already read if it can. Caller holds processLock.
func (c *BlockChain) loadBlock(h Hash) (*Block, error) {
	if b := c.touched[h]; b != nil {
		return b, nil
	}
	return c.readBlock(h)
}

// readBlock reads a stored block from the database.
func (c *BlockChain) readBlock(h Hash) (*Block, error) {
	var raw []byte
	err := c.db.View(func(txn *badger.Txn) error {
		v, ok, err := getValue(txn, hashKey(prefixBlock, h))
		if err == nil && !ok {
			err = AssertError("block " + h.String() + " is not stored")
		}
		raw = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return DecodeBlock(raw, len(raw))
}
