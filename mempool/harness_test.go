package mempool

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
)

// This file holds the test harness: a real chain on badger in a temporary
// directory, a pool subscribed to it, one key, and helpers to mine blocks
// and build signed transactions.

// testMaturity is the coinbase maturity of the test network, short so
// tests are quick.
const testMaturity = 5

// coinbaseOutputs is how many outputs each mined coinbase has, so one
// block gives several independent coins.
const coinbaseOutputs = 4

// testClock is an injectable clock shared by the chain and the pool.
type testClock struct{ unix atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Unix(c.unix.Load(), 0) }
func (c *testClock) Advance(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

// coin is an output the harness key can spend.
type coin struct {
	op  chain.OutPoint
	out chain.TxOut
}

// coinOf returns output i of tx as a coin.
func coinOf(tx *chain.Tx, i int) coin {
	return coin{op: chain.OutPoint{TxID: tx.TxID(), Index: uint32(i)}, out: tx.Outputs[i]}
}

type testEnv struct {
	t      testing.TB
	params *chain.Params
	chain  *chain.BlockChain
	mp     *TxPool
	cache  *chain.SigCache
	clock  *testClock
	priv   *btcec.PrivateKey
	pub    [32]byte
	coins  []coin // mature, unspent, not yet handed out
	cbLeft []coin // coinbase outputs not yet mature
	cbAt   []uint32
	// branch tags coinbases so that blocks of two forks at one height
	// differ.
	branch uint64
	// cbOuts overrides coinbaseOutputs when set.
	cbOuts int
}

// discardLogger drops log lines.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts a chain and a pool subscribed to it. policy changes the
// default policy.
func newEnv(t testing.TB, policy Policy) *testEnv {
	return newEnvMaturity(t, policy, testMaturity)
}

// newEnvMaturity is newEnv with another coinbase maturity.
func newEnvMaturity(t testing.TB, policy Policy, maturity uint32) *testEnv {
	t.Helper()
	p := chain.RegTestParams()
	p.CoinbaseMaturity = maturity
	env := &testEnv{t: t, params: p, clock: &testClock{}, cache: chain.NewSigCache(200_000)}
	env.clock.unix.Store(int64(p.GenesisBlock.Header.Time) + 1_000_000)
	seed := chain.DoubleSHA256([]byte("flint mempool test key"))
	env.priv, _ = btcec.PrivKeyFromBytes(seed[:])
	copy(env.pub[:], schnorr.SerializePubKey(env.priv.PubKey()))

	c, err := chain.New(chain.Config{Params: p, DataDir: t.TempDir(), Now: env.clock.Now,
		SigCache: env.cache, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("open chain: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	env.chain = c
	env.mp = env.newPool(policy)
	c.Subscribe(env.mp.HandleChainNotification)
	return env
}

// newPool returns another pool on the env's chain (not subscribed).
func (env *testEnv) newPool(policy Policy) *TxPool {
	env.t.Helper()
	mp, err := New(Config{Params: env.params, FetchUtxo: env.chain.FetchUtxo, BestState: env.chain.BestState,
		SigCache: env.cache, Policy: policy, Now: env.clock.Now, Logger: discardLogger()})
	if err != nil {
		env.t.Fatalf("new pool: %v", err)
	}
	return mp
}

// buildBlock returns a solved block on prev (at prevTime) at height
// carrying txs after a coinbase with coinbaseOutputs outputs.
func (env *testEnv) buildBlock(prev chain.Hash, prevTime, height uint32, txs []*chain.Tx) *chain.Block {
	env.t.Helper()
	subsidy := env.params.CalcBlockSubsidy(height)
	cb := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.NullOutPoint, Witness: []byte("mempool test")}},
		LockTime: height}
	nOut := coinbaseOutputs
	if env.cbOuts > 0 {
		nOut = env.cbOuts
	}
	for i := range nOut {
		v := subsidy / uint64(nOut)
		if i == 0 {
			v -= env.branch
		}
		cb.Outputs = append(cb.Outputs, chain.TxOut{Value: v, PubKey: env.pub})
	}
	b := &chain.Block{
		Header: chain.Header{Version: 1, Prev: prev, Time: prevTime + 1, Bits: env.params.PowLimitBits},
		Txs:    append([]*chain.Tx{cb}, txs...),
	}
	b.Header.MerkleRoot = chain.BlockMerkleRoot(b.Txs)
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, env.params.PowLimit) != nil {
		b.Header.Nonce++
	}
	return b
}

// mine builds a block on the tip carrying txs, processes it (the pool
// hears of it through its subscription) and tracks its coinbase outputs.
func (env *testEnv) mine(txs ...*chain.Tx) *chain.Block {
	env.t.Helper()
	best := env.chain.BestState()
	b := env.buildBlock(best.Hash, best.Header.Time, best.Height+1, txs)
	env.process(b)
	for i := range b.Txs[0].Outputs {
		env.cbLeft = append(env.cbLeft, coinOf(b.Txs[0], i))
		env.cbAt = append(env.cbAt, best.Height+1)
	}
	// Coinbase outputs of height c are spendable in a block of height
	// c+maturity, which is what the pool checks against (tip+1).
	next := best.Height + 2
	for len(env.cbLeft) > 0 && next >= env.cbAt[0]+testMaturity {
		env.coins = append(env.coins, env.cbLeft[0])
		env.cbLeft, env.cbAt = env.cbLeft[1:], env.cbAt[1:]
	}
	return b
}

// process hands a block to the chain and fails the test if it is refused.
func (env *testEnv) process(b *chain.Block) {
	env.t.Helper()
	if _, err := env.chain.ProcessBlock(context.Background(), b); err != nil {
		env.t.Fatalf("process block: %v", err)
	}
}

// takeCoins returns n mature coins, mining blocks as needed.
func (env *testEnv) takeCoins(n int) []coin {
	env.t.Helper()
	for len(env.coins) < n {
		env.mine()
	}
	out := env.coins[:n:n]
	env.coins = env.coins[n:]
	return out
}

// sign signs every input of tx with the harness key.
func (env *testEnv) sign(tx *chain.Tx, spent []chain.TxOut) {
	env.t.Helper()
	txid := tx.TxID()
	for i := range tx.Inputs {
		h := chain.CalcSigHash(env.params.GenesisHash, txid, i, spent)
		sig, err := schnorr.Sign(env.priv, h[:])
		if err != nil {
			env.t.Fatalf("sign: %v", err)
		}
		tx.Inputs[i].Witness = sig.Serialize()
	}
}

// spend returns a signed transaction spending ins and paying fee, split
// into nOut equal outputs to the harness key (the first takes the rest).
func (env *testEnv) spend(ins []coin, nOut int, fee uint64) *chain.Tx {
	env.t.Helper()
	var total uint64
	tx := &chain.Tx{Version: 1}
	spent := make([]chain.TxOut, len(ins))
	for i, c := range ins {
		tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: c.op})
		spent[i] = c.out
		total += c.out.Value
	}
	if fee > total {
		env.t.Fatalf("fee %d above inputs %d", fee, total)
	}
	each := (total - fee) / uint64(nOut)
	for i := range nOut {
		v := each
		if i == 0 {
			v = total - fee - each*uint64(nOut-1)
		}
		tx.Outputs = append(tx.Outputs, chain.TxOut{Value: v, PubKey: env.pub})
	}
	env.sign(tx, spent)
	return tx
}

// accept accepts tx from a test peer and fails the test on any refusal or
// if it went to the orphan pool.
func (env *testEnv) accept(tx *chain.Tx) AcceptResult {
	env.t.Helper()
	res, err := env.mp.AcceptTx(tx, "peer")
	if err != nil {
		env.t.Fatalf("accept %v: %v", tx.TxID(), err)
	}
	if res.Orphan {
		env.t.Fatalf("accept %v: held as orphan", tx.TxID())
	}
	return res
}

// poolState is what a refused transaction must leave unchanged.
type poolState struct {
	count, orphans int
	bytes          int64
	updated        uint64
}

func (env *testEnv) state() poolState {
	return poolState{env.mp.Count(), env.mp.OrphanCount(), env.mp.Bytes(), env.mp.LastUpdated()}
}

// refuse submits tx, expects a refusal of the kind and class, and checks
// that the pool is unchanged.
func (env *testEnv) refuse(tx *chain.Tx, kind error, class Class) *RuleError {
	env.t.Helper()
	before := env.state()
	_, err := env.mp.AcceptTx(tx, "peer")
	return env.checkRefusal(err, kind, class, before)
}

// checkRefusal checks a refusal's kind and class and an unchanged pool.
func (env *testEnv) checkRefusal(err error, kind error, class Class, before poolState) *RuleError {
	env.t.Helper()
	var re *RuleError
	if !errors.As(err, &re) {
		env.t.Fatalf("got %v, want a RuleError of kind %v", err, kind)
	}
	if !errors.Is(err, kind) {
		env.t.Fatalf("got %v (kind %v), want kind %v", err, re.Kind, kind)
	}
	if re.Class != class {
		env.t.Fatalf("got class %v, want %v for %v", re.Class, class, err)
	}
	if IsConsensusError(err) != (class == ClassConsensus) || IsPolicyError(err) != (class == ClassPolicy) {
		env.t.Fatalf("IsConsensusError/IsPolicyError disagree with class %v", class)
	}
	if after := env.state(); after != before {
		env.t.Fatalf("pool changed by a refusal: before %+v, after %+v", before, after)
	}
	return re
}

// checkConsistent verifies the pool's internal indexes and aggregates
// against a recomputation from scratch.
func (env *testEnv) checkConsistent() {
	env.t.Helper()
	checkPoolConsistent(env.t, env.mp)
}

func checkPoolConsistent(t testing.TB, mp *TxPool) {
	t.Helper()
	mp.mu.RLock()
	defer mp.mu.RUnlock()
	var bytes int64
	for id, e := range mp.pool {
		if e.txid != id {
			t.Fatalf("entry %v filed under %v", e.txid, id)
		}
		bytes += int64(e.size)
		for _, in := range e.tx.Inputs {
			if mp.spends[in.Prev] != e {
				t.Fatalf("spends index misses input %v of %v", in.Prev, id)
			}
			if p := mp.pool[in.Prev.TxID]; p != nil {
				if _, ok := e.parents[p]; !ok {
					t.Fatalf("%v does not list parent %v", id, p.txid)
				}
			}
		}
		ancs := ancestorsOf(keys(e.parents))
		n, s, f := 1, e.size, e.fee
		for _, a := range ancs {
			n, s, f = n+1, s+a.size, f+a.fee
		}
		if n != e.ancCount || s != e.ancSize || f != e.ancFee {
			t.Fatalf("%v ancestor aggregates %d/%d/%d, want %d/%d/%d", id, e.ancCount, e.ancSize, e.ancFee, n, s, f)
		}
		n, s, f = 1, e.size, e.fee
		for _, d := range descendantsOf(keys(e.children)) {
			n, s, f = n+1, s+d.size, f+d.fee
		}
		if n != e.descCount || s != e.descSize || f != e.descFee {
			t.Fatalf("%v descendant aggregates %d/%d/%d, want %d/%d/%d", id, e.descCount, e.descSize, e.descFee, n, s, f)
		}
		if mp.evict[e.heapIdx] != e {
			t.Fatalf("%v not at its heap index", id)
		}
	}
	for op, e := range mp.spends {
		if mp.pool[e.txid] != e {
			t.Fatalf("spends index names %v for %v, not in the pool", e.txid, op)
		}
	}
	if bytes != mp.bytes || len(mp.evict) != len(mp.pool) {
		t.Fatalf("bytes %d (want %d), heap %d entries for %d", mp.bytes, bytes, len(mp.evict), len(mp.pool))
	}
}
