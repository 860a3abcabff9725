package mempool

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// gatedFetch is the chain's FetchUtxo with a gate: the first read of the
// armed outpoint, once it has read the database, signals reached and waits
// for release before it answers, as a slow disk would (a badger read
// answers from the snapshot it started on).
type gatedFetch struct {
	fetch   func(chain.OutPoint) (chain.UtxoEntry, bool, error)
	mu      sync.Mutex
	armed   *chain.OutPoint
	reached chan struct{}
	release chan struct{}
	// yield, when set, lets other goroutines run around every read.
	yield bool
}

func newGatedFetch(fetch func(chain.OutPoint) (chain.UtxoEntry, bool, error)) *gatedFetch {
	return &gatedFetch{fetch: fetch, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedFetch) arm(op chain.OutPoint) {
	g.mu.Lock()
	g.armed = &op
	g.mu.Unlock()
}

func (g *gatedFetch) FetchUtxo(op chain.OutPoint) (chain.UtxoEntry, bool, error) {
	g.mu.Lock()
	hit := g.armed != nil && *g.armed == op
	if hit {
		g.armed = nil
	}
	g.mu.Unlock()
	if g.yield {
		runtime.Gosched()
	}
	e, ok, err := g.fetch(op)
	if hit {
		close(g.reached)
		<-g.release
	}
	if g.yield {
		runtime.Gosched()
	}
	return e, ok, err
}

// newGatedPool returns a pool on env's chain, subscribed to it, reading
// the UTXO set through a gatedFetch.
func newGatedPool(env *testEnv) (*TxPool, *gatedFetch) {
	env.t.Helper()
	g := newGatedFetch(env.chain.FetchUtxo)
	mp, err := New(Config{Params: env.params, FetchUtxo: g.FetchUtxo, BestState: env.chain.BestState,
		SigCache: env.cache, Now: env.clock.Now, Logger: discardLogger()})
	if err != nil {
		env.t.Fatal(err)
	}
	env.chain.Subscribe(mp.HandleChainNotification)
	return mp, g
}

// proceeds runs fn and fails the test if it does not return while a UTXO
// read is held up (it would then be waiting for that read: the time limit
// only turns a deadlock into a failure). unblock is called first on
// failure so that the test can end.
func proceeds(t *testing.T, what string, unblock func(), fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		unblock()
		<-done
		t.Fatalf("%s waited for a UTXO read in progress", what)
	}
}

// checkInputsLive fails the test if a pool transaction spends an output
// that is neither unspent in the chain nor a pool transaction's: a stale
// UTXO read let it in.
func checkInputsLive(t *testing.T, env *testEnv, mp *TxPool) {
	t.Helper()
	checkPoolConsistent(t, mp)
	for _, d := range mp.Txs() {
		for i, in := range d.Tx.Inputs {
			if mp.Has(in.Prev.TxID) {
				continue
			}
			if _, ok, err := env.chain.FetchUtxo(in.Prev); err != nil || !ok {
				t.Fatalf("pool transaction %v input %d spends %v, which the chain has spent (%v)", d.TxID, i, in.Prev, err)
			}
		}
	}
}

// TestSlowUtxoReadBlocksNobody holds one acceptance inside its read of the
// UTXO set and checks that meanwhile readers (Has, Count, MiningTxs),
// another acceptance and a block connection all go ahead; the block spends
// the input being read, and the held acceptance, once released, does not
// let its transaction in on the stale read.
func TestSlowUtxoReadBlocksNobody(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(3)
	mp, gate := newGatedPool(env)
	var once sync.Once
	open := func() { once.Do(func() { close(gate.release) }) }
	t.Cleanup(open)

	early := env.spend(coins[0:1], 1, 2000)
	if _, err := mp.AcceptTx(early, "peer"); err != nil {
		t.Fatal(err)
	}
	mined := env.spend(coins[1:2], 1, 2000)
	late := env.spend(coins[1:2], 1, 5000) // double-spends mined
	other := env.spend(coins[2:3], 1, 2000)

	gate.arm(coins[1].op)
	type result struct {
		res AcceptResult
		err error
	}
	held := make(chan result, 1)
	go func() {
		res, err := mp.AcceptTx(late, "peer")
		held <- result{res, err}
	}()
	<-gate.reached

	proceeds(t, "Has, Count and MiningTxs", open, func() {
		if !mp.Has(early.TxID()) || mp.Count() != 1 {
			t.Errorf("pool lost %v", early.TxID())
		}
		if txs, _ := mp.MiningTxs(1 << 20); len(txs) != 1 || txs[0].TxID() != early.TxID() {
			t.Errorf("template from the pool: %d transactions", len(txs))
		}
	})
	proceeds(t, "another acceptance", open, func() {
		if _, err := mp.AcceptTx(other, "peer"); err != nil {
			t.Errorf("accept %v: %v", other.TxID(), err)
		}
	})
	best := env.chain.BestState()
	b := env.buildBlock(best.Hash, best.Header.Time, best.Height+1, []*chain.Tx{mined})
	proceeds(t, "a block connection", open, func() {
		if _, err := env.chain.ProcessBlock(context.Background(), b); err != nil {
			t.Errorf("process block: %v", err)
		}
	})
	proceeds(t, "Has after the block", open, func() {
		if !mp.Has(other.TxID()) || !mp.Has(early.TxID()) {
			t.Error("pool lost a transaction the block does not touch")
		}
	})

	open()
	r := <-held
	if r.err != nil || !r.res.Orphan {
		t.Fatalf("transaction spending an output the block spent while it was read: %+v, %v; want it held as an orphan", r.res, r.err)
	}
	if mp.Has(late.TxID()) {
		t.Fatalf("%v entered the pool on a stale read of an output the chain spent", late.TxID())
	}
	checkInputsLive(t, env, mp)
}

// TestConcurrentAcceptAndConnect accepts transactions from several
// goroutines while blocks spending the same coins are connected. Coins
// the blocks take must leave no spend in the pool, whichever came first;
// the others' spends must all be in it.
func TestConcurrentAcceptAndConnect(t *testing.T) {
	const (
		rounds    = 4
		contested = 24 // coins a block spends too
		free      = 8  // coins only the pool's transactions spend
		perBlock  = 3
		workers   = 4
	)
	env := newEnv(t, Policy{})
	mp, gate := newGatedPool(env)
	gate.yield = true
	for round := range rounds {
		coins := env.takeCoins(contested + free)
		var blockTxs, poolTxs, want []*chain.Tx
		for i, c := range coins {
			pooled := env.spend([]coin{c}, 1, 5000)
			poolTxs = append(poolTxs, pooled)
			if i < contested {
				blockTxs = append(blockTxs, env.spend([]coin{c}, 1, 2000))
			} else {
				want = append(want, pooled)
			}
		}
		// The pool also takes children of free coins' spends, so inputs
		// that are pool outputs are read too.
		for _, p := range poolTxs[contested:] {
			child := env.spend([]coin{coinOf(p, 0)}, 1, 2000)
			poolTxs = append(poolTxs, child)
			want = append(want, child)
		}

		var wg sync.WaitGroup
		errs := make(chan error, len(poolTxs))
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(poolTxs); i += workers {
					if _, err := mp.AcceptTx(poolTxs[i], PeerID(fmt.Sprint("peer", w))); err != nil && !errorIs(err, ErrDuplicate) {
						errs <- fmt.Errorf("accept %v: %w", poolTxs[i].TxID(), err)
					}
				}
			}()
		}
		for len(blockTxs) > 0 {
			n := min(perBlock, len(blockTxs))
			best := env.chain.BestState()
			b := env.buildBlock(best.Hash, best.Header.Time, best.Height+1, blockTxs[:n])
			if _, err := env.chain.ProcessBlock(context.Background(), b); err != nil {
				t.Fatalf("round %d: process block: %v", round, err)
			}
			blockTxs = blockTxs[n:]
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			// A child may arrive before its parent: it waits as an
			// orphan and follows the parent in.
			t.Errorf("round %d: %v", round, err)
		}

		checkInputsLive(t, env, mp)
		if mp.Count() != len(want) {
			t.Errorf("round %d: pool holds %d transactions, want the %d spending free coins", round, mp.Count(), len(want))
		}
		for _, tx := range want {
			if !mp.Has(tx.TxID()) {
				t.Errorf("round %d: %v missing from the pool", round, tx.TxID())
			}
		}
		if t.Failed() {
			return
		}
		env.mine(want...) // confirm them, so the next round starts empty
		if mp.Count() != 0 {
			t.Fatalf("round %d: %d transactions left after their block", round, mp.Count())
		}
	}
}

// TestAcceptWhileChainKeepsMoving: when the chain moves during every
// unlocked read of a transaction's inputs, acceptance still ends, reading
// under the write lock after maxStaleReads tries.
func TestAcceptWhileChainKeepsMoving(t *testing.T) {
	env := newEnv(t, Policy{})
	c := env.takeCoins(1)[0]
	var mp *TxPool
	reads := 0
	fetch := func(op chain.OutPoint) (chain.UtxoEntry, bool, error) {
		e, ok, err := env.chain.FetchUtxo(op)
		if op == c.op {
			reads++
			if reads <= maxStaleReads {
				// The chain moved while this read ran: a notification
				// whose block could not be read says so.
				mp.HandleChainNotification(chain.Notification{Type: chain.BlockConnected})
			}
		}
		return e, ok, err
	}
	var err error
	mp, err = New(Config{Params: env.params, FetchUtxo: fetch, BestState: env.chain.BestState,
		SigCache: env.cache, Now: env.clock.Now, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	tx := env.spend([]coin{c}, 1, 2000)
	if res, err := mp.AcceptTx(tx, "peer"); err != nil || res.Orphan || !mp.Has(tx.TxID()) {
		t.Fatalf("accept: %+v, %v", res, err)
	}
	if reads != maxStaleReads+1 {
		t.Fatalf("input read %d times, want %d unlocked and one locked", reads, maxStaleReads+1)
	}
}
