package chain

import "slices"

// TipStatus says what the chain knows of a chain tip's branch, in Bitcoin
// Core's getchaintips words.
type TipStatus string

const (
	// TipActive is the tip of the main chain.
	TipActive TipStatus = "active"
	// TipValidFork is a branch that was connected once (so passed every
	// rule) and then lost to a chain of more work.
	TipValidFork TipStatus = "valid-fork"
	// TipValidHeaders is a branch whose bodies are stored but that was
	// never connected: it has less work than the main chain.
	TipValidHeaders TipStatus = "valid-headers"
	// TipHeadersOnly is a branch of which some bodies are not stored.
	TipHeadersOnly TipStatus = "headers-only"
	// TipInvalid is a branch that breaks a rule, or descends from one that
	// does.
	TipInvalid TipStatus = "invalid"
)

// ChainTip is the end of one branch of the block index.
type ChainTip struct {
	Hash   Hash
	Height uint32
	// BranchLen is how many blocks the branch has since it left the main
	// chain; 0 for the main chain's tip.
	BranchLen uint32
	// ForkHeight is the height of the last main-chain block the branch
	// shares (the tip's own height for the active tip).
	ForkHeight uint32
	Status     TipStatus
}

// ChainTips returns every tip of the block index — the main chain's tip and
// the end of every branch off it — highest first, as Bitcoin Core's
// getchaintips. It walks the whole index under the state read lock, so it
// costs time in proportion to the number of blocks the node knows.
func (c *BlockChain) ChainTips() []ChainTip {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	hasChild := make(map[*blockNode]bool, len(c.index))
	for _, n := range c.index {
		if n.parent != nil {
			hasChild[n.parent] = true
		}
	}
	tip := c.tip()
	var tips []ChainTip
	for _, n := range c.index {
		if hasChild[n] && n != tip {
			continue
		}
		t := ChainTip{Hash: n.hash, Height: n.height, ForkHeight: n.height, Status: TipActive}
		if n != tip {
			fork := n
			for fork != nil && !c.inMainChain(fork) {
				fork = fork.parent
			}
			if fork != nil {
				t.ForkHeight = fork.height
			}
			t.BranchLen = n.height - t.ForkHeight
			t.Status = c.branchStatus(n, fork)
		}
		tips = append(tips, t)
	}
	slices.SortFunc(tips, func(a, b ChainTip) int {
		if a.Height != b.Height {
			return int(b.Height) - int(a.Height)
		}
		return slices.Compare(a.Hash[:], b.Hash[:])
	})
	return tips
}

// branchStatus classifies the branch from fork (exclusive) up to tip.
// Caller holds stateLock.
func (c *BlockChain) branchStatus(tip, fork *blockNode) TipStatus {
	if tip.status.knownInvalid() {
		return TipInvalid
	}
	if tip.status&statusValid != 0 {
		return TipValidFork
	}
	for n := tip; n != nil && n != fork; n = n.parent {
		if n.status&statusDataStored == 0 {
			return TipHeadersOnly
		}
	}
	return TipValidHeaders
}
