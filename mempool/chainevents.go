package mempool

import (
	"github.com/flint-chain/flint/chain"
)

// HandleChainNotification applies a chain notification to the pool; the
// node subscribes it with chain.BlockChain.Subscribe. It is called while
// the chain delivers its notifications and returns once the pool is
// updated.
func (mp *TxPool) HandleChainNotification(n chain.Notification) {
	if n.Block == nil {
		// The chain moved but the block could not be read: what
		// acceptances read of the UTXO set before is no longer trusted.
		mp.mu.Lock()
		mp.chainGen++
		mp.mu.Unlock()
		return
	}
	switch n.Type {
	case chain.BlockConnected:
		mp.BlockConnected(n.Block, n.Height)
	case chain.BlockDisconnected:
		mp.BlockDisconnected(n.Block, n.Height)
	}
}

// BlockConnected updates the pool for a block that joined the main chain
// at height: its transactions leave the pool (their fee rates feed the fee
// estimator), pool transactions that double-spend its inputs leave with
// their descendants, orphans it confirms or conflicts with are dropped,
// old transactions expire, and orphans waiting for its outputs are
// accepted.
func (mp *TxPool) BlockConnected(b *chain.Block, height uint32) {
	if len(b.Txs) == 0 {
		return
	}
	defer mp.notifyEvents()
	mp.mu.Lock()
	mp.chainGen++
	now := mp.now()
	var seen []confirmation
	removed, conflicts := 0, 0
	for _, tx := range b.Txs[1:] {
		if e := mp.pool[tx.TxID()]; e != nil {
			seen = append(seen, confirmation{rate: NewFeeRate(e.fee, e.size), blocks: int(height) - int(e.height)})
			mp.removeLocked([]*entry{e}, RemovedConfirmed)
			removed++
		}
		for _, in := range tx.Inputs {
			if c := mp.spends[in.Prev]; c != nil {
				victims := descendantsOf([]*entry{c})
				mp.removeLocked(victims, RemovedConflict)
				conflicts += len(victims)
			}
		}
	}
	mp.est.blockConnected(height, seen)
	mp.orphans.removeForBlock(b)
	mp.orphans.expire(now)
	expired := mp.expireLocked(now)
	if mp.minFee > 0 {
		if !mp.blockSinceBump {
			mp.blockSinceBump = true
			mp.minFeeTime = now
		} else if mp.rollingMinFeeLocked(now) == 0 {
			mp.minFee = 0
		}
	}
	count := len(mp.pool)
	mp.mu.Unlock()
	mp.log.Debug("block connected", "height", height, "confirmed", removed, "conflicts", conflicts,
		"expired", expired, "pool", count)

	for _, tx := range b.Txs {
		mp.processOrphans(tx.TxID(), len(tx.Outputs), now)
	}
}

// BlockDisconnected updates the pool for a block removed from the main
// chain at height by a reorganisation. Pool transactions that spend the
// block's coinbase, or that are no longer final or spend a coinbase no
// longer mature at the chain's tip, leave with their descendants. Then the
// block's other transactions are put back, in block order, by the normal
// acceptance (so those no longer valid are dropped). One that cannot be
// put back takes its pool descendants with it; if it went to the orphan
// pool (its parent is in a block disconnected next), they follow it there.
//
// Notifications of one reorganisation arrive after the chain reached its
// new tip, so the checks run against that tip.
func (mp *TxPool) BlockDisconnected(b *chain.Block, height uint32) {
	if len(b.Txs) == 0 {
		return
	}
	defer mp.notifyEvents()
	best := mp.cfg.BestState()
	next := best.Height + 1
	mp.mu.Lock()
	mp.chainGen++
	var invalid []*entry
	cb := b.Txs[0]
	cbid := cb.TxID()
	for i := range cb.Outputs {
		if c := mp.spends[chain.OutPoint{TxID: cbid, Index: uint32(i)}]; c != nil {
			invalid = append(invalid, c)
		}
	}
	for _, e := range mp.pool {
		if next < e.maturity || !chain.IsFinalTx(e.tx, next, best.MedianTime) {
			invalid = append(invalid, e)
		}
	}
	victims := descendantsOf(invalid)
	mp.removeLocked(victims, RemovedReorg)
	mp.mu.Unlock()

	now := mp.now()
	back, dropped := 0, 0
	for _, tx := range b.Txs[1:] {
		res, err := mp.accept(tx, "", now)
		switch {
		case err == nil && !res.Orphan, mp.Has(res.TxID): // a duplicate already back
			back++
		case errorIs(err, ErrAlreadyConfirmed):
			// The new branch confirms it too: its pool children stay.
		default:
			dropped++
			mp.detachSpenders(res.TxID, len(tx.Outputs), err == nil)
		}
	}
	mp.log.Debug("block disconnected", "height", height, "evicted", len(victims), "restored", back, "dropped", dropped)
}

// detachSpenders removes the pool transactions that spend outputs of txid
// (which has nOutputs outputs), and their descendants, after txid failed
// to come back from a disconnected block. With toOrphans set they move to
// the orphan pool, parents first, to wait for it.
func (mp *TxPool) detachSpenders(txid chain.Hash, nOutputs int, toOrphans bool) {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	var spenders []*entry
	for i := range nOutputs {
		if c := mp.spends[chain.OutPoint{TxID: txid, Index: uint32(i)}]; c != nil && !containsEntry(spenders, c) {
			spenders = append(spenders, c)
		}
	}
	if len(spenders) == 0 {
		return
	}
	victims := descendantsOf(spenders)
	mp.removeLocked(victims, RemovedReorg)
	if !toOrphans {
		return
	}
	sortTopological(victims)
	now := mp.now()
	for _, v := range victims {
		mp.orphans.add(v.tx, v.txid, "", now)
	}
}
