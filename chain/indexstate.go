package chain

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// This file keeps the block index's derived state: which blocks could be
// the tip (candidates), which stored bodies wait for an ancestor's
// (unlinked), the best header, and status changes written entry by entry.

// linkLoaded sets n's memory-only status bits while the index is loaded in
// height order: an invalid ancestor is inherited from the parent, and a
// stored body whose ancestors' bodies are all stored makes n chain stored
// (and a candidate if it could be the tip). Caller holds processLock; the
// main chain is already built.
func (c *BlockChain) linkLoaded(n *blockNode) {
	if p := n.parent; p != nil && p.status.knownInvalid() {
		n.status |= statusInvalidAncestor
	}
	if n.status&statusDataStored == 0 {
		return
	}
	if p := n.parent; p != nil && p.status&statusChainStored == 0 {
		c.unlinked[p] = append(c.unlinked[p], n)
		return
	}
	n.status |= statusChainStored
	if tip := c.tip(); !n.status.knownInvalid() && (n == tip || n.betterThan(tip)) {
		c.candidates[n] = struct{}{}
	}
}

// linkStored records that n's body is now stored. If its parent's chain is
// stored, n and every stored descendant waiting on it become chain stored
// and candidates; otherwise n waits in unlinked. It reports whether n is
// chain stored. Caller holds processLock.
func (c *BlockChain) linkStored(n *blockNode) bool {
	if p := n.parent; p != nil && p.status&statusChainStored == 0 {
		c.unlinked[p] = append(c.unlinked[p], n)
		return false
	}
	c.stateLock.Lock()
	defer c.stateLock.Unlock()
	queue := []*blockNode{n}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		x.status |= statusChainStored
		if !x.status.knownInvalid() {
			c.candidates[x] = struct{}{}
		}
		queue = append(queue, c.unlinked[x]...)
		delete(c.unlinked, x)
	}
	return true
}

// bestCandidate returns the block the chain should have as its tip: the
// best of the candidates, or the tip itself if none is better. Candidates
// that are invalid or no better than the tip are dropped on the way; the
// tip only loses work through InvalidateBlock, which rebuilds the set.
// Caller holds processLock.
func (c *BlockChain) bestCandidate() *blockNode {
	tip := c.tip()
	best := tip
	for n := range c.candidates {
		if n.status.knownInvalid() || !n.betterThan(tip) {
			delete(c.candidates, n)
			continue
		}
		if n.betterThan(best) {
			best = n
		}
	}
	return best
}

// rebuildCandidates recomputes the candidate set from the whole index,
// after the tip moved back or invalid marks were cleared. It scans the
// index in memory (no database access); only InvalidateBlock and
// ReconsiderBlock, operator tools, need it. Caller holds processLock.
func (c *BlockChain) rebuildCandidates() {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	clear(c.candidates)
	tip := c.tip()
	for _, n := range c.index {
		if n.status&statusChainStored != 0 && !n.status.knownInvalid() && n.betterThan(tip) {
			c.candidates[n] = struct{}{}
		}
	}
}

// findBestHeader returns the header with the most work that is not known
// invalid (the first seen among equals), scanning the index. Caller holds
// stateLock or processLock.
func (c *BlockChain) findBestHeader() *blockNode {
	best := c.tip()
	for _, n := range c.index {
		if !n.status.knownInvalid() && n.betterThan(best) {
			best = n
		}
	}
	return best
}

// addNode puts a new node in the index and makes it the best header if it
// has more work than the best one. Caller holds processLock and stateLock.
func (c *BlockChain) addNodeLocked(n *blockNode) {
	c.index[n.hash] = n
	if !n.status.knownInvalid() && n.workSum.cmp(c.bestHeader.workSum) > 0 {
		c.bestHeader = n
	}
}

// markInvalid marks n as breaking a rule and every descendant as having an
// invalid ancestor. Only n's entry is written: an invalid ancestor is
// derived again when the index is loaded. Caller holds processLock.
func (c *BlockChain) markInvalid(n *blockNode) error {
	if n.status&statusInvalid == 0 {
		if err := c.setStatus(map[*blockNode]blockStatus{n: n.status | statusInvalid}); err != nil {
			return err
		}
	}
	ds := c.descendants(n)
	c.stateLock.Lock()
	defer c.stateLock.Unlock()
	for _, d := range ds {
		d.status |= statusInvalidAncestor
	}
	if c.bestHeader.ancestor(n.height) == n {
		c.bestHeader = c.findBestHeader()
	}
	return nil
}

// descendants returns every node in the index that descends from n. It
// scans the index in memory. Caller holds processLock.
func (c *BlockChain) descendants(n *blockNode) []*blockNode {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	var ds []*blockNode
	for _, d := range c.index {
		if d.height > n.height && d.ancestor(n.height) == n {
			ds = append(ds, d)
		}
	}
	return ds
}

// setStatus writes the persisted part of the given nodes' new statuses and
// then applies them in memory. Only entries whose persisted status changes
// are written, in transactions of at most statusBatch entries, so the
// writes stay within badger's transaction limits however many there are.
// Caller holds processLock.
func (c *BlockChain) setStatus(changes map[*blockNode]blockStatus) error {
	var dirty []*blockNode
	for n, status := range changes {
		if status&statusPersisted != n.status&statusPersisted {
			dirty = append(dirty, n)
		}
	}
	for len(dirty) > 0 {
		batch := dirty[:min(len(dirty), statusBatch)]
		dirty = dirty[len(batch):]
		err := c.db.Update(func(txn *badger.Txn) error {
			for _, n := range batch {
				rec := *n
				rec.status = changes[n]
				if err := writeIndexNode(txn, &rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("update block status: %w", err)
		}
	}
	c.stateLock.Lock()
	defer c.stateLock.Unlock()
	for n, status := range changes {
		n.status = status
	}
	return nil
}

// statusBatch bounds the index entries written by one status transaction.
const statusBatch = 10_000
