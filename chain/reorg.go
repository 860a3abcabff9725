package chain

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// selectBestChain makes target the tip, reorganising if it is on a side
// chain. If a block on the way fails validation it is marked invalid (with
// its descendants), the best remaining valid chain is tried instead, and the
// first rule error is returned. Caller holds processLock.
func (c *BlockChain) selectBestChain(ctx context.Context, target *blockNode) error {
	var firstErr error
	for target != nil && target.betterThan(c.tip()) {
		err := c.reorganize(ctx, target)
		if err == nil {
			break
		}
		var re RuleError
		if !errors.As(err, &re) {
			return err
		}
		if firstErr == nil {
			firstErr = err
		}
		target = c.bestCandidate()
	}
	return firstErr
}

// bestCandidate returns the stored, not-invalid block with the most work
// (the first seen among equals). Every stored block's ancestors are stored,
// and invalidity is propagated to descendants, so any such block heads a
// chain that can be connected. Caller holds processLock.
func (c *BlockChain) bestCandidate() *blockNode {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	var best *blockNode
	for _, n := range c.index {
		if n.status&statusDataStored == 0 || n.status.knownInvalid() {
			continue
		}
		if best == nil || n.betterThan(best) {
			best = n
		}
	}
	return best
}

// reorganize disconnects the main chain back to the fork with target and
// connects target's branch. If a block of the branch fails, it is marked
// invalid, the state is put back exactly as it was, and the error returned.
// Each block is connected or disconnected in its own database transaction,
// so a crash leaves a consistent tip. Caller holds processLock.
func (c *BlockChain) reorganize(ctx context.Context, target *blockNode) error {
	tip := c.tip()
	fork := findFork(tip, target)
	if fork == nil {
		return AssertError(fmt.Sprintf("no common ancestor of %v and %v", tip.hash, target.hash))
	}
	var detach, attach []*blockNode
	for n := tip; n != fork; n = n.parent {
		detach = append(detach, n)
	}
	for n := target; n != fork; n = n.parent {
		attach = append(attach, n)
	}
	slices.Reverse(attach)
	if len(detach) > 0 {
		c.log.Info("reorganising", "fork", fork.hash, "fork_height", fork.height,
			"disconnect", len(detach), "connect", len(attach), "new_tip", target.hash)
	}

	for _, n := range detach {
		if err := c.disconnectBlock(n); err != nil {
			return err
		}
	}
	for i, n := range attach {
		// A cancelled context stops a long reorganisation between blocks,
		// but never before the first: a block that extends the tip is
		// connected rather than left stored and unconnected.
		var err error
		if i > 0 {
			err = checkCtx(ctx)
		}
		if err == nil {
			err = c.connectStored(n, true)
		}
		if err == nil {
			continue
		}
		var re RuleError
		if errors.As(err, &re) {
			if merr := c.markInvalid(n); merr != nil {
				return merr
			}
			c.log.Info("block failed to connect", "hash", n.hash, "height", n.height, "reason", err)
		}
		// Put the old chain back. Its blocks connected before, so they
		// are trusted and their signatures are not checked again.
		for j := i - 1; j >= 0; j-- {
			if rerr := c.disconnectBlock(attach[j]); rerr != nil {
				return fmt.Errorf("%w; restoring the previous tip failed: %v", err, rerr)
			}
		}
		for j := len(detach) - 1; j >= 0; j-- {
			if rerr := c.connectStored(detach[j], false); rerr != nil {
				return fmt.Errorf("%w; restoring the previous tip failed: %v", err, rerr)
			}
		}
		return err
	}
	return nil
}

// connectStored loads a stored block and connects it.
func (c *BlockChain) connectStored(n *blockNode, verifySigs bool) error {
	b, err := c.loadBlock(n.hash)
	if err != nil {
		return err
	}
	return c.connectBlock(n, b, verifySigs)
}

// markInvalid marks n invalid and every descendant as having an invalid
// ancestor, in one database transaction. Caller holds processLock.
func (c *BlockChain) markInvalid(n *blockNode) error {
	changes := map[*blockNode]blockStatus{n: n.status | statusInvalid}
	for _, d := range c.descendants(n) {
		changes[d] = d.status | statusInvalidAncestor
	}
	return c.setStatus(changes)
}

// descendants returns every node in the index that descends from n. Caller
// holds processLock.
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

// setStatus writes new statuses for nodes in one database transaction and
// then applies them in memory. Caller holds processLock.
func (c *BlockChain) setStatus(changes map[*blockNode]blockStatus) error {
	err := c.db.Update(func(txn *badger.Txn) error {
		for n, status := range changes {
			rec := *n
			rec.status = status
			if err := writeIndexNode(txn, &rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update block status: %w", err)
	}
	c.stateLock.Lock()
	defer c.stateLock.Unlock()
	for n, status := range changes {
		n.status = status
	}
	return nil
}
