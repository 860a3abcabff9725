package chain

import "math/big"

// blockStatus records what is known of a block in the index.
type blockStatus uint8

const (
	// statusDataStored: the block's body is on disk.
	statusDataStored blockStatus = 1 << iota
	// statusValid: the block was connected, so it passed every rule.
	statusValid
	// statusInvalid: the block broke a rule that its hash commits to.
	statusInvalid
	// statusInvalidAncestor: an ancestor of the block is invalid.
	statusInvalidAncestor
)

// knownInvalid reports whether the block or an ancestor is invalid.
func (s blockStatus) knownInvalid() bool {
	return s&(statusInvalid|statusInvalidAncestor) != 0
}

// blockNode is one header in the in-memory block index: every block the
// chain has stored or refused for a rule its hash commits to. Nodes are
// created and mutated only under BlockChain.stateLock.
type blockNode struct {
	hash    Hash
	parent  *blockNode
	height  uint32
	header  Header
	time    uint32   // header.Time, kept flat for the MTP walk
	workSum *big.Int // cumulative work of the chain ending here
	status  blockStatus
	seq     uint64 // first-seen order, for tie-breaks between equal work
}

// newBlockNode returns a node for header on top of parent (nil for genesis).
func newBlockNode(h *Header, parent *blockNode) *blockNode {
	n := &blockNode{
		hash:    h.BlockHash(),
		parent:  parent,
		header:  *h,
		time:    h.Time,
		workSum: CalcWork(h.Bits),
	}
	if parent != nil {
		n.height = parent.height + 1
		n.workSum.Add(n.workSum, parent.workSum)
	}
	return n
}

// ancestor returns the ancestor of n at height, or nil if height > n.height.
func (n *blockNode) ancestor(height uint32) *blockNode {
	if height > n.height {
		return nil
	}
	for n != nil && n.height > height {
		n = n.parent
	}
	return n
}

// medianTimePast returns the median of the times of n and up to ten of its
// ancestors: sorted[len/2] of those there are (SPEC §6 rule 2).
func (n *blockNode) medianTimePast() int64 {
	times := make([]int64, 0, MedianTimeBlocks)
	for it := n; it != nil && len(times) < MedianTimeBlocks; it = it.parent {
		times = append(times, int64(it.time))
	}
	return medianTime(times)
}

// findFork returns the last common ancestor of a and b.
func findFork(a, b *blockNode) *blockNode {
	for a != nil && b != nil && a.height > b.height {
		a = a.parent
	}
	for a != nil && b != nil && b.height > a.height {
		b = b.parent
	}
	for a != b && a != nil && b != nil {
		a, b = a.parent, b.parent
	}
	return a
}

// betterThan reports whether n should be the tip rather than other: more
// cumulative work, or equal work and seen first.
func (n *blockNode) betterThan(other *blockNode) bool {
	if c := n.workSum.Cmp(other.workSum); c != 0 {
		return c > 0
	}
	return n.seq < other.seq
}
