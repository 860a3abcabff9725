package p2p_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
)

// syncSizes are BenchmarkInitialSync's chains: coinbase-only blocks,
// where the chain's work per block is least and sync's own costs show; a
// small chain of spends for a quick look; and the one the goal is stated
// for (10,000 blocks carrying 200,000 signed transactions). Select one
// with -bench 'InitialSync/blocks=10000$/txs=200000$'.
var syncSizes = []struct{ blocks, txs int }{{10_000, 0}, {1000, 20_000}, {10_000, 200_000}}

// BenchmarkInitialSync measures a fresh node syncing a chain of signed
// spends over loopback from one peer and from three, against the chain's
// own rate of connecting the same blocks from memory, in order, into a
// fresh chain with the node's signature settings, in the same run. Both
// sides share the machine's cores: the CPU figures are the whole process's
// (the source nodes included) per block.
func BenchmarkInitialSync(b *testing.B) {
	for _, size := range syncSizes {
		for _, peers := range []int{1, 3} {
			b.Run(fmt.Sprintf("blocks=%d/txs=%d/peers=%d", size.blocks, size.txs, peers), func(b *testing.B) {
				sc := benchSyncChain(b, size.blocks, size.txs)
				var srcs []*testNode
				for i := range peers {
					srcs = append(srcs, startNode(b, fmt.Sprintf("src%d", i), withDir(sc.copyDataDir(b))))
				}
				b.ResetTimer()
				var syncDur, connectDur, syncCPU, connectCPU time.Duration
				for range b.N {
					d, cpu := sc.connect(b)
					connectDur += d
					connectCPU += cpu

					start, cpuStart := time.Now(), processCPUTime()
					dst := startNode(b, "dst", withBootstrap(srcs...))
					for dst.Chain().BestState().Hash != sc.tip {
						time.Sleep(time.Millisecond)
					}
					syncDur += time.Since(start)
					syncCPU += processCPUTime() - cpuStart
					dst.stop()
				}
				blocks, txs := float64(size.blocks*b.N), float64(size.txs*b.N)
				b.ReportMetric(blocks/syncDur.Seconds(), "sync-blocks/s")
				b.ReportMetric(blocks/connectDur.Seconds(), "connect-blocks/s")
				if txs > 0 {
					b.ReportMetric(txs/syncDur.Seconds(), "sync-tx/s")
					b.ReportMetric(txs/connectDur.Seconds(), "connect-tx/s")
				}
				b.ReportMetric(connectDur.Seconds()/syncDur.Seconds(), "ratio")
				if syncCPU > 0 {
					// The same ratio in CPU time, which other tenants of a
					// shared machine distort less than wall-clock time.
					b.ReportMetric(float64(syncCPU.Microseconds())/blocks, "sync-cpu-us/block")
					b.ReportMetric(float64(connectCPU.Microseconds())/blocks, "connect-cpu-us/block")
					b.ReportMetric(connectCPU.Seconds()/syncCPU.Seconds(), "cpu-ratio")
				}
			})
		}
	}
}

// syncChain is a generated chain: its raw blocks after genesis, its tip,
// and a node data directory whose chain holds all of it.
type syncChain struct {
	raw     [][]byte
	tip     chain.Hash
	dataDir string
}

var (
	syncChainsMu sync.Mutex
	syncChains   = map[[2]int]*syncChain{}
)

// benchSyncChain returns the chain of blocks blocks carrying txs
// transactions besides coinbases, generating and storing it on first use
// in the process.
func benchSyncChain(b *testing.B, blocks, txs int) *syncChain {
	b.Helper()
	syncChainsMu.Lock()
	defer syncChainsMu.Unlock()
	key := [2]int{blocks, txs}
	if sc := syncChains[key]; sc != nil {
		return sc
	}
	p := chain.RegTestParams()
	sc := &syncChain{raw: genSpendChain(b, p, blocks, txs), dataDir: filepath.Join(benchDir(b), fmt.Sprintf("chain-%d-%d", blocks, txs))}
	c, err := chain.New(chain.Config{Params: p, DataDir: filepath.Join(sc.dataDir, "chain"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i, raw := range sc.raw {
		if _, err := c.ProcessRawBlock(context.Background(), raw); err != nil {
			b.Fatalf("generated block %d: %v", i+1, err)
		}
	}
	sc.tip = c.BestState().Hash
	if h := c.BestState().Height; h != uint32(blocks) {
		b.Fatalf("generated chain ends at height %d, want %d", h, blocks)
	}
	syncChains[key] = sc
	return sc
}

// copyDataDir returns a copy of the chain's data directory for one node.
func (sc *syncChain) copyDataDir(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "node")
	if err := os.CopyFS(dir, os.DirFS(sc.dataDir)); err != nil {
		b.Fatal(err)
	}
	return dir
}

// connect connects the chain's blocks, decoded from memory, into a fresh
// chain on badger with the signature cache a node has, and returns the
// time and process CPU time it took.
func (sc *syncChain) connect(b *testing.B) (time.Duration, time.Duration) {
	b.Helper()
	c, err := chain.New(chain.Config{Params: chain.RegTestParams(), DataDir: b.TempDir(), Logger: quiet,
		SigCache: chain.NewSigCache(chain.DefaultSigCacheSize)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	start, cpuStart := time.Now(), processCPUTime()
	for _, raw := range sc.raw {
		if _, err := c.ProcessRawBlock(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
	d, cpu := time.Since(start), processCPUTime()-cpuStart
	if c.BestState().Hash != sc.tip {
		b.Fatal("connecting the blocks did not reach the tip")
	}
	return d, cpu
}

var (
	benchDirOnce sync.Once
	benchDirPath string
	benchDirErr  error
)

// benchDir is a directory benchmarks share across sub-benchmarks; TestMain
// removes it.
func benchDir(b *testing.B) string {
	benchDirOnce.Do(func() { benchDirPath, benchDirErr = os.MkdirTemp("", "flint-p2p-bench-") })
	if benchDirErr != nil {
		b.Fatal(benchDirErr)
	}
	return benchDirPath
}

// spendable is an output testPriv can spend.
type spendable struct {
	op  chain.OutPoint
	out chain.TxOut
}

// genSpendChain builds a regtest chain of blocks blocks whose
// transactions, txs in all, spread evenly over the blocks after coinbase
// maturity: each spends the oldest outputs available (matured coinbases,
// outputs of earlier blocks and of earlier transactions of its block),
// one input into two outputs until 2,000 outputs wait to be spent, then
// two into two. Every input carries a real signature. It returns the
// serialized blocks.
func genSpendChain(b *testing.B, p *chain.Params, blocks, txs int) [][]byte {
	b.Helper()
	maturity := int(p.CoinbaseMaturity)
	if blocks <= maturity {
		b.Fatalf("%d blocks leave no room after coinbase maturity %d", blocks, maturity)
	}
	spenders := blocks - maturity
	bodies := make([][]*chain.Tx, blocks+1) // by height, coinbase first
	var spent [][]chain.TxOut               // per non-coinbase tx: the outputs its inputs spend
	var unsigned []*chain.Tx
	var pool []spendable
	for h := 1; h <= blocks; h++ {
		cb := &chain.Tx{
			Version:  1,
			Inputs:   []chain.TxIn{{Prev: chain.NullOutPoint, Witness: []byte("/flint bench/")}},
			Outputs:  []chain.TxOut{{Value: p.CalcBlockSubsidy(uint32(h)), PubKey: payTo}},
			LockTime: uint32(h),
		}
		bodies[h] = []*chain.Tx{cb}
		if m := h - maturity; m >= 1 {
			mcb := bodies[m][0]
			pool = append(pool, spendable{chain.OutPoint{TxID: mcb.TxID()}, mcb.Outputs[0]})
		}
		n := 0
		if k := h - maturity; k >= 1 && txs > 0 {
			n = k*txs/spenders - (k-1)*txs/spenders
		}
		for range n {
			ins := 1
			if len(pool) >= 2000 {
				ins = 2
			}
			tx := &chain.Tx{Version: 1}
			var prev []chain.TxOut
			var total uint64
			for _, s := range pool[:ins] {
				tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: s.op})
				prev = append(prev, s.out)
				total += s.out.Value
			}
			pool = pool[ins:]
			tx.Outputs = []chain.TxOut{{Value: total / 2, PubKey: payTo}, {Value: total - total/2, PubKey: payTo}}
			id := tx.TxID()
			for i, out := range tx.Outputs {
				pool = append(pool, spendable{chain.OutPoint{TxID: id, Index: uint32(i)}, out})
			}
			bodies[h] = append(bodies[h], tx)
			unsigned = append(unsigned, tx)
			spent = append(spent, prev)
		}
	}
	// Sign on every core: a txid does not cover witnesses.
	var wg sync.WaitGroup
	var next atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(unsigned); i = int(next.Add(1) - 1) {
				tx := unsigned[i]
				id := tx.TxID()
				for in := range tx.Inputs {
					sigHash := chain.CalcSigHash(p.GenesisHash, id, in, spent[i])
					sig, err := schnorr.Sign(testPriv, sigHash[:])
					if err != nil {
						panic(err)
					}
					tx.Inputs[in].Witness = sig.Serialize()
				}
			}
		})
	}
	wg.Wait()
	// Headers: one second apart, ending two hours ago.
	raw := make([][]byte, 0, blocks)
	prev := p.GenesisHash
	t0 := time.Now().Add(-2*time.Hour).Unix() - int64(blocks)
	if t0 <= int64(p.GenesisBlock.Header.Time) {
		b.Fatalf("%d blocks one second apart do not fit between genesis and now", blocks)
	}
	for h := 1; h <= blocks; h++ {
		blk := &chain.Block{Header: chain.Header{Version: 1, Prev: prev, Time: uint32(t0 + int64(h)),
			Bits: p.PowLimitBits, MerkleRoot: chain.BlockMerkleRoot(bodies[h])}, Txs: bodies[h]}
		for chain.CheckProofOfWork(blk.BlockHash(), blk.Header.Bits, p.PowLimit) != nil {
			blk.Header.Nonce++
		}
		prev = blk.BlockHash()
		raw = append(raw, blk.Serialize())
	}
	return raw
}

// BenchmarkPropagation measures, on 10 nodes on loopback (each dialling
// two earlier ones), the time from a block being mined to it being the
// tip of every node, and from a transaction being sent to it being in
// every mempool: p50 and p99 over 50 of each.
func BenchmarkPropagation(b *testing.B) {
	var nodes []*testNode
	for i := range 10 {
		var opts []nodeOpt
		if i > 0 {
			opts = append(opts, withBootstrap(nodes[i-1], nodes[i/2]))
		}
		nodes = append(nodes, startNode(b, fmt.Sprintf("n%d", i), opts...))
	}
	tip := nodes[0].mine(150)[149]
	for _, n := range nodes {
		for n.Chain().BestState().Hash != tip {
			time.Sleep(time.Millisecond)
		}
	}
	for range b.N {
		var blockTimes, txTimes []time.Duration
		for i := range 50 {
			start := time.Now()
			h := nodes[i%10].mine(1)[0]
			for _, n := range nodes {
				for n.Chain().BestState().Hash != h {
					time.Sleep(100 * time.Microsecond)
				}
			}
			blockTimes = append(blockTimes, time.Since(start))
		}
		height := nodes[0].Chain().BestState().Height
		for i := range 50 {
			src := nodes[i%10]
			blk := src.blockAt(height - 100 - uint32(i)) // mature, unspent
			tx := spendCoinbase(b, src.Chain().Params(), blk, 10_000, 1)
			start := time.Now()
			if _, err := src.SendTx(context.Background(), tx); err != nil {
				b.Fatal(err)
			}
			for _, n := range nodes {
				for !n.Mempool().Has(tx.TxID()) {
					time.Sleep(100 * time.Microsecond)
				}
			}
			txTimes = append(txTimes, time.Since(start))
		}
		slices.Sort(blockTimes)
		slices.Sort(txTimes)
		b.ReportMetric(float64(blockTimes[24].Microseconds())/1000, "block-p50-ms")
		b.ReportMetric(float64(blockTimes[49].Microseconds())/1000, "block-p99-ms")
		b.ReportMetric(float64(txTimes[24].Microseconds())/1000, "tx-p50-ms")
		b.ReportMetric(float64(txTimes[49].Microseconds())/1000, "tx-p99-ms")
		nodes[0].mine(1) // confirm the transactions for the next round
	}
}
