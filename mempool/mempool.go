// Package mempool holds the valid unconfirmed transactions a node relays
// and mines: acceptance under consensus rules and relay policy, full
// replace-by-fee, an orphan pool, a byte budget with eviction by descendant
// fee rate, reaction to connected and disconnected blocks, block template
// selection by ancestor fee rate, fee estimation and a snapshot on disk.
//
// The pool knows the chain only through the function fields of its Config.
// docs/mempool.md states the policy numbers and what each refusal means.
package mempool

import (
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/sigverify"
)

// PeerID names the peer a transaction came from, so that its orphans can be
// dropped when it disconnects. The empty PeerID means the node itself (RPC,
// wallet, reorganisations, the snapshot).
type PeerID string

// entry is one pool transaction and its place among the unconfirmed
// transactions. Its fields are guarded by TxPool.mu.
type entry struct {
	tx     *chain.Tx
	txid   chain.Hash
	size   int
	fee    uint64
	added  time.Time
	height uint32 // tip height when it entered, for fee estimation
	seq    uint64 // order of entry, the last tie-breaker
	// maturity is the lowest block height at which every coinbase output
	// it spends is mature; zero if it spends none.
	maturity uint32

	parents  map[*entry]struct{} // pool transactions it spends
	children map[*entry]struct{} // pool transactions spending it

	// Aggregates over the transaction and its unconfirmed ancestors, and
	// over the transaction and its unconfirmed descendants.
	ancCount, ancSize   int
	ancFee              uint64
	descCount, descSize int
	descFee             uint64

	heapIdx int // position in TxPool.evict
}

// TxDesc describes a pool transaction for RPC and the wallet.
type TxDesc struct {
	Tx              *chain.Tx
	TxID            chain.Hash
	Size            int
	Fee             uint64
	FeeRate         FeeRate
	Added           time.Time
	Height          uint32 // tip height when it entered
	AncestorCount   int    // itself included
	DescendantCount int    // itself included
}

// AcceptResult says what became of a transaction given to the pool.
type AcceptResult struct {
	// TxID is the transaction's id.
	TxID chain.Hash
	// Orphan is set when an input is unknown: the transaction waits in the
	// orphan pool for its parents.
	Orphan bool
	// Accepted lists the transactions that entered the pool in this call,
	// in order: the transaction itself, then orphans it unlocked. The
	// caller relays them.
	Accepted []*chain.Tx
	// Replaced lists the pool transactions evicted by replace-by-fee.
	Replaced []*chain.Tx
}

// TxPool is the pool of unconfirmed transactions. It is safe for concurrent
// access; signatures are verified outside its lock, so independent
// transactions are accepted on all cores.
type TxPool struct {
	cfg      Config
	policy   Policy
	sigCache *chain.SigCache
	// sigVerifier checks signatures (Config.SigVerifier).
	sigVerifier sigverify.Verifier
	now         func() time.Time
	log         *slog.Logger

	// onAdded and onRemoved are Config.OnAdded and Config.OnRemoved.
	onAdded   func(*chain.Tx, uint64)
	onRemoved func(*chain.Tx, RemovalReason)
	// deliverMu keeps the events of concurrent calls in pool order.
	deliverMu sync.Mutex

	// mu guards pool, spends, bytes, evict, nextSeq, the rolling minimum
	// fee (minFee, minFeeTime, blockSinceBump), orphans, est, events and
	// chainGen. The chain's UTXO set is never read with mu held for
	// writing, except by an acceptance that found its reads stale
	// maxStaleReads times.
	mu sync.RWMutex
	// chainGen counts the blocks connected and disconnected the pool has
	// heard of: UTXO reads made at one value are still good while it
	// holds.
	chainGen       uint64
	pool           map[chain.Hash]*entry
	spends         map[chain.OutPoint]*entry // outpoint -> pool tx spending it
	bytes          int64
	evict          evictHeap
	nextSeq        uint64
	minFee         float64 // rolling minimum fee rate, units per 1000 bytes
	minFeeTime     time.Time
	blockSinceBump bool
	orphans        *orphanPool
	est            *feeEstimator
	events         []poolEvent // for onAdded and onRemoved, delivered outside mu

	lastUpdated atomic.Uint64
}

// RemovalReason says why a transaction left the pool.
type RemovalReason string

// Why transactions leave the pool.
const (
	RemovedConfirmed RemovalReason = "confirmed" // in a connected block
	RemovedConflict  RemovalReason = "conflict"  // a block spent one of its inputs
	RemovedReplaced  RemovalReason = "replaced"  // a replacement paid more
	RemovedEvicted   RemovalReason = "evicted"   // the pool was over its byte budget
	RemovedExpired   RemovalReason = "expired"   // older than the expiry
	RemovedReorg     RemovalReason = "reorg"     // invalid, or its parent gone, after a disconnect
)

// poolEvent is one queued OnAdded (reason empty) or OnRemoved call.
type poolEvent struct {
	tx     *chain.Tx
	fee    uint64
	reason RemovalReason
}

// queueEvent records an addition (reason "") or a removal for delivery.
// Caller holds mu for writing.
func (mp *TxPool) queueEvent(ev poolEvent) {
	if mp.onAdded != nil || mp.onRemoved != nil {
		mp.events = append(mp.events, ev)
	}
}

// notifyEvents hands the queued events to Config.OnAdded and OnRemoved in
// the order they happened, outside the pool lock. Every exported method
// that can add or remove transactions defers it before it takes the lock.
func (mp *TxPool) notifyEvents() {
	if mp.onAdded == nil && mp.onRemoved == nil {
		return
	}
	mp.deliverMu.Lock()
	defer mp.deliverMu.Unlock()
	mp.mu.Lock()
	queue := mp.events
	mp.events = nil
	mp.mu.Unlock()
	for _, ev := range queue {
		switch {
		case ev.reason == "" && mp.onAdded != nil:
			mp.onAdded(ev.tx, ev.fee)
		case ev.reason != "" && mp.onRemoved != nil:
			mp.onRemoved(ev.tx, ev.reason)
		}
	}
}

// New returns an empty pool.
func New(cfg Config) (*TxPool, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	mp := &TxPool{
		cfg:       cfg,
		policy:    cfg.Policy.withDefaults(),
		sigCache:  cfg.SigCache,
		onAdded:   cfg.OnAdded,
		onRemoved: cfg.OnRemoved,
		now:       cfg.Now,
		log:       cfg.Logger,
		pool:      make(map[chain.Hash]*entry),
		spends:    make(map[chain.OutPoint]*entry),
		est:       newFeeEstimator(),
	}
	if mp.sigCache == nil {
		mp.sigCache = chain.NewSigCache(chain.DefaultSigCacheSize)
	}
	if mp.sigVerifier = cfg.SigVerifier; mp.sigVerifier == nil {
		mp.sigVerifier = sigverify.Default()
	}
	if mp.now == nil {
		mp.now = time.Now
	}
	if mp.log == nil {
		mp.log = slog.Default()
	}
	mp.log = mp.log.With("sub", "mempool")
	mp.orphans = newOrphanPool(mp.policy.MaxOrphans, mp.policy.OrphanExpiry)
	return mp, nil
}

// Policy returns the policy in force, defaults filled in.
func (mp *TxPool) Policy() Policy { return mp.policy }

// AcceptRaw decodes a transaction from its wire form and accepts it as
// AcceptTx does. Malformed bytes are a consensus refusal wrapping the
// chain's decoding error; the pool is left unchanged.
func (mp *TxPool) AcceptRaw(raw []byte, peer PeerID) (AcceptResult, error) {
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		return AcceptResult{}, chainError(err)
	}
	return mp.AcceptTx(tx, peer)
}

// AcceptTx validates tx and adds it to the pool, replacing conflicting
// transactions if it pays enough (full RBF). A transaction with an unknown
// input is held in the orphan pool (Orphan set, error nil) and accepted
// when its parents arrive; orphans waiting for tx are accepted before
// AcceptTx returns and listed in Accepted. A refusal is a *RuleError whose
// Class says whether the peer broke consensus (penalise) or only this
// node's policy (never penalise); other errors are internal failures (the
// UTXO lookup failed). A refused transaction's orphans are dropped.
func (mp *TxPool) AcceptTx(tx *chain.Tx, peer PeerID) (AcceptResult, error) {
	return mp.accept(tx, peer, mp.now())
}

// accept runs AcceptTx with the given entry time.
func (mp *TxPool) accept(tx *chain.Tx, peer PeerID, added time.Time) (AcceptResult, error) {
	defer mp.notifyEvents()
	txid := tx.TxID()
	res := AcceptResult{TxID: txid}
	replaced, orphan, err := mp.acceptOne(tx, txid, peer, added)
	if err != nil {
		if dropsRedeemers(err) {
			mp.mu.Lock()
			mp.orphans.removeRedeemers(txid, len(tx.Outputs))
			mp.mu.Unlock()
		}
		mp.log.Debug("transaction refused", "txid", txid, "peer", peer, "err", err)
		return res, err
	}
	if orphan {
		res.Orphan = true
		return res, nil
	}
	res.Replaced = replaced
	res.Accepted = append([]*chain.Tx{tx}, mp.processOrphans(txid, len(tx.Outputs), added)...)
	return res, nil
}

// validation is what checkLocked learns about a transaction.
type validation struct {
	missing   bool              // an input is unknown: an orphan
	entries   []chain.UtxoEntry // spent outputs, in input order
	parents   []*entry          // distinct pool transactions it spends
	conflicts []*entry          // distinct pool transactions spending its inputs
	replaced  []*entry          // conflicts and their descendants
	ancestors []*entry          // all unconfirmed ancestors
	fee       uint64
	maturity  uint32
}

// acceptOne accepts one transaction without looking at orphans. It returns
// the transactions replaced, or orphan true when tx went to the orphan
// pool.
//
// The chain's UTXO set is read with no pool lock held (readUtxos), so a
// slow database holds up neither readers nor block connection. The checks
// then run twice against what was read: first under the read lock, so
// that cheap refusals come before any signature is verified; then, after
// the signatures were verified without any lock held, again under the
// write lock, where the transaction is inserted. Between the passes the
// pool and the chain may have moved. The pool side is re-read in full
// under the lock; the chain side is trusted only if no block was connected
// or disconnected since it was read (chainGen) and every input it needs
// was read. Otherwise the outputs are read again, unlocked; after
// maxStaleReads such rounds the last one reads under the write lock, so
// that a node connecting blocks without pause still accepts transactions.
func (mp *TxPool) acceptOne(tx *chain.Tx, txid chain.Hash, peer PeerID, added time.Time) ([]*chain.Tx, bool, error) {
	if err := chain.CheckTransactionSanity(tx); err != nil {
		return nil, false, chainError(err)
	}
	if tx.IsCoinbase() {
		return nil, false, consensusError(chain.ErrMultipleCoinbases, "coinbase %v outside a block", txid)
	}
	for i, out := range tx.Outputs {
		if out.Value < mp.policy.DustLimit {
			return nil, false, policyError(ErrDust, "transaction %v output %d pays %d, below the dust limit %d",
				txid, i, out.Value, mp.policy.DustLimit)
		}
	}
	size := tx.SerializeSize()

	view := &utxoView{}
	for round := 0; ; round++ {
		locked := round >= maxStaleReads
		if !locked {
			if err := mp.readUtxos(tx, txid, view); err != nil {
				return nil, false, err
			}
			best := mp.cfg.BestState()
			mp.mu.RLock()
			v, err := mp.checkLocked(tx, txid, size, best, view.fetcher(mp.chainGen))
			mp.mu.RUnlock()
			if err == errStaleView {
				continue
			}
			if err != nil {
				return nil, false, err
			}
			if v.missing {
				return nil, true, mp.addOrphan(tx, txid, peer)
			}
			if err := mp.verifySignatures(tx, txid, v.entries); err != nil {
				return nil, false, err
			}
		}

		best := mp.cfg.BestState()
		mp.mu.Lock()
		fetch := view.fetcher(mp.chainGen)
		if locked {
			fetch = mp.cfg.FetchUtxo
		}
		v, err := mp.checkLocked(tx, txid, size, best, fetch)
		if err == errStaleView {
			mp.mu.Unlock()
			continue
		}
		replaced, orphan, err := mp.insertChecked(tx, txid, size, peer, added, best, v, err, locked)
		mp.mu.Unlock()
		return replaced, orphan, err
	}
}

// insertChecked finishes acceptOne under the write lock with the result
// of its last check. When the signatures were not verified yet (the check
// read the chain under the lock), they are now.
func (mp *TxPool) insertChecked(tx *chain.Tx, txid chain.Hash, size int, peer PeerID, added time.Time,
	best chain.BestState, v *validation, err error, verify bool) ([]*chain.Tx, bool, error) {
	if err != nil {
		return nil, false, err
	}
	if v.missing { // a parent left the pool meanwhile, or a block spent an input
		return nil, true, mp.addOrphanLocked(tx, txid, peer)
	}
	if verify {
		if err := mp.verifySignatures(tx, txid, v.entries); err != nil {
			return nil, false, err
		}
	}
	replaced := make([]*chain.Tx, len(v.replaced))
	for i, r := range v.replaced {
		replaced[i] = r.tx
	}
	if len(v.replaced) > 0 {
		mp.removeLocked(v.replaced, RemovedReplaced)
		mp.log.Debug("transactions replaced", "by", txid, "count", len(v.replaced))
	}
	e := mp.insertLocked(tx, txid, size, v, added, best.Height)
	mp.trimLocked()
	if mp.pool[txid] != e {
		return nil, false, policyError(ErrPoolFull, "pool full: transaction %v has the lowest fee rate", txid)
	}
	mp.lastUpdated.Add(1)
	mp.log.Debug("transaction accepted", "txid", txid, "fee", v.fee, "size", size, "peer", peer, "pool", len(mp.pool))
	return replaced, false, nil
}

// maxStaleReads is how many times acceptOne reads a transaction's inputs
// from the chain without a lock before it reads them under the write lock.
const maxStaleReads = 4

// errStaleView says that what a utxoView holds may no longer be the
// chain's UTXO set, or lacks an input now needed: read again.
var errStaleView = errors.New("mempool: UTXO view is stale")

// utxoView is what one acceptance read of the chain's UTXO set, without
// the pool lock, and the chain generation it was read at.
type utxoView struct {
	gen     uint64
	entries map[chain.OutPoint]utxoRead
}

// utxoRead is one FetchUtxo answer.
type utxoRead struct {
	entry chain.UtxoEntry
	ok    bool
}

// readUtxos reads from the chain, with no lock held, the outputs tx spends
// that are not pool outputs and that view lacks. What view read at an
// older chain generation is dropped first. A transaction already known is
// refused here, before any read.
func (mp *TxPool) readUtxos(tx *chain.Tx, txid chain.Hash, view *utxoView) error {
	mp.mu.RLock()
	if mp.pool[txid] != nil || mp.orphans.has(tx.WTxID()) {
		mp.mu.RUnlock()
		return policyError(ErrDuplicate, "transaction %v is already known", txid)
	}
	gen := mp.chainGen
	if view.entries == nil || view.gen != gen {
		view.entries = make(map[chain.OutPoint]utxoRead, len(tx.Inputs))
		view.gen = gen
	}
	var need []chain.OutPoint
	for _, in := range tx.Inputs {
		if _, have := view.entries[in.Prev]; !have && !in.Prev.IsNull() && mp.pool[in.Prev.TxID] == nil {
			need = append(need, in.Prev)
		}
	}
	mp.mu.RUnlock()
	for _, op := range need {
		e, ok, err := mp.cfg.FetchUtxo(op)
		if err != nil {
			return err
		}
		view.entries[op] = utxoRead{e, ok}
	}
	return nil
}

// fetcher returns a FetchUtxo answering from the view, or errStaleView
// when the chain has moved since it was read (gen is the pool's chainGen
// now) or the output was not read. Caller holds mu.
func (view *utxoView) fetcher(gen uint64) func(chain.OutPoint) (chain.UtxoEntry, bool, error) {
	return func(op chain.OutPoint) (chain.UtxoEntry, bool, error) {
		r, ok := view.entries[op]
		if !ok || view.gen != gen {
			return chain.UtxoEntry{}, false, errStaleView
		}
		return r.entry, r.ok, nil
	}
}

// checkLocked applies every rule except signatures to tx against the UTXO
// set as fetch answers it, the pool and the tip best. Caller holds mu
// (read or write).
func (mp *TxPool) checkLocked(tx *chain.Tx, txid chain.Hash, size int, best chain.BestState,
	fetch func(chain.OutPoint) (chain.UtxoEntry, bool, error)) (*validation, error) {
	if mp.pool[txid] != nil || mp.orphans.has(tx.WTxID()) {
		return nil, policyError(ErrDuplicate, "transaction %v is already known", txid)
	}
	next := best.Height + 1
	v := &validation{entries: make([]chain.UtxoEntry, len(tx.Inputs))}
	for i, in := range tx.Inputs {
		if in.Prev.IsNull() { // SPEC §3: a spend of the null outpoint spends a missing output
			return nil, consensusError(chain.ErrMissingInput, "transaction %v input %d spends the null outpoint", txid, i)
		}
		if c := mp.spends[in.Prev]; c != nil && !containsEntry(v.conflicts, c) {
			v.conflicts = append(v.conflicts, c)
		}
		if p := mp.pool[in.Prev.TxID]; p != nil {
			if int(in.Prev.Index) >= len(p.tx.Outputs) {
				return nil, consensusError(chain.ErrMissingInput, "transaction %v input %d spends missing output %v:%d",
					txid, i, in.Prev.TxID, in.Prev.Index)
			}
			v.entries[i] = chain.UtxoEntry{Output: p.tx.Outputs[in.Prev.Index], Height: next}
			if !containsEntry(v.parents, p) {
				v.parents = append(v.parents, p)
			}
			continue
		}
		e, ok, err := fetch(in.Prev)
		if err != nil {
			return nil, err
		}
		if !ok {
			v.missing = true
			continue
		}
		v.entries[i] = e
		if e.IsCoinbase {
			v.maturity = max(v.maturity, e.Height+mp.cfg.Params.CoinbaseMaturity)
		}
	}
	if v.missing {
		return v, nil
	}
	if !chain.IsFinalTx(tx, next, best.MedianTime) {
		return nil, chainError(chain.RuleError{Err: chain.ErrUnfinalizedTx, Description: "transaction " +
			txid.String() + " is not final at the next height and median time past"})
	}
	fee, err := chain.CheckTransactionInputs(tx, txid, next, v.entries, mp.cfg.Params)
	if err != nil {
		return nil, chainError(err)
	}
	v.fee = fee
	if relay := mp.policy.MinRelayFeeRate.Fee(size); fee < relay {
		return nil, policyError(ErrInsufficientFee, "transaction %v pays %d, below the minimum relay fee %d for %d bytes",
			txid, fee, relay, size)
	}
	if rolling := mp.rollingMinFeeLocked(mp.now()).Fee(size); fee < rolling {
		return nil, policyError(ErrInsufficientFee, "transaction %v pays %d, below the pool's current minimum fee %d for %d bytes",
			txid, fee, rolling, size)
	}
	if len(v.conflicts) > 0 {
		if err := mp.checkReplacementLocked(txid, size, v); err != nil {
			return nil, err
		}
	}
	if err := mp.checkLimitsLocked(txid, size, v); err != nil {
		return nil, err
	}
	return v, nil
}

// checkReplacementLocked applies the full-RBF rules to a transaction that
// conflicts with pool transactions and fills v.replaced. Caller holds mu.
func (mp *TxPool) checkReplacementLocked(txid chain.Hash, size int, v *validation) error {
	v.replaced = descendantsOf(v.conflicts)
	if n := len(v.replaced); n > mp.policy.MaxReplacements {
		return policyError(ErrReplaceTooMany, "transaction %v would replace %d transactions, more than %d",
			txid, n, mp.policy.MaxReplacements)
	}
	for _, p := range v.parents {
		if containsEntry(v.replaced, p) {
			return policyError(ErrReplaceSpendsConflict, "transaction %v spends %v, which it would replace", txid, p.txid)
		}
	}
	for _, c := range v.conflicts {
		if cmpRate(v.fee, size, c.fee, c.size) <= 0 {
			return policyError(ErrReplaceFeeRate, "transaction %v fee rate %d is not above %d of conflicting %v",
				txid, NewFeeRate(v.fee, size), NewFeeRate(c.fee, c.size), c.txid)
		}
	}
	var sum uint64
	for _, r := range v.replaced {
		sum += r.fee // each fee <= MaxMoney and at most MaxReplacements of them: no overflow
	}
	if relay := mp.policy.MinRelayFeeRate.Fee(size); v.fee <= sum || v.fee-sum < relay {
		return policyError(ErrReplaceFee, "transaction %v pays %d, replaced transactions pay %d: needs at least %d more",
			txid, v.fee, sum, relay)
	}
	return nil
}

// checkLimitsLocked fills v.ancestors and applies the ancestor and
// descendant limits, counting transactions about to be replaced as gone.
// Caller holds mu.
func (mp *TxPool) checkLimitsLocked(txid chain.Hash, size int, v *validation) error {
	if len(v.parents) == 0 {
		return nil
	}
	v.ancestors = ancestorsOf(v.parents)
	ancSize := size
	for _, a := range v.ancestors {
		ancSize += a.size
	}
	if n := len(v.ancestors) + 1; n > mp.policy.MaxAncestors {
		return policyError(ErrAncestorLimit, "transaction %v would have %d unconfirmed ancestors, limit %d",
			txid, n, mp.policy.MaxAncestors)
	}
	if ancSize > mp.policy.MaxAncestorBytes {
		return policyError(ErrAncestorLimit, "transaction %v with its unconfirmed ancestors is %d bytes, limit %d",
			txid, ancSize, mp.policy.MaxAncestorBytes)
	}
	var leaving map[*entry]int // descendants each ancestor loses to the replacement
	if len(v.replaced) > 0 {
		leaving = make(map[*entry]int)
		for _, r := range v.replaced {
			for _, a := range ancestorsOf([]*entry{r}) {
				leaving[a]++
			}
		}
	}
	for _, a := range v.ancestors {
		if n := a.descCount + 1 - leaving[a]; n > mp.policy.MaxDescendants {
			return policyError(ErrDescendantLimit, "ancestor %v of transaction %v would have %d descendants, limit %d",
				a.txid, txid, n, mp.policy.MaxDescendants)
		}
	}
	return nil
}

// verifySignatures checks every input's signature against the outputs it
// spends in one call to the pool's verifier (on all cores for a large
// transaction), skipping those in the signature cache, and adds them to
// the cache when all verify.
func (mp *TxPool) verifySignatures(tx *chain.Tx, txid chain.Hash, entries []chain.UtxoEntry) error {
	spent := make([]chain.TxOut, len(entries))
	for i := range entries {
		spent[i] = entries[i].Output
	}
	genesis := mp.cfg.Params.GenesisHash
	checks := chain.NewSigChecks(mp.sigCache)
	for i, in := range tx.Inputs {
		checks.Add(chain.CalcSigHash(genesis, txid, i, spent), spent[i].PubKey, in.Witness, txid, i)
	}
	if failed := checks.Verify(mp.sigVerifier, runtime.GOMAXPROCS(0)); len(failed) > 0 {
		return consensusError(chain.ErrBadSignature, "transaction %v input %d: signature does not verify", txid, failed[0].Input)
	}
	checks.Remember()
	return nil
}

// containsEntry reports whether list holds e.
func containsEntry(list []*entry, e *entry) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

// LastUpdated returns a counter that changes whenever the pool gains a
// transaction (and so fees): the miner rebuilds its template when it moves.
func (mp *TxPool) LastUpdated() uint64 { return mp.lastUpdated.Load() }

// Count returns the number of pool transactions.
func (mp *TxPool) Count() int {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	return len(mp.pool)
}

// Bytes returns the sum of the pool transactions' serialized sizes.
func (mp *TxPool) Bytes() int64 {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	return mp.bytes
}

// OrphanCount returns the number of transactions in the orphan pool.
func (mp *TxPool) OrphanCount() int {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	return mp.orphans.len()
}

// Has reports whether the transaction is in the pool (not counting
// orphans).
func (mp *TxPool) Has(txid chain.Hash) bool {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	return mp.pool[txid] != nil
}

// HasWTx reports whether the pool holds tx itself, witness included: a
// pool transaction of the same txid with another witness is not it.
func (mp *TxPool) HasWTx(tx *chain.Tx) bool {
	txid := tx.TxID()
	mp.mu.RLock()
	e := mp.pool[txid]
	mp.mu.RUnlock()
	return e != nil && e.tx.WTxID() == tx.WTxID()
}

// HaveOrphan reports whether the transaction waits in the orphan pool.
func (mp *TxPool) HaveOrphan(txid chain.Hash) bool {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	return mp.orphans.hasTxID(txid)
}

// Lookup returns the description of a pool transaction.
func (mp *TxPool) Lookup(txid chain.Hash) (TxDesc, bool) {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	e := mp.pool[txid]
	if e == nil {
		return TxDesc{}, false
	}
	return e.desc(), true
}

// Txs returns the descriptions of every pool transaction, in no order.
func (mp *TxPool) Txs() []TxDesc {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	out := make([]TxDesc, 0, len(mp.pool))
	for _, e := range mp.pool {
		out = append(out, e.desc())
	}
	return out
}

// SpentBy returns the pool transaction spending op, if any.
func (mp *TxPool) SpentBy(op chain.OutPoint) (chain.Hash, bool) {
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	if e := mp.spends[op]; e != nil {
		return e.txid, true
	}
	return chain.Hash{}, false
}

// desc describes e. Caller holds mu.
func (e *entry) desc() TxDesc {
	return TxDesc{
		Tx: e.tx, TxID: e.txid, Size: e.size, Fee: e.fee, FeeRate: NewFeeRate(e.fee, e.size),
		Added: e.added, Height: e.height, AncestorCount: e.ancCount, DescendantCount: e.descCount,
	}
}

// errorIs reports whether err is a RuleError of the kind.
func errorIs(err error, kind ErrorKind) bool {
	re, ok := err.(*RuleError)
	return ok && re.Kind == kind
}
