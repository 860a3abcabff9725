package chain

import (
	"context"
	"fmt"
)

// InvalidateBlock treats the block with hash h as if it broke a rule: it and
// its descendants are marked invalid, the main chain is rewound below it if
// it is on it, and the best remaining valid chain becomes the main chain.
// It is the operator's tool of Bitcoin Core's invalidateblock RPC. One index
// entry is written besides the disconnected blocks. A cancelled ctx before
// the call starts returns its error; once started the call finishes, so the
// chain never stops on a worse tip than it has.
func (c *BlockChain) InvalidateBlock(ctx context.Context, h Hash) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	seq, err := c.invalidateBlock(h)
	c.events.wait(ctx, seq)
	return err
}

func (c *BlockChain) invalidateBlock(h Hash) (seq uint64, err error) {
	c.processLock.Lock()
	defer c.processLock.Unlock()
	n, err := c.lookupNode(h)
	if err != nil {
		return 0, err
	}
	if n.parent == nil {
		return 0, fmt.Errorf("the genesis block cannot be invalidated")
	}
	oldTip := c.tip()
	defer func() { seq = c.queueTipChange(oldTip) }()
	for c.inMainChain(n) {
		if err := c.disconnectBlock(c.tip()); err != nil {
			return 0, err
		}
	}
	if err := c.markInvalid(n); err != nil {
		return 0, err
	}
	c.rebuildCandidates()
	return 0, c.selectBestChain()
}

// ReconsiderBlock undoes InvalidateBlock (or a rule failure found at
// connection): the invalid marks of the block, its ancestors and its
// descendants are cleared and the best chain is selected again, validating
// them afresh. A block that really breaks a rule is marked invalid again.
// Only the entries that carried an invalid mark are written.
func (c *BlockChain) ReconsiderBlock(ctx context.Context, h Hash) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	seq, err := c.reconsiderBlock(h)
	c.events.wait(ctx, seq)
	return err
}

func (c *BlockChain) reconsiderBlock(h Hash) (seq uint64, err error) {
	c.processLock.Lock()
	defer c.processLock.Unlock()
	n, err := c.lookupNode(h)
	if err != nil {
		return 0, err
	}
	oldTip := c.tip()
	defer func() { seq = c.queueTipChange(oldTip) }()
	const invalid = statusInvalid | statusInvalidAncestor
	changes := make(map[*blockNode]blockStatus)
	for it := n; it != nil; it = it.parent {
		if it.status&invalid != 0 {
			changes[it] = it.status &^ invalid
		}
	}
	for _, d := range c.descendants(n) {
		if d.status&invalid != 0 {
			changes[d] = d.status &^ invalid
		}
	}
	if err := c.setStatus(changes); err != nil {
		return 0, err
	}
	c.stateLock.Lock()
	// Stored descendants that were invalid were never candidates; the
	// set and the best header are derived afresh.
	c.bestHeader = c.findBestHeader()
	c.stateLock.Unlock()
	c.rebuildCandidates()
	return 0, c.selectBestChain()
}

// lookupNode returns the index node of h.
func (c *BlockChain) lookupNode(h Hash) (*blockNode, error) {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	n := c.index[h]
	if n == nil {
		return nil, fmt.Errorf("block %v: %w", h, ErrNotFound)
	}
	return n, nil
}
