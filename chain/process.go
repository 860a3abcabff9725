package chain

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ProcessResult says what became of a block given to ProcessBlock.
type ProcessResult struct {
	// Hash is the block's hash.
	Hash Hash
	// Height is the block's height; zero for an orphan.
	Height uint32
	// Orphan is set when the block's header is not in the index and its
	// parent is unknown: the block is held in the orphan pool and
	// processed when its parent arrives.
	Orphan bool
	// AwaitingParent is set when the block's header is in the index and its
	// body is now stored, but the body of an ancestor is missing: the
	// block connects (if its chain is the best) once they arrive.
	AwaitingParent bool
	// MainChain is set when the block is on the main chain once processing
	// ends (it extended the tip or caused a reorganisation).
	MainChain bool
}

// ProcessBlock validates a block and, if it is valid, stores it and makes the
// best chain the one with the most work.
//
//   - A block whose parent is unknown is an orphan: it is held in a bounded
//     pool (Orphan is set, error nil) and processed when the parent arrives.
//   - A block whose parent is in the index (header only or with its body)
//     has its header accepted (if new) and its body checked against every
//     rule that needs no UTXO set, then stored. If an ancestor's body is
//     still missing, AwaitingParent is set: bodies may arrive in any order,
//     and a chain connects once all its bodies are stored.
//   - A block on a side chain with no more work than the tip is stored and
//     fully validated only when its chain takes the lead.
//   - A block that gives a side chain more work than the main chain causes a
//     reorganisation. If a block of the new branch fails, the old tip and
//     UTXO set are restored, the failing block and its descendants are marked
//     invalid, the best valid chain is selected again and the error is
//     returned.
//
// The error is a RuleError (errors.Is with an ErrorKind) when the block
// breaks a rule. A block refused with ErrBadMerkleRoot or ErrTimeTooNew is
// not remembered as invalid: the same header may be accepted later with the
// right body or once the clock has moved on. ErrKnownInvalid and
// ErrInvalidAncestor mean the block or its parent were refused for good
// before. Other errors are database failures; the chain state is then
// unchanged.
//
// A ctx already cancelled when ProcessBlock is called returns its error and
// changes nothing. Once processing has begun it runs to the end, so that a
// caller hanging up never leaves the chain on a tip with less work than the
// best valid chain it has stored.
//
// Subscribers are notified of the blocks connected and disconnected, in
// order, by the chain's notification goroutine once the chain lock is
// released; ProcessBlock returns after they have been (or when ctx is
// done), so a caller sees the mempool and other subscribers up to date. A
// subscriber must not call ProcessBlock itself.
func (c *BlockChain) ProcessBlock(ctx context.Context, b *Block) (ProcessResult, error) {
	if err := checkCtx(ctx); err != nil {
		return ProcessResult{Hash: b.BlockHash()}, err
	}
	res, seq, err := c.processBlock(b)
	c.events.wait(ctx, seq)
	return res, err
}

// processBlock processes b and the orphans waiting for it under processLock
// and queues the notifications, returning the number to wait for.
func (c *BlockChain) processBlock(b *Block) (ProcessResult, uint64, error) {
	c.processLock.Lock()
	defer c.processLock.Unlock()
	c.orphans.expire(c.now())

	oldTip := c.tip()
	res, err := c.processBlockLocked(b)
	if err == nil && !res.Orphan {
		c.processOrphansOf(res.Hash)
		err = c.selectBestChain()
	}
	seq := c.queueTipChange(oldTip)
	if !res.Orphan {
		c.stateLock.RLock()
		if n := c.index[res.Hash]; n != nil {
			res.MainChain = c.inMainChain(n)
		}
		c.stateLock.RUnlock()
	}
	return res, seq, err
}

// ProcessRawBlock decodes a block from its wire form and processes it. A
// malformed encoding is refused with a RuleError of a decoding kind and
// leaves no trace: the header it carries is not marked invalid.
func (c *BlockChain) ProcessRawBlock(ctx context.Context, raw []byte) (ProcessResult, error) {
	b, err := DecodeBlock(raw, c.params.MaxBlockSize)
	if err != nil {
		return ProcessResult{}, err
	}
	return c.ProcessBlock(ctx, b)
}

// processBlockLocked validates and stores one block; selecting the best
// chain is the caller's. Caller holds processLock.
func (c *BlockChain) processBlockLocked(b *Block) (ProcessResult, error) {
	hash := b.BlockHash()
	res := ProcessResult{Hash: hash}

	c.stateLock.RLock()
	known := c.index[hash]
	parent := c.index[b.Header.Prev]
	c.stateLock.RUnlock()
	if known != nil {
		res.Height = known.height
		switch {
		case known.status&statusInvalid != 0:
			return res, ruleError(ErrKnownInvalid, "block %v is known to be invalid", hash)
		case known.status&statusInvalidAncestor != 0:
			return res, ruleError(ErrInvalidAncestor, "block %v builds on an invalid block", hash)
		case known.status&statusDataStored != 0:
			return res, ruleError(ErrDuplicateBlock, "block %v is already stored", hash)
		}
	}
	if c.orphans.has(hash) {
		return res, ruleError(ErrDuplicateBlock, "block %v is already in the orphan pool", hash)
	}

	// Proof of work first: it is the cheapest check and makes every later
	// one cost the sender real work. A header failing it is not stored.
	// A header already in the index passed it when it was accepted.
	if known == nil {
		if err := checkHeaderSanity(&b.Header, c.params); err != nil {
			return res, err
		}
	}
	// A body that does not match its header is refused before it can
	// take the header's place in the orphan pool or the index, and
	// without marking the header: a peer can send a wrong body for an
	// honest header.
	if err := checkBodyMatchesHeader(b); err != nil {
		return res, err
	}
	if parent == nil {
		c.orphans.add(b, hash, c.now())
		c.log.Debug("orphan block", "hash", hash, "prev", b.Header.Prev)
		res.Orphan = true
		return res, nil
	}
	res.Height = parent.height + 1
	if parent.status.knownInvalid() {
		err := ruleError(ErrInvalidAncestor, "block %v builds on invalid block %v", hash, parent.hash)
		return res, c.storeInvalid(b, parent, known, statusInvalidAncestor, err)
	}
	if known == nil {
		if err := checkHeaderContext(&b.Header, parent, c.params, c.now()); err != nil {
			if errors.Is(err, ErrTimeTooNew) {
				return res, err
			}
			return res, c.storeInvalid(b, parent, nil, statusInvalid, err)
		}
	}
	// Header sanity and the merkle root were checked above.
	if err := checkBodySanity(b, c.params); err != nil {
		return res, c.storeInvalid(b, parent, known, statusInvalid, err)
	}
	if err := checkBlockContext(b, res.Height, parent.medianTimePast()); err != nil {
		return res, c.storeInvalid(b, parent, known, statusInvalid, err)
	}

	node := known
	if node == nil {
		node = newBlockNode(&b.Header, parent)
		node.hash = hash
	}
	rec := *node
	rec.status |= statusDataStored
	rec.seq = c.nextSeq
	err := c.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(hashKey(prefixBlock, hash), b.Serialize()); err != nil {
			return err
		}
		return writeIndexNode(txn, &rec)
	})
	if err != nil {
		return res, fmt.Errorf("store block %v: %w", hash, err)
	}
	c.nextSeq++
	c.stateLock.Lock()
	node.status, node.seq = rec.status, rec.seq
	if known == nil {
		c.addNodeLocked(node)
	}
	c.stateLock.Unlock()
	c.touched[hash] = b
	res.AwaitingParent = !c.linkStored(node)
	return res, nil
}

// storeInvalid records the header of a block that broke a rule its hash
// commits to, so it and its descendants are refused at once in future, and
// returns cause. known is the block's index node if its header was accepted
// before.
func (c *BlockChain) storeInvalid(b *Block, parent, known *blockNode, status blockStatus, cause error) error {
	c.log.Info("block refused", "hash", b.BlockHash(), "height", parent.height+1, "reason", cause)
	if known != nil {
		if status == statusInvalidAncestor {
			return cause // already marked when its ancestor was
		}
		if err := c.markInvalid(known); err != nil {
			return fmt.Errorf("%w (and recording it failed: %v)", cause, err)
		}
		return cause
	}
	node := newBlockNode(&b.Header, parent)
	node.status = status
	node.seq = c.nextSeq
	err := c.db.Update(func(txn *badger.Txn) error { return writeIndexNode(txn, node) })
	if err != nil {
		return fmt.Errorf("%w (and recording it failed: %v)", cause, err)
	}
	c.nextSeq++
	c.stateLock.Lock()
	c.addNodeLocked(node)
	c.stateLock.Unlock()
	return cause
}

// processOrphansOf processes, breadth first, the orphans waiting on parent
// and their own waiting children. Their errors are logged: the peer that
// sent the orphan is long gone from this call.
func (c *BlockChain) processOrphansOf(parent Hash) {
	queue := []Hash{parent}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, o := range c.orphans.takeChildren(p) {
			res, err := c.processBlockLocked(o)
			if err != nil {
				c.log.Info("orphan refused", "hash", res.Hash, "reason", err)
				continue
			}
			queue = append(queue, res.Hash)
		}
	}
}
