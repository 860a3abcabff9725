package chain

import (
	"errors"
	"fmt"
	"slices"
)

// selectBestChain makes the best candidate the tip, reorganising if it is
// on a side chain. If a block on the way fails validation it is marked
// invalid (with its descendants), the best remaining candidate is tried
// instead, and the first rule error is returned. A reorganisation once begun
// is finished: stopping half-way would leave a tip with less work than the
// chain had. Caller holds processLock.
func (c *BlockChain) selectBestChain() error {
	var firstErr error
	for {
		target := c.bestCandidate()
		if target == c.tip() {
			return firstErr
		}
		err := c.reorganize(target)
		if err == nil {
			continue
		}
		var re RuleError
		if !errors.As(err, &re) {
			return err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
}

// reorganize disconnects the main chain back to the fork with target and
// connects target's branch. If a block of the branch fails, it is marked
// invalid, the state is put back exactly as it was, and the error returned.
// Each block is connected or disconnected in its own database transaction,
// so a crash leaves a consistent tip. Caller holds processLock.
func (c *BlockChain) reorganize(target *blockNode) error {
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
		err := c.connectStored(n, true)
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
