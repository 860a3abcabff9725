package chain

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/flint-chain/flint/sigverify"
)

// Config holds what a BlockChain needs from the node.
type Config struct {
	// Params are the network's consensus parameters. Required.
	Params *Params
	// DataDir is the badger directory; it is created if missing. Required.
	DataDir string
	// Now is the local clock for the future-time rule; time.Now if nil.
	// Tests inject their own.
	Now func() time.Time
	// SigCache remembers verified signatures so that a transaction checked
	// by the mempool is not checked again when its block connects. Nil
	// means a private cache of DefaultSigCacheSize entries.
	SigCache *SigCache
	// SigVerifier checks blocks' signatures; sigverify.Default() if nil.
	SigVerifier sigverify.Verifier
	// MaxOrphans bounds the orphan block pool; DefaultMaxOrphans if zero.
	MaxOrphans int
	// Logger receives the chain's log lines; slog.Default() if nil.
	Logger *slog.Logger
}

// BlockChain validates blocks and keeps the best chain, its UTXO set and
// indexes on badger. It is safe for concurrent access.
type BlockChain struct {
	params     *Params
	db         *badger.DB
	releaseDir func() // drops the data directory lock
	now        func() time.Time
	sigCache   *SigCache
	log        *slog.Logger

	// sigVerifier checks blocks' signatures (Config.SigVerifier).
	sigVerifier sigverify.Verifier

	// processLock serializes every change of chain state: ProcessBlock,
	// ProcessHeaders, InvalidateBlock, ReconsiderBlock. It guards orphans,
	// nextSeq, touched, candidates and unlinked, and is held while
	// notifications are delivered, so subscribers see events in order.
	processLock sync.Mutex
	orphans     *orphanPool
	nextSeq     uint64
	touched     map[Hash]*Block // blocks read or written by the current call
	// candidates are the blocks that could be the tip: chain stored (the
	// bodies of the block and all its ancestors are on disk), not known
	// invalid, and at least as good as the tip when added. The best chain
	// is chosen among them, never by scanning the index (Bitcoin Core's
	// setBlockIndexCandidates).
	candidates map[*blockNode]struct{}
	// unlinked maps a block whose chain is not stored yet to its children
	// whose bodies are stored: they become candidates once it links
	// (Bitcoin Core's mapBlocksUnlinked).
	unlinked map[*blockNode][]*blockNode

	// stateLock guards the in-memory view of the chain: index, mainChain
	// (mainChain[h] is the main-chain node at height h, so the tip is the
	// last one), bestHeader (the most-work header not known invalid) and
	// the nodes' status. Writers also hold processLock.
	stateLock  sync.RWMutex
	index      map[Hash]*blockNode
	mainChain  []*blockNode
	bestHeader *blockNode

	// events delivers notifications outside the locks above.
	events *eventQueue
}

// New opens (or creates) the chain in cfg.DataDir. An existing directory
// resumes at its stored tip without replaying blocks; an empty one starts
// with the genesis block.
func New(cfg Config) (*BlockChain, error) {
	if cfg.Params == nil || cfg.DataDir == "" {
		return nil, errors.New("chain: Config needs Params and DataDir")
	}
	c := &BlockChain{
		params:     cfg.Params,
		now:        cfg.Now,
		sigCache:   cfg.SigCache,
		log:        cfg.Logger,
		orphans:    newOrphanPool(cfg.MaxOrphans),
		index:      make(map[Hash]*blockNode),
		touched:    make(map[Hash]*Block),
		candidates: make(map[*blockNode]struct{}),
		unlinked:   make(map[*blockNode][]*blockNode),
		events:     newEventQueue(),
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sigCache == nil {
		c.sigCache = NewSigCache(DefaultSigCacheSize)
	}
	if c.sigVerifier = cfg.SigVerifier; c.sigVerifier == nil {
		c.sigVerifier = sigverify.Default()
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("sub", "chain")

	release, err := lockDir(cfg.DataDir)
	if err != nil {
		c.events.close()
		return nil, err
	}
	// With the directory locked no other process is writing it, so empty
	// files a crash left behind can go before badger trips over them.
	removed, err := removeEmptyLogFiles(cfg.DataDir)
	if err != nil {
		release()
		c.events.close()
		return nil, fmt.Errorf("open chain database in %s: %w", cfg.DataDir, err)
	}
	if removed > 0 {
		c.log.Warn("removed empty database files left by a crash", "count", removed)
	}
	db, err := badger.Open(badger.DefaultOptions(cfg.DataDir).WithLogger(nil))
	if err != nil {
		release()
		c.events.close()
		return nil, fmt.Errorf("open chain database in %s: %w", cfg.DataDir, err)
	}
	c.db = db
	c.releaseDir = release
	if err := c.load(); err != nil {
		c.closeDB()
		return nil, err
	}
	// A block stored but not yet connected when the node stopped (it is
	// stored and connected in two transactions) is connected now.
	if c.bestCandidate() != c.tip() {
		err := c.selectBestChain()
		var re RuleError
		if errors.As(err, &re) {
			c.log.Warn("stored block refused on start-up", "err", err)
		} else if err != nil {
			c.closeDB()
			return nil, err
		}
		clear(c.touched)
	}
	tip := c.tip()
	c.log.Info("chain opened", "network", c.params.Name, "height", tip.height, "tip", tip.hash)
	return c, nil
}

// Close delivers the notifications still queued, then flushes and closes
// the database. The BlockChain must not be used afterwards.
func (c *BlockChain) Close() error {
	c.processLock.Lock()
	defer c.processLock.Unlock()
	return c.closeDB()
}

// closeDB stops the notification goroutine once it has delivered what is
// queued, closes the database and releases the directory lock.
func (c *BlockChain) closeDB() error {
	c.events.close()
	err := c.db.Close()
	c.releaseDir()
	return err
}

// Params returns the chain's network parameters.
func (c *BlockChain) Params() *Params { return c.params }

// load reads the block index and tip, or writes the genesis block into an
// empty database.
func (c *BlockChain) load() error {
	var nodes []*blockNode
	var prevs []Hash // prevs[i] is the prev hash of nodes[i]
	var tipHash Hash
	haveTip := false
	err := c.db.View(func(txn *badger.Txn) error {
		v, ok, err := getValue(txn, keyTip)
		if err != nil || !ok {
			return err
		}
		haveTip = true
		copy(tipHash[:], v)
		// Index records are small and kept in the LSM tree itself, so
		// values are read in place rather than prefetched.
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixIndex}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			key := item.Key()
			if len(key) != 1+HashSize {
				return AssertError(fmt.Sprintf("block index key of %d bytes", len(key)))
			}
			var e indexEntry
			err := item.Value(func(v []byte) error {
				var err error
				e, err = decodeIndexEntry(v)
				return err
			})
			if err != nil {
				return err
			}
			// The key holds the hash: the header is not hashed again.
			copy(e.hash[:], key[1:])
			n := newBlockNodeHash(&e.header, e.hash, nil)
			n.height, n.status, n.seq = e.height, e.status&statusPersisted, e.seq
			nodes = append(nodes, n)
			prevs = append(prevs, e.header.Prev)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load block index: %w", err)
	}
	if !haveTip {
		return c.initGenesis()
	}

	c.index = make(map[Hash]*blockNode, len(nodes)+len(nodes)/8)
	for _, n := range nodes {
		c.index[n.hash] = n
		c.nextSeq = max(c.nextSeq, n.seq+1)
	}
	// Link parents in height order, found by a counting sort: every
	// parent is linked (its height, work and skip pointer set) before
	// its children.
	order := orderByHeight(nodes)
	for _, i := range order {
		n := nodes[i]
		if n.height == 0 {
			continue
		}
		parent := c.index[prevs[i]]
		if parent == nil || parent.height+1 != n.height {
			return AssertError(fmt.Sprintf("block index: parent of %v at height %d is missing", n.hash, n.height))
		}
		n.setParent(parent)
	}
	tip := c.index[tipHash]
	if tip == nil {
		return AssertError("block index: tip " + tipHash.String() + " is not in the index")
	}
	c.mainChain = make([]*blockNode, tip.height+1)
	for n := tip; n != nil; n = n.parent {
		c.mainChain[n.height] = n
	}
	if c.mainChain[0].hash != c.params.GenesisHash {
		return fmt.Errorf("chain database in this directory belongs to another network (genesis %v, want %v)",
			c.mainChain[0].hash, c.params.GenesisHash)
	}
	// In height order every parent's chain-stored flag is known before
	// its children's.
	for _, i := range order {
		c.linkLoaded(nodes[i])
	}
	c.bestHeader = c.findBestHeader()
	return nil
}

// orderByHeight returns the indexes of nodes ordered by height, in O(n).
func orderByHeight(nodes []*blockNode) []int32 {
	var top uint32
	for _, n := range nodes {
		top = max(top, n.height)
	}
	start := make([]int32, top+2) // start[h+1] counts, then offsets
	for _, n := range nodes {
		start[n.height+1]++
	}
	for h := 1; h < len(start); h++ {
		start[h] += start[h-1]
	}
	order := make([]int32, len(nodes))
	for i, n := range nodes {
		order[start[n.height]] = int32(i)
		start[n.height]++
	}
	return order
}

// initGenesis stores the genesis block as the tip of an empty database. Its
// outputs are not added to the UTXO set.
func (c *BlockChain) initGenesis() error {
	g := c.params.GenesisBlock
	n := newBlockNode(&g.Header, nil)
	if n.hash != c.params.GenesisHash {
		return AssertError(fmt.Sprintf("genesis block hashes to %v, params say %v", n.hash, c.params.GenesisHash))
	}
	n.status = statusDataStored | statusValid
	n.seq = c.nextSeq
	c.nextSeq++
	err := c.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(hashKey(prefixBlock, n.hash), g.Serialize()); err != nil {
			return err
		}
		if err := writeIndexNode(txn, n); err != nil {
			return err
		}
		if err := txn.Set(mainKey(0), n.hash[:]); err != nil {
			return err
		}
		return txn.Set(keyTip, n.hash[:])
	})
	if err != nil {
		return fmt.Errorf("write genesis block: %w", err)
	}
	n.status |= statusChainStored
	c.index[n.hash] = n
	c.mainChain = []*blockNode{n}
	c.bestHeader = n
	return nil
}

// tip returns the main chain's tip. Caller holds stateLock or processLock.
func (c *BlockChain) tip() *blockNode { return c.mainChain[len(c.mainChain)-1] }

// inMainChain reports whether n is on the main chain. Caller holds
// stateLock or processLock.
func (c *BlockChain) inMainChain(n *blockNode) bool {
	return int(n.height) < len(c.mainChain) && c.mainChain[n.height] == n
}

// checkCtx returns ctx's error, if any (nil for a nil ctx). Public methods
// check it before they begin: once begun, a change of chain state runs to
// the end, and ctx only bounds the wait for its notifications.
func checkCtx(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

// ErrDataDirInUse is returned (wrapped) by New when another process has
// the data directory open.
var ErrDataDirInUse = errors.New("data directory is in use by another process")

// removeEmptyLogFiles deletes empty memtable (.mem) and value log (.vlog)
// files from a badger directory. Badger creates each such file and then
// sizes it; a crash in between leaves an empty file on which every later
// Open fails with "Create a new file" (dgraph-io/badger#2207). An empty file
// holds no data, so removing it loses nothing.
func removeEmptyLogFiles(dir string) (removed int, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || (!strings.HasSuffix(name, ".mem") && !strings.HasSuffix(name, ".vlog")) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return removed, err
		}
		if info.Size() == 0 {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return removed, err
			}
			removed++
		}
	}
	return removed, nil
}
