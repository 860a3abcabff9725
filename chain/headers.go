package chain

import (
	"context"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"
)

// MaxHeadersPerBatch is the most headers one ProcessHeaders call, and one
// headers response on the wire, may carry (SPEC §10).
const MaxHeadersPerBatch = 2000

// HeadersResult says what became of a batch given to ProcessHeaders.
type HeadersResult struct {
	// Accepted counts the leading headers of the batch now in the index,
	// new or already known.
	Accepted int
	// New counts those of them that were not in the index before.
	New int
	// BestHeader is the best header after the batch: the most-work header
	// not known invalid.
	BestHeader Hash
	// BestHeaderHeight is its height.
	BestHeaderHeight uint32
}

// ProcessHeaders validates and stores a batch of headers, each the child of
// the one before and the first's parent already in the index, as
// header-only index entries in one database transaction. Each header is
// checked against its parent: version and proof of work against its bits,
// bits equal to the ASERT value for its height, time after the median time
// past and not too far ahead of the local clock (SPEC §6 rules 1–4).
//
// Headers already in the index are skipped, not an error. On a bad header
// the error is a RuleError (errors.Is with its ErrorKind); the headers before
// it stay stored and nothing from it on is. A refused header is not
// remembered as invalid: only its block, if it arrives, can be. Errors:
//
//   - ErrTooManyHeaders: more than MaxHeadersPerBatch; nothing is stored.
//   - ErrMissingParent: the first header's parent is unknown (there are no
//     header orphans; ask for headers from an earlier locator).
//   - ErrHeadersNotContinuous: a header is not the child of the one before
//     it (a repeated header included).
//   - ErrKnownInvalid, ErrInvalidAncestor: the header or an ancestor was
//     refused for good before.
//   - a header rule's kind: ErrBadBlockVersion, ErrBadBits, ErrHighHash,
//     ErrUnexpectedBits, ErrTimeTooOld, ErrTimeTooNew.
//
// Blocks waiting in the orphan pool for one of the new headers are then
// processed, and the best chain is selected again. A ctx already cancelled
// returns its error and stores nothing.
func (c *BlockChain) ProcessHeaders(ctx context.Context, headers []Header) (HeadersResult, error) {
	if len(headers) > MaxHeadersPerBatch {
		return c.headersResult(0, 0), ruleError(ErrTooManyHeaders,
			"batch of %d headers exceeds %d", len(headers), MaxHeadersPerBatch)
	}
	if err := checkCtx(ctx); err != nil {
		return c.headersResult(0, 0), err
	}
	res, seq, err := c.processHeaders(headers)
	c.events.wait(ctx, seq)
	return res, err
}

// processHeaders does ProcessHeaders' work under processLock and returns
// the notification number to wait for.
func (c *BlockChain) processHeaders(headers []Header) (HeadersResult, uint64, error) {
	c.processLock.Lock()
	defer c.processLock.Unlock()

	oldTip := c.tip()
	added, accepted, verr := c.checkHeaders(headers)
	if len(added) > 0 {
		if err := c.storeHeaders(added); err != nil {
			return c.headersResult(accepted-len(added), 0), c.events.push(nil), err
		}
		// Blocks in the orphan pool whose parent header just arrived
		// are stored now, and may complete a chain.
		for _, n := range added {
			c.processOrphansOf(n.hash)
		}
		if err := c.selectBestChain(); err != nil {
			c.log.Info("block refused while selecting the best chain", "reason", err)
		}
	}
	seq := c.queueTipChange(oldTip)
	return c.headersResult(accepted, len(added)), seq, verr
}

// checkHeaders validates headers in order. It returns the new nodes (not
// yet in the index) for the valid leading headers, how many leading headers
// are valid (known or new), and the error that stopped it, if any. Caller
// holds processLock.
func (c *BlockChain) checkHeaders(headers []Header) (added []*blockNode, accepted int, err error) {
	var prev *blockNode
	var pow bitsCache
	now := c.now()
	for i := range headers {
		h := &headers[i]
		if prev != nil && h.Prev != prev.hash {
			return added, accepted, ruleError(ErrHeadersNotContinuous,
				"header %d of the batch does not follow header %d", i, i-1)
		}
		hash := h.BlockHash()
		c.stateLock.RLock()
		known := c.index[hash]
		parent := prev
		if parent == nil {
			parent = c.index[h.Prev]
		}
		c.stateLock.RUnlock()
		switch {
		case parent == nil:
			return added, accepted, ruleError(ErrMissingParent,
				"parent %v of header %v is unknown", h.Prev, hash)
		case known != nil && known.status&statusInvalid != 0:
			return added, accepted, ruleError(ErrKnownInvalid, "header %v is known to be invalid", hash)
		case known != nil && known.status&statusInvalidAncestor != 0 || parent.status.knownInvalid():
			return added, accepted, ruleError(ErrInvalidAncestor, "header %v builds on an invalid block", hash)
		case known != nil:
			prev = known
			accepted++
			continue
		}
		// checkHeaderSanity, with the hash at hand and the target of
		// the batch's bits decoded once.
		if h.Version != 1 {
			return added, accepted, ruleError(ErrBadBlockVersion, "block version %d, want 1", h.Version)
		}
		if err := pow.check(hash, h.Bits, c.params.PowLimit); err != nil {
			return added, accepted, err
		}
		if err := checkHeaderContext(h, parent, c.params, now); err != nil {
			return added, accepted, err
		}
		n := newBlockNodeHash(h, hash, parent)
		added = append(added, n)
		prev = n
		accepted++
	}
	return added, accepted, nil
}

// bitsCache remembers what the last bits seen decode to. The headers of a
// batch nearly always share their bits, and decoding them is most of the
// cost of the proof-of-work check.
type bitsCache struct {
	valid  bool
	bits   uint32
	target [HashSize]byte // big-endian
	err    error
}

// check is CheckProofOfWork(hash, bits, powLimit), with the same errors.
func (bc *bitsCache) check(hash Hash, bits uint32, powLimit *big.Int) error {
	if !bc.valid || bc.bits != bits {
		target, err := CompactToTarget(bits, powLimit)
		bc.valid, bc.bits, bc.err = true, bits, err
		if err == nil {
			target.FillBytes(bc.target[:])
		}
	}
	if bc.err != nil {
		return bc.err
	}
	for i := range HashSize {
		switch hb := hash[HashSize-1-i]; {
		case hb < bc.target[i]:
			return nil
		case hb > bc.target[i]:
			return ruleError(ErrHighHash, "block hash %v is above the target %064x of bits %08x",
				hash, new(big.Int).SetBytes(bc.target[:]), bits)
		}
	}
	return nil // hash == target
}

// storeHeaders writes new header-only nodes in one transaction and adds
// them to the index. Caller holds processLock.
func (c *BlockChain) storeHeaders(nodes []*blockNode) error {
	err := c.db.Update(func(txn *badger.Txn) error {
		for i, n := range nodes {
			n.seq = c.nextSeq + uint64(i)
			if err := writeIndexNode(txn, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store headers: %w", err)
	}
	c.nextSeq += uint64(len(nodes))
	c.stateLock.Lock()
	defer c.stateLock.Unlock()
	for _, n := range nodes {
		c.addNodeLocked(n)
	}
	return nil
}

// headersResult returns a HeadersResult with the current best header.
func (c *BlockChain) headersResult(accepted, added int) HeadersResult {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	return HeadersResult{
		Accepted:         accepted,
		New:              added,
		BestHeader:       c.bestHeader.hash,
		BestHeaderHeight: c.bestHeader.height,
	}
}

// HaveHeader reports whether the header with hash h is in the index and not
// known invalid.
func (c *BlockChain) HaveHeader(h Hash) bool {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	n := c.index[h]
	return n != nil && !n.status.knownInvalid()
}

// HaveBlock reports whether the body of the block with hash h is stored.
func (c *BlockChain) HaveBlock(h Hash) bool {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	n := c.index[h]
	return n != nil && n.status&statusDataStored != 0
}

// NextBlocksToDownload returns up to max hashes of blocks on the best-header
// chain whose bodies are missing, in height order, skipping those for which
// skip (if not nil) returns true, for instance because they were requested
// already. It looks no further than window blocks past the connected tip.
// skip is called with the state lock held and must not call the chain.
func (c *BlockChain) NextBlocksToDownload(max int, window uint32, skip func(Hash) bool) []Hash {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	tip, best := c.tip(), c.bestHeader
	if max <= 0 || !best.betterThan(tip) {
		return nil
	}
	fork := findFork(tip, best)
	end := best.height
	if limit := uint64(tip.height) + uint64(window); limit < uint64(end) {
		end = uint32(limit)
	}
	if end <= fork.height {
		return nil
	}
	// Walk back from the window's end to the fork, then hand out the
	// missing bodies from the lowest height up.
	path := make([]*blockNode, 0, end-fork.height)
	for n := best.ancestor(end); n != fork; n = n.parent {
		path = append(path, n)
	}
	var hashes []Hash
	for i := len(path) - 1; i >= 0 && len(hashes) < max; i-- {
		n := path[i]
		if n.status&statusDataStored != 0 || skip != nil && skip(n.hash) {
			continue
		}
		hashes = append(hashes, n.hash)
	}
	return hashes
}

// HeaderLocator returns a block locator (as BlockLocator) built from the
// best header chain, for asking a peer for the headers that follow it.
func (c *BlockChain) HeaderLocator() []Hash {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	return locator(c.bestHeader)
}

// locator returns hashes of the chain ending at tip back to genesis, dense
// near tip and exponentially sparser further back (as Bitcoin's), for a peer
// to find where its chain forks from ours. Caller holds stateLock.
func locator(tip *blockNode) []Hash {
	var loc []Hash
	step := uint32(1)
	for n := tip; n != nil; {
		loc = append(loc, n.hash)
		if n.height == 0 {
			break
		}
		if len(loc) >= 10 {
			step *= 2
		}
		if n.height <= step {
			n = n.ancestor(0) // the next round lands on genesis
		} else {
			n = n.ancestor(n.height - step)
		}
	}
	return loc
}
