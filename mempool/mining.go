package mempool

import (
	"container/heap"
	"slices"

	"github.com/flint-chain/flint/chain"
)

// minTxSize is the size of the smallest spend: one input with its 64-byte
// signature and one output. Selection stops once less room than this is
// left.
const minTxSize = 4 + 1 + 36 + 1 + 40 + 4 + 1 + chain.SignatureSize

// maxSelectionFailures is how many packages in a row may fail to fit
// before selection gives up on a nearly full block (as Bitcoin Core).
const maxSelectionFailures = 1000

// MiningTxs returns the transactions a block template should carry, at
// most maxSize bytes of them together, and their total fee: the miner's
// TxSource. Transactions are chosen by ancestor fee rate, a transaction
// together with its unconfirmed ancestors not yet chosen (a package), so a
// high-fee child pulls in its low-fee parent (child pays for parent); the
// result is in topological order, parents before children, as a block
// needs. Safe for concurrent access.
func (mp *TxPool) MiningTxs(maxSize int) ([]*chain.Tx, uint64) {
	mp.mu.RLock()
	defer mp.mu.RUnlock()

	h := make(pkgHeap, 0, len(mp.pool))
	for _, e := range mp.pool {
		h = append(h, pkgItem{e: e, fee: e.ancFee, size: e.ancSize})
	}
	heap.Init(&h)
	included := make(map[*entry]struct{})
	version := make(map[*entry]int) // bumped when an entry's package changes

	var txs []*chain.Tx
	var fees uint64
	size, failures := 0, 0
	for h.Len() > 0 && maxSize-size >= minTxSize {
		it := heap.Pop(&h).(pkgItem)
		if _, done := included[it.e]; done || it.ver != version[it.e] {
			continue
		}
		if size+it.size > maxSize {
			failures++
			if failures > maxSelectionFailures {
				break
			}
			continue
		}
		failures = 0
		pkg := packageOf(it.e, included)
		sortTopological(pkg)
		for _, x := range pkg {
			included[x] = struct{}{}
			txs = append(txs, x.tx)
			fees += x.fee
			size += x.size
		}
		// The packages of the chosen transactions' descendants shrank:
		// queue them again with their new fee rates.
		var kids []*entry
		for _, x := range pkg {
			for c := range x.children {
				kids = append(kids, c)
			}
		}
		for _, d := range descendantsOf(kids) {
			if _, done := included[d]; done {
				continue
			}
			version[d]++
			var f uint64
			var s int
			for _, x := range packageOf(d, included) {
				f += x.fee
				s += x.size
			}
			heap.Push(&h, pkgItem{e: d, fee: f, size: s, ver: version[d]})
		}
	}
	return txs, fees
}

// packageOf returns e and its ancestors not yet included. Caller holds mu.
func packageOf(e *entry, included map[*entry]struct{}) []*entry {
	out := []*entry{e}
	seen := map[*entry]struct{}{e: {}}
	for i := 0; i < len(out); i++ {
		for p := range out[i].parents {
			_, s := seen[p]
			_, inc := included[p]
			if !s && !inc {
				seen[p] = struct{}{}
				out = append(out, p)
			}
		}
	}
	return out
}

// sortTopological orders entries parents first: a transaction has more
// unconfirmed ancestors than each of its parents. Caller holds mu.
func sortTopological(list []*entry) {
	slices.SortFunc(list, func(a, b *entry) int {
		if a.ancCount != b.ancCount {
			return a.ancCount - b.ancCount
		}
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
}

// pkgItem is a candidate package: an entry with the fee and size of it and
// its ancestors not yet chosen, as of version ver.
type pkgItem struct {
	e    *entry
	fee  uint64
	size int
	ver  int
}

// pkgHeap is a max-heap of packages by fee rate; on a tie, the older entry
// first.
type pkgHeap []pkgItem

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h pkgHeap) Len() int { return len(h) }
func (h pkgHeap) Less(i, j int) bool {
	if c := cmpRate(h[i].fee, h[i].size, h[j].fee, h[j].size); c != 0 {
		return c > 0
	}
	return h[i].e.seq < h[j].e.seq
}
func (h pkgHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pkgHeap) Push(x any)   { *h = append(*h, x.(pkgItem)) }
func (h *pkgHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
