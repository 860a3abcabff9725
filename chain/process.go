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
	// Orphan is set when the parent is unknown: the block is held in the
	// orphan pool and processed when its parent arrives.
	Orphan bool
	// MainChain is set when the block is on the main chain once processing
	// ends (it extended the tip or caused a reorganisation).
	MainChain bool
}

// ProcessBlock validates a block and, if it is valid, stores it and makes the
// best chain the one with the most work.
//
//   - A block whose parent is unknown is an orphan: it is held in a bounded
//     pool (Orphan is set, error nil) and processed when the parent arrives.
//   - A block on a side chain with no more work than the tip is stored and
//     checked only by the rules that need no UTXO set; it is fully validated
//     when its chain takes the lead.
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
// Subscribers are notified of connected and disconnected blocks before
// ProcessBlock returns, without the state lock held; a subscriber must not
// call ProcessBlock itself.
func (c *BlockChain) ProcessBlock(ctx context.Context, b *Block) (ProcessResult, error) {
	c.processLock.Lock()
	defer c.processLock.Unlock()
	c.orphans.expire(c.now())

	oldTip := c.tip()
	res, err := c.processBlockLocked(ctx, b)
	if err == nil && !res.Orphan {
		c.processOrphansOf(ctx, res.Hash)
	}
	c.notifyTipChange(oldTip)
	if err == nil && !res.Orphan {
		c.stateLock.RLock()
		res.MainChain = c.inMainChain(c.index[res.Hash])
		c.stateLock.RUnlock()
	}
	return res, err
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

// processBlockLocked validates and stores one block. Caller holds
// processLock.
func (c *BlockChain) processBlockLocked(ctx context.Context, b *Block) (ProcessResult, error) {
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
	if err := checkHeaderSanity(&b.Header, c.params); err != nil {
		return res, err
	}
	// A body that does not match its header is refused before it can
	// take the header's place in the orphan pool or the index.
	if err := checkBodyMatchesHeader(b); err != nil {
		return res, err
	}
	// A parent known only as a header (refused once, then reconsidered)
	// has no body to build on yet: the block waits like an orphan.
	if parent == nil || parent.status&statusDataStored == 0 && !parent.status.knownInvalid() {
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

	if err := checkHeaderContext(&b.Header, parent, c.params, c.now()); err != nil {
		if errors.Is(err, ErrTimeTooNew) {
			return res, err
		}
		return res, c.storeInvalid(b, parent, known, statusInvalid, err)
	}
	// Header sanity and the merkle root were checked above.
	if err := checkBodySanity(b, c.params); err != nil {
		return res, c.storeInvalid(b, parent, known, statusInvalid, err)
	}
	if err := checkBlockContext(b, res.Height, parent.medianTimePast()); err != nil {
		return res, c.storeInvalid(b, parent, known, statusInvalid, err)
	}

	node := c.newNode(b, parent, known, statusDataStored)
	err := c.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(hashKey(prefixBlock, hash), b.Serialize()); err != nil {
			return err
		}
		return writeIndexNode(txn, node)
	})
	if err != nil {
		return res, fmt.Errorf("store block %v: %w", hash, err)
	}
	node = c.addNode(node)

	if node.betterThan(c.tip()) {
		if err := c.selectBestChain(ctx, node); err != nil {
			return res, err
		}
	}
	return res, nil
}

// storeInvalid records the header of a block that broke a rule its hash
// commits to, so it and its descendants are refused at once in future, and
// returns cause.
func (c *BlockChain) storeInvalid(b *Block, parent, known *blockNode, status blockStatus, cause error) error {
	node := c.newNode(b, parent, known, status)
	err := c.db.Update(func(txn *badger.Txn) error { return writeIndexNode(txn, node) })
	if err != nil {
		return fmt.Errorf("%w (and recording it failed: %v)", cause, err)
	}
	node = c.addNode(node)
	c.log.Info("block refused", "hash", node.hash, "height", node.height, "reason", cause)
	return cause
}

// newNode returns an index node for b with status, not yet in the index.
// If the index already knows the header (refused once, then reconsidered),
// the new node keeps its first-seen sequence. Caller holds processLock.
func (c *BlockChain) newNode(b *Block, parent, known *blockNode, status blockStatus) *blockNode {
	node := newBlockNode(&b.Header, parent)
	node.status = status
	if known != nil {
		node.seq = known.seq
	} else {
		node.seq = c.nextSeq
		c.nextSeq++
	}
	return node
}

// addNode puts node in the index, or, if the index already holds a node for
// its hash, gives that node node's status so that pointers to it stay
// valid. It returns the node now in the index. Caller holds processLock.
func (c *BlockChain) addNode(node *blockNode) *blockNode {
	c.stateLock.Lock()
	defer c.stateLock.Unlock()
	if known := c.index[node.hash]; known != nil {
		known.status = node.status
		return known
	}
	c.index[node.hash] = node
	return node
}

// processOrphansOf processes, breadth first, the orphans waiting on parent
// and their own waiting children. Their errors are logged: the peer that
// sent the orphan is long gone from this call.
func (c *BlockChain) processOrphansOf(ctx context.Context, parent Hash) {
	queue := []Hash{parent}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, o := range c.orphans.takeChildren(p) {
			res, err := c.processBlockLocked(ctx, o)
			if err != nil {
				c.log.Info("orphan refused", "hash", res.Hash, "reason", err)
				continue
			}
			queue = append(queue, res.Hash)
		}
	}
}
