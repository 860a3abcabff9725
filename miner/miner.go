package miner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner/kernel"
)

// Timing of the search loop.
const (
	// sliceTarget is how long a worker scans before it looks for a new
	// tip or template, well inside the 50 ms the node allows for stopping.
	sliceTarget = 10 * time.Millisecond
	// refreshInterval is how often the template is rebuilt to update its
	// time and pick up new mempool fees.
	refreshInterval = 5 * time.Second
	// templateRetry is how long Run waits after a template source failed.
	templateRetry = time.Second
)

// Config is what a Miner needs from the node. Neighbours are function
// fields, so the miner knows neither the chain's nor the mempool's types.
type Config struct {
	// Params are the network's parameters. Required.
	Params *chain.Params
	// BestState returns the chain's tip. Required unless Template is set.
	BestState func() chain.BestState
	// Template, when set, supplies the templates Run mines instead of
	// building them from BestState and Txs: an external miner gets them
	// from a node over RPC.
	Template func() (*Template, error)
	// ProcessBlock submits a solved block through the same path as a block
	// from the network. Required.
	ProcessBlock func(context.Context, *chain.Block) (chain.ProcessResult, error)
	// Txs selects the block's transactions; nil mines coinbase-only blocks.
	Txs TxSource
	// TxsUpdated returns a counter that changes whenever the transaction
	// source has gained fees; the template is rebuilt when it moves. Nil
	// means templates are rebuilt only on a new tip and every few seconds.
	TxsUpdated func() uint64
	// PayTo is the x-only key the coinbase pays.
	PayTo [32]byte
	// Threads is the number of workers; all cores if zero.
	Threads int
	// Kernel is the SHA-256d kernel; the fastest this CPU supports if nil.
	Kernel kernel.Kernel
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Logger receives the miner's log lines; slog.Default() if nil.
	Logger *slog.Logger
}

// Miner searches for blocks on all configured threads. It is safe for
// concurrent access.
type Miner struct {
	cfg    Config
	kernel kernel.Kernel
	log    *slog.Logger

	// tipGen counts tip changes; workers compare it between slices.
	tipGen atomic.Uint64
	// generateMu serialises Generate.
	generateMu sync.Mutex
	// hashes counts hashes per worker since start.
	hashes []atomic.Uint64
	// nonceSpace is the number of nonces scanned per extra nonce: 2^32,
	// smaller only in tests of the extra-nonce roll-over.
	nonceSpace uint64

	// waitingForClock is set while Run waits for the clock to reach the
	// next block's time, so that the wait is logged once.
	waitingForClock bool

	rateMu   sync.Mutex // guards rates and lastTick
	rates    []float64  // hashes/s per worker over the last measurement
	lastTick struct {
		at     time.Time
		hashes []uint64
	}
}

// New returns a miner. It does not start mining: call Run or Generate.
func New(cfg Config) (*Miner, error) {
	if cfg.Params == nil || (cfg.BestState == nil && cfg.Template == nil) || cfg.ProcessBlock == nil {
		return nil, errors.New("miner: Config needs Params, BestState or Template, and ProcessBlock")
	}
	if cfg.Threads <= 0 {
		cfg.Threads = runtime.NumCPU()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("sub", "miner")
	for _, r := range kernel.SelfTestResults() {
		if r.Err != nil {
			log.Warn("kernel failed its self-test against crypto/sha256 and is never used",
				"kernel", r.Kernel, "err", r.Err)
		}
	}
	k := cfg.Kernel
	if k == nil {
		if k = kernel.Best(); k == nil {
			return nil, errors.New("miner: no SHA-256d kernel passed its self-test")
		}
	}
	m := &Miner{
		cfg:        cfg,
		kernel:     k,
		log:        log,
		hashes:     make([]atomic.Uint64, cfg.Threads),
		nonceSpace: 1 << 32,
		rates:      make([]float64, cfg.Threads),
	}
	m.lastTick.hashes = make([]uint64, cfg.Threads)
	return m, nil
}

// Kernel returns the SHA-256d kernel in use.
func (m *Miner) Kernel() kernel.Kernel { return m.kernel }

// NotifyNewTip tells the workers that the tip changed; they drop their
// template within one scan slice (well under 50 ms). The node calls it
// from the chain's block-connected notification.
func (m *Miner) NotifyNewTip() { m.tipGen.Add(1) }

// HashRate returns the total hashes per second over the last measurement
// and the rate of each worker.
func (m *Miner) HashRate() (total float64, perWorker []float64) {
	m.rateMu.Lock()
	defer m.rateMu.Unlock()
	for _, r := range m.rates {
		total += r
	}
	return total, append([]float64(nil), m.rates...)
}

// measure updates the hash rates from the worker counters.
func (m *Miner) measure(now time.Time) {
	m.rateMu.Lock()
	defer m.rateMu.Unlock()
	elapsed := now.Sub(m.lastTick.at).Seconds()
	for i := range m.hashes {
		h := m.hashes[i].Load()
		if !m.lastTick.at.IsZero() && elapsed > 0 {
			m.rates[i] = float64(h-m.lastTick.hashes[i]) / elapsed
		}
		m.lastTick.hashes[i] = h
	}
	m.lastTick.at = now
}

// Run mines on the chain's tip until ctx is cancelled, submitting every
// block it solves. A new tip (NotifyNewTip), new fees (TxsUpdated) or the
// refresh interval starts a fresh template.
func (m *Miner) Run(ctx context.Context) error {
	m.log.Info("mining", "threads", m.cfg.Threads, "kernel", m.kernel.Name())
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return nil
		}
		// The tip generation is read before the template is built, so a
		// block that connects while it is being built ends the round.
		gen := m.tipGen.Load()
		tmpl, err := m.template()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && m.cfg.Template == nil {
			return err
		}
		if err != nil {
			// A remote template source may be down for a moment (a
			// node restarting): wait and ask again.
			m.log.Warn("no block template", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(templateRetry):
			}
			continue
		}
		if wait := m.aheadOfClock(tmpl); wait > 0 {
			// Every block would be refused as too far in the future:
			// wait for the clock rather than mine and be refused.
			if !m.waitingForClock {
				m.log.Warn("mining paused: the next block's time is beyond the network's future limit; waiting for the clock",
					"block_time", time.Unix(int64(tmpl.Block.Header.Time), 0).UTC(), "wait", wait.Round(time.Second))
				m.waitingForClock = true
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(min(wait, refreshInterval)):
			}
			continue
		}
		if m.waitingForClock {
			m.log.Info("mining resumed: the clock reached the next block's time")
			m.waitingForClock = false
		}
		roundCtx, cancel := context.WithCancel(ctx)
		found := m.startWorkers(roundCtx, tmpl, gen)
		b := m.waitRound(roundCtx, ticker, found, gen)
		cancel()
		for range found { // wait for every worker to stop
		}
		if b != nil && ctx.Err() == nil { // not while shutting down
			m.submit(ctx, b)
		}
	}
}

// startWorkers searches t on every thread. A worker that finds a block
// sends it on the returned channel, which is closed once all workers have
// stopped (found, cancelled, or the tip changed).
func (m *Miner) startWorkers(ctx context.Context, t *Template, gen uint64) <-chan *chain.Block {
	found := make(chan *chain.Block, m.cfg.Threads)
	var wg sync.WaitGroup
	for w := range m.cfg.Threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b := m.search(ctx, t, uint32(w), gen); b != nil {
				found <- b
			}
		}()
	}
	go func() { wg.Wait(); close(found) }()
	return found
}

// waitRound returns the first block the workers find, or nil when the
// round's context ends, the workers all stop (the tip changed), or the
// template should be rebuilt for new fees or a newer time.
func (m *Miner) waitRound(ctx context.Context, ticker *time.Ticker, found <-chan *chain.Block, gen uint64) *chain.Block {
	started := m.cfg.Now()
	var txsGen uint64
	if m.cfg.TxsUpdated != nil {
		txsGen = m.cfg.TxsUpdated()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case b := <-found:
			return b // nil once every worker has stopped
		case now := <-ticker.C:
			m.measure(now)
			if m.tipGen.Load() != gen || now.Sub(started) >= refreshInterval ||
				(m.cfg.TxsUpdated != nil && m.cfg.TxsUpdated() != txsGen) {
				return nil
			}
		}
	}
}

// ErrAheadOfClock is returned (wrapped, with the figures) by Generate when
// the next block cannot be given a time the network accepts: its earliest
// valid time, the median time past + 1, is beyond MaxFutureBlockTime of the
// local clock. Blocks mined faster than one a second (regtest's
// generatetoaddress) push the median ahead of the clock; mining resumes
// once the clock catches up.
var ErrAheadOfClock = errors.New("the next block's time is beyond the network's future limit")

// aheadOfClock returns how long until t's time is within the network's
// future limit of the clock: 0 when it already is.
func (m *Miner) aheadOfClock(t *Template) time.Duration {
	limit := m.cfg.Now().Add(m.cfg.Params.MaxFutureBlockTime)
	if blockTime := time.Unix(int64(t.Block.Header.Time), 0); blockTime.After(limit) {
		return blockTime.Sub(limit)
	}
	return 0
}

// template builds a template on the current tip, or takes one from the
// configured source.
func (m *Miner) template() (*Template, error) {
	if m.cfg.Template != nil {
		return m.cfg.Template()
	}
	return NewTemplate(m.cfg.Params, m.cfg.BestState(), m.cfg.Now(), m.cfg.PayTo, m.cfg.Txs)
}

// search scans the template for worker w until it finds a block, ctx ends,
// or the tip changes from generation gen (read before t was built). Each worker has its own extra nonce (w, counter) in
// the coinbase, so workers never hash the same header; when a worker has
// scanned all 2^32 nonces it bumps its counter and recomputes the merkle
// root.
func (m *Miner) search(ctx context.Context, t *Template, w uint32, gen uint64) *chain.Block {
	slice := uint32(1 << 16)
	for counter := uint32(0); ; counter++ {
		b := t.withExtraNonce(w, counter)
		work := kernel.NewWork(b.Header.Serialize(), t.Target)
		for start := uint64(0); start < m.nonceSpace; {
			if ctx.Err() != nil || m.tipGen.Load() != gen {
				return nil
			}
			count := uint32(min(uint64(slice), m.nonceSpace-start))
			began := time.Now()
			nonce, ok := m.kernel.Scan(work, uint32(start), count)
			m.hashes[w].Add(uint64(count))
			if ok {
				b.Header.Nonce = nonce
				return b
			}
			start += uint64(count)
			slice = nextSlice(slice, time.Since(began))
		}
	}
}

// nextSlice adapts the slice size so that one scan takes about sliceTarget.
func nextSlice(slice uint32, took time.Duration) uint32 {
	switch {
	case took < sliceTarget/2 && slice < 1<<28:
		return slice * 2
	case took > sliceTarget*2 && slice > 1<<10:
		return slice / 2
	}
	return slice
}

// submit checks the block's proof of work in full and hands it to the node.
func (m *Miner) submit(ctx context.Context, b *chain.Block) {
	hash := b.BlockHash()
	if err := chain.CheckProofOfWork(hash, b.Header.Bits, m.cfg.Params.PowLimit); err != nil {
		m.log.Error("kernel reported a nonce that does not meet the target; block dropped",
			"kernel", m.kernel.Name(), "hash", hash, "err", err)
		return
	}
	res, err := m.cfg.ProcessBlock(ctx, b)
	if err != nil {
		m.log.Warn("mined block refused", "hash", hash, "err", err)
		return
	}
	m.log.Info("mined block", "hash", hash, "height", res.Height, "txs", len(b.Txs))
}

// Generate mines n blocks on the tip, one after another, paying payTo, and
// returns their hashes. It is what regtest's generatetoaddress and the dev
// node's steady block production use; it runs on the calling goroutine and
// all threads.
func (m *Miner) Generate(ctx context.Context, n int, payTo [32]byte) ([]chain.Hash, error) {
	if m.cfg.BestState == nil {
		return nil, errors.New("miner: Generate needs the chain's BestState")
	}
	// One Generate at a time: two on one tip would build the same block.
	m.generateMu.Lock()
	defer m.generateMu.Unlock()
	var hashes []chain.Hash
	for len(hashes) < n {
		gen := m.tipGen.Load()
		t, err := NewTemplate(m.cfg.Params, m.cfg.BestState(), m.cfg.Now(), payTo, m.cfg.Txs)
		if err != nil {
			return hashes, err
		}
		if wait := m.aheadOfClock(t); wait > 0 {
			return hashes, fmt.Errorf("cannot mine block %d: %w (its time, 1 s past the median of the last %d blocks, is %v ahead of this clock; the limit is %v): blocks were mined faster than one a second; try again in %v",
				t.Height, ErrAheadOfClock, chain.MedianTimeBlocks, time.Unix(int64(t.Block.Header.Time), 0).Sub(m.cfg.Now()).Round(time.Second),
				m.cfg.Params.MaxFutureBlockTime, wait.Round(time.Second))
		}
		b, err := m.solve(ctx, t, gen)
		if errors.Is(err, errStale) {
			continue // the tip moved under us: build on the new one
		}
		if err != nil {
			return hashes, err
		}
		if err := ctx.Err(); err != nil {
			return hashes, err // told to stop: the block is not submitted
		}
		res, err := m.cfg.ProcessBlock(ctx, b)
		if errors.Is(err, chain.ErrDuplicateBlock) || (err == nil && !res.MainChain) {
			continue // another block took this height first: build on it
		}
		if err != nil {
			return hashes, fmt.Errorf("generated block refused: %w", err)
		}
		hashes = append(hashes, b.BlockHash())
	}
	return hashes, nil
}

// errStale reports that the tip changed before a template was solved.
var errStale = errors.New("miner: tip changed during the search")

// solve searches t on all threads until a block is found, the tip changes
// (errStale) or ctx ends.
func (m *Miner) solve(ctx context.Context, t *Template, gen uint64) (*chain.Block, error) {
	ctx, cancel := context.WithCancel(ctx)
	found := m.startWorkers(ctx, t, gen)
	defer func() {
		cancel()
		for range found { // wait for every worker to stop
		}
	}()
	select {
	case b, ok := <-found:
		if !ok {
			return nil, errStale
		}
		cancel()
		if err := chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, m.cfg.Params.PowLimit); err != nil {
			return nil, fmt.Errorf("kernel %s reported a nonce that does not meet the target: %w", m.kernel.Name(), err)
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
