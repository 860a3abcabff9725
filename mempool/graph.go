package mempool

import (
	"container/heap"
	"math"
	"time"

	"github.com/flint-chain/flint/chain"
)

// The pool keeps, for every transaction, the sums over its unconfirmed
// ancestors and over its unconfirmed descendants (counts, sizes, fees).
// Insertion updates them incrementally; removal subtracts; the rare case
// of a transaction entering below existing children (a reorganisation
// putting back a block's transactions) recomputes the affected part. Every
// function here is called with TxPool.mu held for writing unless it says
// otherwise.

// ancestorsOf returns list and all the unconfirmed ancestors of its
// entries, each once. Caller holds mu (read or write).
func ancestorsOf(list []*entry) []*entry {
	return closure(list, func(e *entry) map[*entry]struct{} { return e.parents })
}

// descendantsOf returns list and all the unconfirmed descendants of its
// entries, each once. Caller holds mu (read or write).
func descendantsOf(list []*entry) []*entry {
	return closure(list, func(e *entry) map[*entry]struct{} { return e.children })
}

// closure returns list and everything reachable from it through next.
func closure(list []*entry, next func(*entry) map[*entry]struct{}) []*entry {
	if len(list) == 0 {
		return nil
	}
	out := append([]*entry(nil), list...)
	seen := make(map[*entry]struct{}, len(list))
	for _, e := range list {
		seen[e] = struct{}{}
	}
	for i := 0; i < len(out); i++ {
		for n := range next(out[i]) {
			if _, ok := seen[n]; !ok {
				seen[n] = struct{}{}
				out = append(out, n)
			}
		}
	}
	return out
}

// keys returns the entries of a set.
func keys(set map[*entry]struct{}) []*entry {
	out := make([]*entry, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	return out
}

// link records that child spends an output of parent.
func link(parent, child *entry) {
	if parent.children == nil {
		parent.children = make(map[*entry]struct{})
	}
	if child.parents == nil {
		child.parents = make(map[*entry]struct{})
	}
	parent.children[child] = struct{}{}
	child.parents[parent] = struct{}{}
}

// insertLocked adds a validated transaction to the pool.
func (mp *TxPool) insertLocked(tx *chain.Tx, txid chain.Hash, size int, v *validation, added time.Time, height uint32) *entry {
	e := &entry{
		tx: tx, txid: txid, size: size, fee: v.fee, added: added, height: height,
		seq: mp.nextSeq, maturity: v.maturity,
		ancCount: 1, ancSize: size, ancFee: v.fee,
		descCount: 1, descSize: size, descFee: v.fee,
	}
	mp.nextSeq++
	mp.queueEvent(poolEvent{tx: tx, fee: v.fee})
	for _, p := range v.parents {
		link(p, e)
	}
	for _, a := range v.ancestors {
		e.ancCount++
		e.ancSize += a.size
		e.ancFee += a.fee
		a.descCount++
		a.descSize += size
		a.descFee += v.fee
		mp.evict.fix(a)
	}
	mp.pool[txid] = e
	for _, in := range tx.Inputs {
		mp.spends[in.Prev] = e
	}
	heap.Push(&mp.evict, e)
	mp.bytes += int64(size)

	// After a reorganisation, pool transactions may already spend the
	// outputs of a transaction put back from a disconnected block.
	relinked := false
	for i := range tx.Outputs {
		if c := mp.spends[chain.OutPoint{TxID: txid, Index: uint32(i)}]; c != nil {
			link(e, c)
			relinked = true
		}
	}
	if relinked {
		affected := append(ancestorsOf([]*entry{e}), descendantsOf(keys(e.children))...)
		for _, x := range affected {
			mp.recomputeLocked(x)
		}
	}
	return e
}

// recomputeLocked sets x's aggregates from its ancestors and descendants.
func (mp *TxPool) recomputeLocked(x *entry) {
	x.ancCount, x.ancSize, x.ancFee = 1, x.size, x.fee
	for _, a := range ancestorsOf(keys(x.parents)) {
		x.ancCount++
		x.ancSize += a.size
		x.ancFee += a.fee
	}
	x.descCount, x.descSize, x.descFee = 1, x.size, x.fee
	for _, d := range descendantsOf(keys(x.children)) {
		x.descCount++
		x.descSize += d.size
		x.descFee += d.fee
	}
	mp.evict.fix(x)
}

// removeLocked removes the victims from the pool. Descendants of a victim
// that are not victims themselves stay (as when a parent is confirmed);
// their aggregates are adjusted.
func (mp *TxPool) removeLocked(victims []*entry, reason RemovalReason) {
	for _, x := range victims {
		mp.queueEvent(poolEvent{tx: x.tx, reason: reason})
	}
	gone := make(map[*entry]struct{}, len(victims))
	for _, x := range victims {
		gone[x] = struct{}{}
	}
	for _, x := range victims {
		if len(x.parents) > 0 {
			for _, a := range ancestorsOf(keys(x.parents)) {
				if _, g := gone[a]; !g {
					a.descCount--
					a.descSize -= x.size
					a.descFee -= x.fee
					mp.evict.fix(a)
				}
			}
		}
		if len(x.children) > 0 {
			for _, d := range descendantsOf(keys(x.children)) {
				if _, g := gone[d]; !g {
					d.ancCount--
					d.ancSize -= x.size
					d.ancFee -= x.fee
				}
			}
		}
	}
	for _, x := range victims {
		delete(mp.pool, x.txid)
		for _, in := range x.tx.Inputs {
			if mp.spends[in.Prev] == x {
				delete(mp.spends, in.Prev)
			}
		}
		for p := range x.parents {
			delete(p.children, x)
		}
		for c := range x.children {
			delete(c.parents, x)
		}
		heap.Remove(&mp.evict, x.heapIdx)
		mp.bytes -= int64(x.size)
	}
}

// trimLocked evicts the packages with the lowest descendant fee rate until
// the pool fits its byte budget, and raises the rolling minimum fee rate
// above what it evicted so that it is not accepted again at once.
func (mp *TxPool) trimLocked() {
	evicted := 0
	for mp.bytes > mp.policy.MaxPoolBytes && len(mp.evict) > 0 {
		x := mp.evict[0]
		rate := NewFeeRate(x.descFee, x.descSize) + mp.policy.MinRelayFeeRate
		if float64(rate) > mp.minFee {
			mp.minFee = float64(rate)
			mp.minFeeTime = mp.now()
			mp.blockSinceBump = false
		}
		victims := descendantsOf([]*entry{x})
		mp.removeLocked(victims, RemovedEvicted)
		evicted += len(victims)
	}
	if evicted > 0 {
		mp.log.Debug("pool over its byte budget: evicted", "count", evicted, "minfeerate", FeeRate(mp.minFee))
	}
}

// rollingMinFeeHalfLife is how fast the rolling minimum fee rate decays
// once a block has arrived since it last rose: 12 hours, shorter while the
// pool is far below its budget.
const rollingMinFeeHalfLife = 12 * time.Hour

// rollingMinFeeLocked returns the pool's current minimum fee rate, raised
// by evictions and decaying with a half-life once a block has been seen
// since (Bitcoin Core's rolling minimum). It is zero once it decays below
// half the minimum relay fee rate. Caller holds mu (read or write).
func (mp *TxPool) rollingMinFeeLocked(now time.Time) FeeRate {
	if mp.minFee == 0 || !mp.blockSinceBump {
		return FeeRate(mp.minFee)
	}
	halfLife := rollingMinFeeHalfLife
	switch {
	case mp.bytes < mp.policy.MaxPoolBytes/4:
		halfLife /= 4
	case mp.bytes < mp.policy.MaxPoolBytes/2:
		halfLife /= 2
	}
	elapsed := max(now.Sub(mp.minFeeTime), 0)
	v := mp.minFee * math.Exp2(-float64(elapsed)/float64(halfLife))
	if v < float64(mp.policy.MinRelayFeeRate)/2 {
		return 0
	}
	return FeeRate(v)
}

// MinFeeRate returns the lowest fee rate the pool accepts now: the minimum
// relay fee rate, or the rolling minimum after evictions if higher.
func (mp *TxPool) MinFeeRate() FeeRate {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	return max(mp.policy.MinRelayFeeRate, mp.rollingMinFeeLocked(mp.now()))
}

// expireLocked removes transactions (and their descendants) that entered
// the pool longer ago than the expiry, and returns how many went.
func (mp *TxPool) expireLocked(now time.Time) int {
	cutoff := now.Add(-mp.policy.Expiry)
	var old []*entry
	for _, e := range mp.pool {
		if e.added.Before(cutoff) {
			old = append(old, e)
		}
	}
	if len(old) == 0 {
		return 0
	}
	victims := descendantsOf(old)
	mp.removeLocked(victims, RemovedExpired)
	mp.log.Debug("expired transactions", "count", len(victims))
	return len(victims)
}

// Expire removes the transactions older than the expiry, and their
// descendants, and expired orphans; it returns how many pool transactions
// went. The pool calls it on every connected block.
func (mp *TxPool) Expire() int {
	defer mp.notifyEvents()
	mp.mu.Lock()
	defer mp.mu.Unlock()
	now := mp.now()
	mp.orphans.expire(now)
	return mp.expireLocked(now)
}

// evictHeap is a min-heap of pool entries by descendant score: the higher
// of the entry's own fee rate and the fee rate of it with its descendants.
// The root is the first to go when the pool is full; on a tie, the newer.
type evictHeap []*entry

// score returns the fee and size whose ratio is e's descendant score.
func (e *entry) score() (uint64, int) {
	if cmpRate(e.fee, e.size, e.descFee, e.descSize) > 0 {
		return e.fee, e.size
	}
	return e.descFee, e.descSize
}

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h evictHeap) Len() int { return len(h) }
func (h evictHeap) Less(i, j int) bool {
	fi, si := h[i].score()
	fj, sj := h[j].score()
	if c := cmpRate(fi, si, fj, sj); c != 0 {
		return c < 0
	}
	return h[i].seq > h[j].seq
}
func (h evictHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}
func (h *evictHeap) Push(x any) {
	e := x.(*entry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}
func (h *evictHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.heapIdx = -1
	return e
}

// fix restores the heap order after e's score changed.
func (h *evictHeap) fix(e *entry) {
	if e.heapIdx >= 0 && e.heapIdx < len(*h) && (*h)[e.heapIdx] == e {
		heap.Fix(h, e.heapIdx)
	}
}
