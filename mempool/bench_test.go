package mempool

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/sigverify"
)

// Benchmarks run on a real chain whose first blocks have coinbases of
// benchCoinbaseOuts outputs each, the coins of the pool's transactions.
const (
	benchPoolSize     = 50_000
	benchBatch        = 2_000 // transactions accepted per benchmark op
	benchBatches      = 5     // distinct batches, reused in turn
	benchCoinbaseOuts = 2_400 // a coinbase is bound by MaxTxSize too
	benchChildren     = 5_000 // of the pool, children of other pool txs
)

// benchTxs are the signed transactions of the benchmarks. The chain is
// deterministic (same key, same coinbases), so they are built once per
// process and shared by every run.
var benchTxs struct {
	once    sync.Once
	blocks  []*chain.Block
	fill    []*chain.Tx   // parents first
	batches [][]*chain.Tx // independent one-in, two-out transactions
	cache   *chain.SigCache
}

// benchEnv returns a chain holding the benchmark coins and a pool filled
// with benchPoolSize transactions.
func benchEnv(b *testing.B) *testEnv {
	env := newEnvMaturity(b, Policy{}, 1)
	env.cbOuts = benchCoinbaseOuts
	need := benchPoolSize - benchChildren + benchBatch*benchBatches
	nBlocks := (need + benchCoinbaseOuts - 1) / benchCoinbaseOuts
	benchTxs.once.Do(func() {
		var coins []coin
		for range nBlocks {
			blk := env.mine()
			benchTxs.blocks = append(benchTxs.blocks, blk)
			cb := blk.Txs[0]
			cbid := cb.TxID() // once: the coinbase is 100 kB
			for i, out := range cb.Outputs {
				coins = append(coins, coin{op: chain.OutPoint{TxID: cbid, Index: uint32(i)}, out: out})
			}
		}
		rng := rand.New(rand.NewPCG(7, 7))
		fees := make([]uint64, need)
		for i := range fees {
			fees[i] = uint64(200 + rng.IntN(4000))
		}
		txs := make([]*chain.Tx, need)
		parallel(need, func(i int) { txs[i] = env.spend(coins[i:i+1], 2, fees[i]) })
		parents := benchPoolSize - benchChildren
		benchTxs.fill = append([]*chain.Tx(nil), txs[:parents]...)
		children := make([]*chain.Tx, benchChildren)
		parallel(benchChildren, func(i int) {
			children[i] = env.spend([]coin{coinOf(txs[i], 1)}, 1, uint64(200+i%10_000))
		})
		benchTxs.fill = append(benchTxs.fill, children...)
		for i := range benchBatches {
			benchTxs.batches = append(benchTxs.batches, txs[parents+i*benchBatch:parents+(i+1)*benchBatch])
		}
		benchTxs.cache = chain.NewSigCache(2 * benchPoolSize)
	})
	if len(env.coins) == 0 && env.chain.BestState().Height == 0 {
		for _, blk := range benchTxs.blocks {
			env.process(blk)
		}
	}
	env.mp.sigCache = benchTxs.cache // filling verifies each signature once per process
	acceptAll(b, env.mp, benchTxs.fill[:benchPoolSize-benchChildren])
	acceptAll(b, env.mp, benchTxs.fill[benchPoolSize-benchChildren:])
	if env.mp.Count() != benchPoolSize {
		b.Fatalf("pool holds %d, want %d", env.mp.Count(), benchPoolSize)
	}
	return env
}

// parallel runs fn(0..n-1) on all cores.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// acceptAll accepts txs on all cores and fails on any refusal.
func acceptAll(b *testing.B, mp *TxPool, txs []*chain.Tx) {
	var failed atomic.Pointer[error]
	parallel(len(txs), func(i int) {
		if _, err := mp.AcceptTx(txs[i], "bench"); err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	})
	if err := failed.Load(); err != nil {
		b.Fatalf("accept: %v", *err)
	}
}

// BenchmarkAccept measures accepting independent one-in, two-out
// transactions on all cores into a pool of 50,000, each signature really
// verified (a fresh signature cache per op). One op is a batch of
// benchBatch transactions. It reports tx/s, the raw rate of the pool's
// signature verifier on all cores measured in the same run, and their ratio.
func BenchmarkAccept(b *testing.B) {
	env := benchEnv(b)
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := benchTxs.batches[i%benchBatches]
		env.mp.mu.Lock()
		var stale []*entry
		for _, tx := range batch {
			if e := env.mp.pool[tx.TxID()]; e != nil {
				stale = append(stale, e)
			}
		}
		env.mp.removeLocked(stale, RemovedEvicted)
		env.mp.mu.Unlock()
		env.mp.sigCache = chain.NewSigCache(chain.DefaultSigCacheSize)
		b.StartTimer()
		start := time.Now()
		acceptAll(b, env.mp, batch)
		elapsed += time.Since(start)
	}
	b.StopTimer()
	txPerSec := float64(b.N*benchBatch) / elapsed.Seconds()
	verifyPerSec := rawVerifyRate(b, benchTxs.batches[0], env)
	b.ReportMetric(txPerSec, "tx/s")
	b.ReportMetric(verifyPerSec, "verify/s")
	b.ReportMetric(txPerSec/verifyPerSec, "ratio")
	checkPoolConsistent(b, env.mp)
}

// rawVerifyRate returns the pool's signature verifier's rate on all cores
// over the batch's signatures, one Verify call each.
func rawVerifyRate(b *testing.B, batch []*chain.Tx, env *testEnv) float64 {
	triples := make([]sigverify.Triple, len(batch))
	for i, tx := range batch {
		e, ok, err := env.chain.FetchUtxo(tx.Inputs[0].Prev)
		if err != nil || !ok {
			b.Fatalf("coin %v of batch tx %d: %v %v (height %d, in pool %v)", tx.Inputs[0].Prev, i, ok, err, env.chain.BestState().Height, env.mp.Has(tx.TxID()))
		}
		spent := []chain.TxOut{e.Output}
		triples[i] = sigverify.Triple{PubKey: e.Output.PubKey, Msg: chain.CalcSigHash(env.params.GenesisHash, tx.TxID(), 0, spent)}
		copy(triples[i].Sig[:], tx.Inputs[0].Witness)
	}
	start := time.Now()
	const rounds = 2
	parallel(rounds*len(triples), func(i int) {
		if !env.mp.sigVerifier.Verify(&triples[i%len(triples)]) {
			b.Error("signature does not verify")
		}
	})
	return float64(rounds*len(triples)) / time.Since(start).Seconds()
}

// BenchmarkMiningTxs measures template selection from a pool of 50,000
// transactions (10% of them children of others) into a 1 MB block.
func BenchmarkMiningTxs(b *testing.B) {
	env := benchEnv(b)
	maxSize := env.params.MaxBlockSize - 300
	b.ResetTimer()
	start := time.Now()
	var n int
	for i := 0; i < b.N; i++ {
		txs, _ := env.mp.MiningTxs(maxSize)
		n = len(txs)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/template")
	b.ReportMetric(float64(n), "txs/template")
}
