package mempool

import (
	"errors"
	"time"

	"github.com/flint-chain/flint/chain"
)

// orphan is a transaction waiting for a parent the pool has not seen.
type orphan struct {
	tx      *chain.Tx
	txid    chain.Hash
	wtxid   chain.Hash
	peer    PeerID
	expires time.Time
}

// orphanPool holds orphans, bounded in number and age. Orphans have passed
// every context-free check (sanity, dust) but not their signatures: the
// outputs they spend are unknown. They are keyed by wtxid, not txid: a copy
// of a transaction with a garbled witness has the same txid, and must not
// keep the honest one out. Guarded by TxPool.mu.
type orphanPool struct {
	max    int
	life   time.Duration
	byID   map[chain.Hash]*orphan                    // wtxid -> orphan
	byPrev map[chain.OutPoint]map[chain.Hash]*orphan // outpoint -> orphans spending it, by wtxid
}

func newOrphanPool(max int, life time.Duration) *orphanPool {
	return &orphanPool{
		max:    max,
		life:   life,
		byID:   make(map[chain.Hash]*orphan),
		byPrev: make(map[chain.OutPoint]map[chain.Hash]*orphan),
	}
}

func (op *orphanPool) len() int                  { return len(op.byID) }
func (op *orphanPool) has(wtxid chain.Hash) bool { return op.byID[wtxid] != nil }

// hasTxID reports whether any orphan has the txid (at most max to scan).
func (op *orphanPool) hasTxID(txid chain.Hash) bool {
	for _, o := range op.byID {
		if o.txid == txid {
			return true
		}
	}
	return false
}

// add stores an orphan, first dropping expired ones and then, if the pool
// is full, an arbitrary one (map order is random, so a flood cannot choose
// which honest orphan goes).
func (op *orphanPool) add(tx *chain.Tx, txid chain.Hash, peer PeerID, now time.Time) {
	wtxid := tx.WTxID()
	if op.byID[wtxid] != nil {
		return
	}
	op.expire(now)
	for len(op.byID) >= op.max {
		for id := range op.byID {
			op.remove(id, false)
			break
		}
	}
	o := &orphan{tx: tx, txid: txid, wtxid: wtxid, peer: peer, expires: now.Add(op.life)}
	op.byID[wtxid] = o
	for _, in := range tx.Inputs {
		set := op.byPrev[in.Prev]
		if set == nil {
			set = make(map[chain.Hash]*orphan)
			op.byPrev[in.Prev] = set
		}
		set[wtxid] = o
	}
}

// remove drops the orphan with wtxid and, if redeemers is set, the orphans
// spending its outputs, recursively. It returns how many went.
func (op *orphanPool) remove(wtxid chain.Hash, redeemers bool) int {
	o := op.byID[wtxid]
	if o == nil {
		return 0
	}
	delete(op.byID, wtxid)
	for _, in := range o.tx.Inputs {
		if set := op.byPrev[in.Prev]; set != nil {
			delete(set, wtxid)
			if len(set) == 0 {
				delete(op.byPrev, in.Prev)
			}
		}
	}
	n := 1
	if redeemers {
		n += op.removeRedeemers(o.txid, len(o.tx.Outputs))
	}
	return n
}

// removeTxID drops every orphan with the txid (copies differing only in
// their witnesses).
func (op *orphanPool) removeTxID(txid chain.Hash, redeemers bool) int {
	n := 0
	for id, o := range op.byID {
		if o.txid == txid {
			n += op.remove(id, redeemers)
		}
	}
	return n
}

// removeRedeemers drops the orphans spending outputs of txid (which has
// nOutputs outputs) and their own redeemers: used when txid was refused.
func (op *orphanPool) removeRedeemers(txid chain.Hash, nOutputs int) int {
	n := 0
	for _, o := range op.redeemers(txid, nOutputs) {
		n += op.remove(o.wtxid, true)
	}
	return n
}

// redeemers returns the orphans spending outputs of txid.
func (op *orphanPool) redeemers(txid chain.Hash, nOutputs int) []*orphan {
	var out []*orphan
	if len(op.byID) == 0 {
		return nil
	}
	for i := range nOutputs {
		for _, o := range op.byPrev[chain.OutPoint{TxID: txid, Index: uint32(i)}] {
			if !containsOrphan(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

func containsOrphan(list []*orphan, o *orphan) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
}

// expire drops the orphans past their expiry.
func (op *orphanPool) expire(now time.Time) int {
	n := 0
	for id, o := range op.byID {
		if now.After(o.expires) {
			n += op.remove(id, false)
		}
	}
	return n
}

// removePeer drops every orphan the peer sent.
func (op *orphanPool) removePeer(peer PeerID) int {
	n := 0
	for id, o := range op.byID {
		if o.peer == peer {
			n += op.remove(id, false)
		}
	}
	return n
}

// removeForBlock drops the orphans a block confirms or conflicts with.
func (op *orphanPool) removeForBlock(b *chain.Block) {
	if len(op.byID) == 0 {
		return
	}
	for _, tx := range b.Txs {
		op.removeTxID(tx.TxID(), false)
		for _, in := range tx.Inputs {
			for id := range op.byPrev[in.Prev] {
				op.remove(id, true)
			}
		}
	}
}

// addOrphan holds tx, whose inputs are not all known, in the orphan pool
// unless it is known already or already confirmed.
func (mp *TxPool) addOrphan(tx *chain.Tx, txid chain.Hash, peer PeerID) error {
	for i := range tx.Outputs {
		_, ok, err := mp.cfg.FetchUtxo(chain.OutPoint{TxID: txid, Index: uint32(i)})
		if err != nil {
			return err
		}
		if ok {
			return policyError(ErrAlreadyConfirmed, "transaction %v is already in the chain", txid)
		}
	}
	mp.mu.Lock()
	defer mp.mu.Unlock()
	return mp.addOrphanLocked(tx, txid, peer)
}

// addOrphanLocked is addOrphan without the chain check. Caller holds mu
// for writing.
func (mp *TxPool) addOrphanLocked(tx *chain.Tx, txid chain.Hash, peer PeerID) error {
	if mp.pool[txid] != nil || mp.orphans.has(tx.WTxID()) {
		return policyError(ErrDuplicate, "transaction %v is already known", txid)
	}
	mp.orphans.add(tx, txid, peer, mp.now())
	mp.log.Debug("orphan transaction held", "txid", txid, "peer", peer, "orphans", mp.orphans.len())
	return nil
}

// processOrphans accepts the orphans waiting for txid (with nOutputs
// outputs), and recursively those waiting for them, and returns the ones
// that entered the pool. An orphan refused is dropped with its own
// orphans; one still missing another parent stays.
func (mp *TxPool) processOrphans(txid chain.Hash, nOutputs int, added time.Time) []*chain.Tx {
	type parent struct {
		txid chain.Hash
		n    int
	}
	var accepted []*chain.Tx
	queue := []parent{{txid, nOutputs}}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		mp.mu.Lock()
		ready := mp.orphans.redeemers(p.txid, p.n)
		for _, o := range ready {
			mp.orphans.remove(o.wtxid, false)
		}
		mp.mu.Unlock()
		for _, o := range ready {
			_, orphan, err := mp.acceptOne(o.tx, o.txid, o.peer, added)
			switch {
			case err != nil:
				if dropsRedeemers(err) {
					mp.mu.Lock()
					mp.orphans.removeRedeemers(o.txid, len(o.tx.Outputs))
					mp.mu.Unlock()
				}
				mp.log.Debug("orphan refused", "txid", o.txid, "err", err)
			case !orphan:
				accepted = append(accepted, o.tx)
				queue = append(queue, parent{o.txid, len(o.tx.Outputs)})
			}
		}
	}
	return accepted
}

// RemovePeer drops the orphans a peer sent; the node calls it when the
// peer disconnects. It returns how many went.
func (mp *TxPool) RemovePeer(peer PeerID) int {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	return mp.orphans.removePeer(peer)
}

// dropsRedeemers reports whether a refusal of a transaction condemns the
// orphans spending its outputs. A failure of the witness alone does not: a
// copy with a garbled signature has the honest transaction's txid, which
// may still arrive; nor does being confirmed already, or known.
func dropsRedeemers(err error) bool {
	if errorIs(err, ErrDuplicate) || errorIs(err, ErrAlreadyConfirmed) {
		return false
	}
	for _, witness := range []error{chain.ErrBadSignature, chain.ErrBadSignatureEncoding, chain.ErrBadWitnessSize} {
		if errors.Is(err, witness) {
			return false
		}
	}
	return true
}
