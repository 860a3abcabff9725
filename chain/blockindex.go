package chain

// blockStatus records what is known of a block in the index.
type blockStatus uint8

const (
	// statusDataStored: the block's body is on disk.
	statusDataStored blockStatus = 1 << iota
	// statusValid: the block was connected, so it passed every rule.
	statusValid
	// statusInvalid: the block broke a rule that its hash commits to.
	statusInvalid
	// statusInvalidAncestor (memory only): an ancestor of the block is
	// invalid. It is derived from the parent when the index is loaded, so
	// marking a block invalid or valid again writes one entry, not one per
	// descendant.
	statusInvalidAncestor

	// statusChainStored (memory only, never written): the bodies of the
	// block and of every ancestor are stored, so its chain can be
	// connected. Bitcoin Core's nChainTx > 0.
	statusChainStored blockStatus = 1 << 7

	// statusPersisted are the bits written to the database; a fourth bit
	// (statusInvalidAncestor) written by older versions is ignored.
	statusPersisted = statusDataStored | statusValid | statusInvalid
)

// knownInvalid reports whether the block or an ancestor is invalid.
func (s blockStatus) knownInvalid() bool {
	return s&(statusInvalid|statusInvalidAncestor) != 0
}

// blockNode is one header in the in-memory block index: every header the
// chain has accepted, with or without its body, and every block refused for
// a rule its hash commits to. Nodes are created and mutated only under
// BlockChain.stateLock (with processLock held too).
//
// A node is kept small, for a node holds one per block of the chain: the
// header is stored without its prev hash (the parent's hash) and the
// cumulative work inline. BenchmarkIndexMemory measures the bytes per entry.
type blockNode struct {
	parent     *blockNode
	skip       *blockNode // an ancestor further back, for ancestor in O(log n)
	hash       Hash
	workSum    work // cumulative work of the chain ending here
	merkleRoot Hash
	version    uint32
	time       uint32
	bits       uint32
	nonce      uint32
	height     uint32
	status     blockStatus
	seq        uint64 // order the body (or, for a header only, the header) arrived, for tie-breaks
}

// newBlockNode returns a node for header on top of parent (nil for genesis).
func newBlockNode(h *Header, parent *blockNode) *blockNode {
	return newBlockNodeHash(h, h.BlockHash(), parent)
}

// newBlockNodeHash is newBlockNode for a header whose hash is known.
func newBlockNodeHash(h *Header, hash Hash, parent *blockNode) *blockNode {
	n := &blockNode{
		hash:       hash,
		parent:     parent,
		merkleRoot: h.MerkleRoot,
		version:    h.Version,
		time:       h.Time,
		bits:       h.Bits,
		nonce:      h.Nonce,
		workSum:    workForBits(h.Bits),
	}
	if parent != nil {
		n.setParent(parent)
	}
	return n
}

// setParent links n, made without a parent, under parent: its height,
// cumulative work and skip pointer follow from the parent's.
func (n *blockNode) setParent(parent *blockNode) {
	n.parent = parent
	n.height = parent.height + 1
	n.workSum = n.workSum.add(parent.workSum)
	n.skip = parent.ancestor(skipHeight(n.height))
}

// header returns the node's block header.
func (n *blockNode) header() Header {
	h := Header{Version: n.version, MerkleRoot: n.merkleRoot, Time: n.time, Bits: n.bits, Nonce: n.nonce}
	if n.parent != nil {
		h.Prev = n.parent.hash
	}
	return h
}

// invertLowestOne clears the lowest set bit of n.
func invertLowestOne(n int64) int64 { return n & (n - 1) }

// skipHeight returns the height a node at height points back to with its
// skip pointer. The choice (Bitcoin Core's GetSkipHeight) makes any
// ancestor reachable in O(log n) steps of skip or parent pointers.
func skipHeight(height uint32) uint32 {
	if height < 2 {
		return 0
	}
	h := int64(height)
	// An odd height points back further than an even one, so that walks
	// alternate between long and short jumps.
	if h&1 != 0 {
		return uint32(invertLowestOne(invertLowestOne(h-1)) + 1)
	}
	return uint32(invertLowestOne(h))
}

// ancestor returns the ancestor of n at height, or nil if height > n.height.
// It takes O(log n) steps.
func (n *blockNode) ancestor(height uint32) *blockNode {
	if n == nil || height > n.height {
		return nil
	}
	walk := n
	for walk.height > height {
		hSkip := int64(skipHeight(walk.height))
		hSkipPrev := int64(skipHeight(walk.height - 1))
		target := int64(height)
		// Take the skip pointer unless it overshoots, or unless the
		// parent's skip would land closer to the target without
		// overshooting.
		if walk.skip != nil && (hSkip == target || hSkip > target && !(hSkipPrev < hSkip-2 && hSkipPrev >= target)) {
			walk = walk.skip
		} else {
			walk = walk.parent
		}
	}
	return walk
}

// medianTimePast returns the median of the times of n and up to ten of its
// ancestors: sorted[len/2] of those there are (SPEC §6 rule 2).
func (n *blockNode) medianTimePast() int64 {
	var buf [MedianTimeBlocks]int64
	times := buf[:0]
	for it := n; it != nil && len(times) < MedianTimeBlocks; it = it.parent {
		times = append(times, int64(it.time))
	}
	return medianTime(times)
}

// findFork returns the last common ancestor of a and b.
func findFork(a, b *blockNode) *blockNode {
	if a == nil || b == nil {
		return nil
	}
	if a.height > b.height {
		a = a.ancestor(b.height)
	} else if b.height > a.height {
		b = b.ancestor(a.height)
	}
	for a != b && a != nil && b != nil {
		a, b = a.parent, b.parent
	}
	return a
}

// betterThan reports whether n should be the tip rather than other: more
// cumulative work, or equal work and seen first.
func (n *blockNode) betterThan(other *blockNode) bool {
	if c := n.workSum.cmp(other.workSum); c != 0 {
		return c > 0
	}
	return n.seq < other.seq
}
