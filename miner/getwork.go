package miner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner/kernel"
)

// MaxRememberedWork bounds the work a WorkServer remembers on one tip; the
// oldest is forgotten first. A getwork miner asks for new work every few
// seconds per device, so this covers hundreds of devices.
const MaxRememberedWork = 4096

// workWorker is the worker id in the extra nonce of getwork coinbases,
// distinct from the ids of the node's own workers (0, 1, ...).
const workWorker = 0xffff_fff0

// ErrUnknownWork is the reason a submission of work this server did not
// hand out on the current tip (or has forgotten) is refused.
var ErrUnknownWork = errors.New("miner: unknown or stale work")

// WorkConfig is what a WorkServer needs from the node.
type WorkConfig struct {
	// Params are the network's parameters. Required.
	Params *chain.Params
	// BestState returns the chain's tip. Required.
	BestState func() chain.BestState
	// ProcessBlock submits a solved block. Required.
	ProcessBlock func(context.Context, *chain.Block) (chain.ProcessResult, error)
	// PayTo is the x-only key the coinbases pay. Required.
	PayTo [32]byte
	// Txs selects the block's transactions; nil builds coinbase-only blocks.
	Txs TxSource
	// TxsUpdated changes when the transaction source gained fees; the
	// template is then rebuilt (at most every refreshInterval).
	TxsUpdated func() uint64
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Work is one unit of work for a getwork miner: a header to search and the
// target its hash must meet.
type Work struct {
	// Header is the serialised 80-byte header, nonce zero.
	Header [chain.HeaderSize]byte
	// Target is the 256-bit target, little-endian.
	Target [32]byte
	// Midstate is the SHA-256 state after the header's first 64 bytes.
	Midstate [8]uint32
}

// WorkServer hands out work for getwork and takes solved work back. Each
// call gets a header of its own (the coinbase's extra nonce counts up), and
// the server remembers the blocks behind the last MaxRememberedWork headers
// of the current tip, by merkle root, to rebuild a solved one. It is safe
// for concurrent use.
type WorkServer struct {
	cfg WorkConfig

	mu       sync.Mutex
	tmpl     *Template
	tmplAt   time.Time // when tmpl was built
	tmplTxs  uint64    // TxsUpdated when tmpl was built
	leaves   []chain.Hash
	counter  uint32
	work     map[chain.Hash]*chain.Block // by merkle root, on tmpl's parent
	order    []chain.Hash                // keys of work, oldest first
	orderPos int                         // next slot of order to reuse once full
}

// NewWorkServer returns a work server for cfg.
func NewWorkServer(cfg WorkConfig) (*WorkServer, error) {
	if cfg.Params == nil || cfg.BestState == nil || cfg.ProcessBlock == nil {
		return nil, errors.New("miner: WorkConfig needs Params, BestState and ProcessBlock")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &WorkServer{cfg: cfg, work: map[chain.Hash]*chain.Block{}}, nil
}

// Get returns fresh work on the current tip. A new tip since the last call
// drops every remembered piece of work first, so no work on an old tip is
// ever handed out or accepted.
func (s *WorkServer) Get() (Work, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := s.cfg.BestState()
	now := s.cfg.Now()
	if err := s.refresh(best, now); err != nil {
		return Work{}, err
	}
	s.counter++
	cb := *s.tmpl.Block.Txs[0]
	cb.Inputs = []chain.TxIn{{Prev: chain.NullOutPoint, Witness: coinbaseWitness(workWorker, s.counter)}}
	leaves := append([]chain.Hash(nil), s.leaves...)
	leaves[0] = cb.WTxID()
	b := &chain.Block{Header: s.tmpl.Block.Header, Txs: append([]*chain.Tx{&cb}, s.tmpl.Block.Txs[1:]...)}
	b.Header.MerkleRoot = chain.MerkleRoot(leaves)
	b.Header.Time = uint32(max(now.Unix(), best.MedianTime+1))
	s.remember(b)
	hdr := b.Header.Serialize()
	return Work{Header: hdr, Target: s.tmpl.Target, Midstate: kernel.Midstate(hdr)}, nil
}

// refresh rebuilds the template on a new tip (forgetting all work), when
// the transaction source gained fees and the template is older than
// refreshInterval, or when the extra nonce would wrap.
func (s *WorkServer) refresh(best chain.BestState, now time.Time) error {
	var txs uint64
	if s.cfg.TxsUpdated != nil {
		txs = s.cfg.TxsUpdated()
	}
	newTip := s.tmpl == nil || s.tmpl.Block.Header.Prev != best.Hash
	stale := !newTip && txs != s.tmplTxs && now.Sub(s.tmplAt) >= refreshInterval
	if !newTip && !stale && s.counter != ^uint32(0) {
		return nil
	}
	t, err := NewTemplate(s.cfg.Params, best, now, s.cfg.PayTo, s.cfg.Txs)
	if err != nil {
		return err
	}
	if newTip {
		clear(s.work)
		s.order, s.orderPos = s.order[:0], 0
	}
	s.tmpl, s.tmplAt, s.tmplTxs = t, now, txs
	s.leaves = make([]chain.Hash, len(t.Block.Txs))
	for i, tx := range t.Block.Txs {
		s.leaves[i] = tx.WTxID()
	}
	if s.counter == ^uint32(0) {
		s.counter = 0
	}
	return nil
}

// remember keeps b by its merkle root, forgetting the oldest beyond
// MaxRememberedWork.
func (s *WorkServer) remember(b *chain.Block) {
	root := b.Header.MerkleRoot
	if len(s.order) < MaxRememberedWork {
		s.order = append(s.order, root)
	} else {
		delete(s.work, s.order[s.orderPos])
		s.order[s.orderPos] = root
		s.orderPos = (s.orderPos + 1) % MaxRememberedWork
	}
	s.work[root] = b
}

// Remembered returns how many pieces of work the server remembers.
func (s *WorkServer) Remembered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.work)
}

// Submit takes a solved header: the merkle root finds the block behind the
// work, whose time and nonce are taken from the header (getwork miners may
// roll the time), and the block goes to ProcessBlock. It reports whether
// the block extended the main chain; the error says why not, wrapping
// ErrUnknownWork for work not handed out on the current tip.
func (s *WorkServer) Submit(ctx context.Context, header [chain.HeaderSize]byte) (bool, error) {
	h, err := chain.DecodeHeader(header[:])
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	if s.tmpl != nil && s.tmpl.Block.Header.Prev != s.cfg.BestState().Hash {
		clear(s.work)
		s.order, s.orderPos = s.order[:0], 0
	}
	b, ok := s.work[h.MerkleRoot]
	s.mu.Unlock()
	if !ok || h.Prev != b.Header.Prev || h.Version != b.Header.Version || h.Bits != b.Header.Bits {
		return false, fmt.Errorf("%w: header %s", ErrUnknownWork, h.BlockHash())
	}
	solved := &chain.Block{Header: b.Header, Txs: b.Txs}
	solved.Header.Time, solved.Header.Nonce = h.Time, h.Nonce
	if err := chain.CheckProofOfWork(solved.BlockHash(), solved.Header.Bits, s.cfg.Params.PowLimit); err != nil {
		return false, err
	}
	res, err := s.cfg.ProcessBlock(ctx, solved)
	if err != nil {
		return false, err
	}
	if !res.MainChain {
		return false, fmt.Errorf("miner: block %s did not extend the main chain", res.Hash)
	}
	return true, nil
}
