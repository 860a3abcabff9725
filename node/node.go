// Package node wires Flint's parts — the chain engine, mempool, miner, RPC
// server and metrics, and the p2p layer when it arrives — into one process
// that runs under one context.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/explorer"
	"github.com/flint-chain/flint/mempool"
	"github.com/flint-chain/flint/miner"
	"github.com/flint-chain/flint/p2p"
	"github.com/flint-chain/flint/rpc"
	"github.com/flint-chain/flint/sigverify"
)

// Config is everything a node needs to start.
type Config struct {
	// Params are the network's parameters. Required.
	Params *chain.Params
	// DataDir holds the node's files; the chain lives in DataDir/chain.
	DataDir string
	// Mine starts the continuous miner, paying MinePayTo.
	Mine bool
	// MinePayTo is the x-only key mined coinbases pay: the node's payout
	// address (--mining.address), also used by getwork and by
	// getblocktemplate called without an address. Zero means none.
	MinePayTo [32]byte
	// MineThreads is the number of mining threads; all cores if zero.
	MineThreads int
	// DevPeriod, when non-zero, mines one block every DevPeriod instead of
	// mining continuously (the dev mode's steady chain).
	DevPeriod time.Duration
	// RPCAddr, when set, is where JSON-RPC and /events are served.
	RPCAddr string
	// RPCUser and RPCPassword, when set, are the RPC credentials;
	// otherwise a random cookie in DataDir/.cookie is.
	RPCUser, RPCPassword string
	// MetricsAddr, when set, is where /metrics and /healthz are served.
	MetricsAddr string
	// HTTPAddr, when set, is where the web explorer is served.
	HTTPAddr string
	// HTTPTestnet, when set, is a local testnet's testnet.json, whose nodes
	// the explorer's testnet page follows.
	HTTPTestnet string
	// CloseTimeout bounds the database close at shutdown; 4 s if zero.
	// Tests that load a slow machine heavily lengthen it.
	CloseTimeout time.Duration
	// P2P configures the peer-to-peer layer; the node runs alone unless
	// P2P.Enable is set.
	P2P P2PConfig
	// MempoolPolicy is the relay policy; zero fields take the defaults.
	MempoolPolicy mempool.Policy
	// SigVerifier checks signatures for the chain and the mempool;
	// sigverify.Default() if nil.
	SigVerifier sigverify.Verifier
	// Logger receives every subsystem's lines.
	Logger *slog.Logger
	// MinFreeDisk is the free space on the data directory's file system
	// below which the node refuses to start and, running, stops;
	// DefaultMinFreeDisk if zero.
	MinFreeDisk uint64
	// Now is the node's clock: the chain's future-time rule and the
	// timestamps of mined blocks read it. time.Now if nil; fault tests shift
	// it to play a node whose clock is wrong.
	Now func() time.Time
}

// Node is a running Flint node.
type Node struct {
	cfg     Config
	chain   *chain.BlockChain
	miner   *miner.Miner
	mempool *mempool.TxPool
	metrics *metrics
	rpc     *rpc.Server
	// explorer is the web explorer, nil when not serving.
	explorer *explorer.Explorer
	// p2p is the peer-to-peer layer, nil when the node runs alone.
	p2p *p2p.Node
	// rpcLn, metricsLn and httpLn are the bound listeners, nil when not
	// serving.
	rpcLn, metricsLn, httpLn net.Listener
	// mining is set while the continuous miner runs.
	mining atomic.Bool
	// stop ends Run (the RPC stop method); stopped is closed by it.
	stop    func()
	stopped chan struct{}
	// diskErr is set once the disk ran low (the node then stops without
	// another write).
	diskErr atomic.Pointer[error]
	// freeSpace measures the free space under a directory; freeDisk when
	// nil (tests set it before Run).
	freeSpace func(dir string) (uint64, error)
	// chainFault carries the first chain notification whose block could
	// not be read; the node stops on it (see watchNotification).
	chainFault chan error
	// closeTimeout bounds the database close at shutdown.
	closeTimeout time.Duration
	log          *slog.Logger
}

// RPCAddr returns the address JSON-RPC is served on, or "" when it is not.
func (n *Node) RPCAddr() string {
	if n.rpcLn == nil {
		return ""
	}
	return n.rpcLn.Addr().String()
}

// MetricsAddr returns the address /metrics and /healthz are served on, or
// "" when they are not.
func (n *Node) MetricsAddr() string {
	if n.metricsLn == nil {
		return ""
	}
	return n.metricsLn.Addr().String()
}

// New opens the node's data directory. A directory in use by another
// process is refused (badger holds a lock on it).
func New(cfg Config) (*Node, error) {
	if cfg.Params == nil || cfg.DataDir == "" {
		return nil, errors.New("node: Config needs Params and DataDir")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MinFreeDisk == 0 {
		cfg.MinFreeDisk = DefaultMinFreeDisk
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := (&Node{cfg: cfg}).checkDisk(); err != nil {
		return nil, err
	}
	// One signature cache for chain and mempool: what the pool verified,
	// block connection does not verify again.
	sigCache := chain.NewSigCache(chain.DefaultSigCacheSize)
	c, err := chain.New(chain.Config{Params: cfg.Params, DataDir: filepath.Join(cfg.DataDir, "chain"),
		SigCache: sigCache, SigVerifier: cfg.SigVerifier, Logger: cfg.Logger, Now: cfg.Now})
	if err != nil {
		if errors.Is(err, chain.ErrDataDirInUse) {
			return nil, fmt.Errorf("data directory %s is in use by another flint process", cfg.DataDir)
		}
		return nil, err
	}
	n := &Node{cfg: cfg, chain: c, log: cfg.Logger.With("sub", "node"), stopped: make(chan struct{}),
		closeTimeout: cfg.CloseTimeout}
	if n.closeTimeout <= 0 {
		n.closeTimeout = 4 * time.Second
	}
	var once sync.Once
	n.stop = func() { once.Do(func() { close(n.stopped) }) }
	n.metrics = newMetrics(n)
	if err := n.build(sigCache); err != nil {
		n.closeListeners()
		c.Close()
		return nil, err
	}
	return n, nil
}

// build creates the node's parts on its open chain and binds its listeners,
// so that a port in use is reported before the node starts and tests can
// read the addresses.
func (n *Node) build(sigCache *chain.SigCache) error {
	cfg, c := n.cfg, n.chain
	if err := n.newMempool(sigCache); err != nil {
		return err
	}
	if cfg.P2P.Enable {
		if err := n.newP2P(); err != nil {
			return err
		}
	}
	n.warnNowhereToConnect()
	n.chainFault = make(chan error, 1)
	c.Subscribe(n.watchNotification)
	var prev chain.NotificationType = -1
	c.Subscribe(func(ev chain.Notification) {
		n.metrics.observe(ev, prev)
		prev = ev.Type
	})
	// Regtest always has a miner, idle unless asked: generatetoaddress
	// uses it.
	if cfg.Mine || cfg.DevPeriod > 0 || cfg.Params.NoRetarget {
		var err error
		n.miner, err = miner.New(miner.Config{
			Params:       cfg.Params,
			BestState:    c.BestState,
			ProcessBlock: n.relayBlock,
			PayTo:        cfg.MinePayTo,
			Threads:      cfg.MineThreads,
			Txs:          n.txSource(),
			TxsUpdated:   n.mempool.LastUpdated,
			Logger:       cfg.Logger,
			Now:          cfg.Now,
		})
		if err != nil {
			return err
		}
		c.Subscribe(func(ev chain.Notification) {
			if ev.Type == chain.BlockConnected {
				n.miner.NotifyNewTip()
			}
		})
	}
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return &ListenError{Service: "metrics", Addr: cfg.MetricsAddr, Err: err}
		}
		n.metricsLn = ln
	}
	if cfg.RPCAddr != "" {
		ln, err := net.Listen("tcp", cfg.RPCAddr)
		if err != nil {
			return &ListenError{Service: "RPC", Addr: cfg.RPCAddr, Err: err}
		}
		n.rpcLn = ln
		if n.rpc, err = n.newRPCServer(n.stop); err != nil {
			return err
		}
		c.Subscribe(func(ev chain.Notification) { n.rpc.Publish(rpc.ChainEvent(ev)) })
	}
	if cfg.HTTPAddr != "" {
		if err := n.startExplorer(); err != nil {
			return err
		}
	}
	return nil
}

// ListenError is returned by New when one of the node's listeners cannot
// bind, so the caller can name the setting that moves it. errors.Is(err,
// syscall.EADDRINUSE) tells a port in use.
type ListenError struct {
	Service string // "RPC", "metrics", "explorer" or "P2P"
	Addr    string // the address asked for
	Err     error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("%s listener on %s: %v", e.Service, e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// closeListeners closes the bound listeners and the p2p host of a node
// that will not run.
func (n *Node) closeListeners() {
	if n.p2p != nil {
		n.p2p.Close()
	}
	for _, ln := range []net.Listener{n.rpcLn, n.metricsLn, n.httpLn} {
		if ln != nil {
			ln.Close()
		}
	}
}

// Generate mines count blocks paying payTo on networks without
// retargeting (regtest), announcing each to peers, and returns their
// hashes.
func (n *Node) Generate(ctx context.Context, count int, payTo [32]byte) ([]chain.Hash, error) {
	if n.miner == nil {
		return nil, errors.New("node: no miner on this network")
	}
	return n.miner.Generate(ctx, count, payTo)
}

// P2P returns the node's p2p layer, nil when it runs alone.
func (n *Node) P2P() *p2p.Node { return n.p2p }

// Mempool returns the node's transaction pool.
func (n *Node) Mempool() *mempool.TxPool { return n.mempool }

// Chain returns the node's chain engine.
func (n *Node) Chain() *chain.BlockChain { return n.chain }

// Run runs the node until ctx is cancelled or a part fails, then stops every
// part and closes the database.
func (n *Node) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var parts []func(context.Context) error
	if n.metricsLn != nil {
		n.log.Info("serving metrics", "url", "http://"+n.metricsLn.Addr().String()+"/metrics")
		parts = append(parts, func(ctx context.Context) error { return n.serveMetrics(ctx, n.metricsLn) })
	}
	if n.rpcLn != nil {
		n.log.Info("serving JSON-RPC", "url", "http://"+n.rpcLn.Addr().String())
		parts = append(parts, n.serveRPC)
	}
	parts = append(parts, n.watchDisk, n.stopOnChainFault)
	if n.httpLn != nil {
		n.log.Info("serving the explorer", "url", "http://"+n.httpLn.Addr().String())
		parts = append(parts, n.serveExplorer)
	}
	if n.p2p != nil {
		parts = append(parts, n.p2p.Run)
	}
	switch {
	case n.cfg.DevPeriod > 0:
		parts = append(parts, n.runDevMiner)
	case n.cfg.Mine:
		parts = append(parts, func(ctx context.Context) error {
			n.mining.Store(true)
			defer n.mining.Store(false)
			return n.miner.Run(ctx)
		})
	}
	go func() {
		select {
		case <-n.stopped:
			n.log.Info("stop requested over RPC")
			cancel()
		case <-ctx.Done():
		}
	}()

	errs := make(chan error, len(parts))
	for _, run := range parts {
		go func() {
			err := run(ctx)
			cancel() // one part stopping stops the node
			errs <- err
		}()
	}
	<-ctx.Done()
	var first error
	for range parts {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if p := n.diskErr.Load(); p != nil {
		// Closing flushes the database's memory-mapped tables, which a
		// full disk turns into a crash; every stored block is in its log
		// already, and the next start recovers from it.
		n.log.Error("stopped without closing the database (its log has every block; the next start recovers)")
		return *p
	}
	n.saveMempool()
	if err := n.closeChain(); err != nil {
		n.log.Error("closing the chain database", "err", err)
		if first == nil {
			first = err
		}
	}
	n.log.Info("stopped")
	return first
}

// closeChain closes the chain database, giving up after closeTimeout: a
// database that cannot write (a full disk, a data directory removed under
// the node) would otherwise keep retrying its final flush for ever. Every
// connected block is already in badger's log, so the next start recovers
// as after a crash.
func (n *Node) closeChain() error {
	done := make(chan error, 1)
	go func() { done <- n.chain.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(n.closeTimeout):
		return fmt.Errorf("the chain database did not close within %v (is the disk full, or the data directory gone?); "+
			"exiting without a clean close: the next start recovers as after a crash", n.closeTimeout)
	}
}

// runDevMiner mines one block every DevPeriod until ctx ends; a failure is
// logged and the next tick tries again.
func (n *Node) runDevMiner(ctx context.Context) error {
	ticker := time.NewTicker(n.cfg.DevPeriod)
	defer ticker.Stop()
	waiting := false // for the clock, said once
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			hashes, err := n.miner.Generate(ctx, 1, n.cfg.MinePayTo)
			if ctx.Err() != nil {
				return nil
			}
			switch {
			case errors.Is(err, miner.ErrAheadOfClock):
				// Blocks mined faster than the clock (generatetoaddress)
				// put the next block's time out of reach for a while.
				if !waiting {
					n.log.Warn("dev miner waiting for the clock", "err", err)
					waiting = true
				}
				continue
			case err != nil:
				// A block refused (say, by a rule a mempool transaction
				// broke after a reorg) is no reason to stop the node.
				n.log.Error("dev block not mined", "err", err)
				continue
			}
			if waiting {
				n.log.Info("dev miner mining again: the clock caught up")
				waiting = false
			}
			best := n.chain.BestState()
			n.log.Info("dev block", "height", best.Height, "hash", hashes[0])
		}
	}
}

// watchNotification is the node's own chain subscriber: a notification
// whose block the chain could not read leaves the mempool, the explorer and
// /events one block out of step with the chain, and nothing later would put
// them right, so the node stops with a sentence why rather than run on
// drifting.
func (n *Node) watchNotification(ev chain.Notification) {
	if ev.Err == nil {
		return
	}
	err := fmt.Errorf("stopping: block %v at height %d (%v) could not be read to tell the mempool and indexes of it: %w",
		ev.Hash, ev.Height, ev.Type, ev.Err)
	select {
	case n.chainFault <- err:
	default: // the node is stopping on an earlier one
	}
}

// stopOnChainFault returns the first chain fault watchNotification saw,
// which stops the node, or nil once ctx is done.
func (n *Node) stopOnChainFault(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-n.chainFault:
		n.log.Error("chain notification incomplete", "err", err)
		return err
	}
}
