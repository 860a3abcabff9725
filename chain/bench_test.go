package chain

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// connectBenchSpends is the number of one-in-two-out spends in the block
// BenchmarkConnectBlock connects.
const connectBenchSpends = 2000

// benchSpendBlock returns a harness whose tip is a block of n
// one-in-two-out spends, and that block's index node.
func benchSpendBlock(b *testing.B, n int) (*harness, *blockNode) {
	g := matureHarness(b, 11)
	fund := g.CoinbaseOut("b1")
	outs := make([]TxOut, n)
	for i := range outs {
		outs[i] = g.pay(fund.out.Value / uint64(n))
	}
	fan := g.spendTx([]*spendableOut{fund}, outs, 0)
	g.NextBlock("fan", nil, addTx(fan))
	g.AcceptTipBlock()

	spends := make([]*Tx, n)
	for i := range spends {
		in := &spendableOut{op: OutPoint{TxID: fan.TxID(), Index: uint32(i)}, out: outs[i]}
		half := in.out.Value / 2
		spends[i] = g.spendTx([]*spendableOut{in}, []TxOut{g.pay(half), g.pay(in.out.Value - half - 100)}, 0)
	}
	g.NextBlock("spends", nil, addTx(spends...))
	g.AcceptTipBlock()
	node, err := g.chain.lookupNode(g.Block("spends").BlockHash())
	if err != nil {
		b.Fatal(err)
	}
	return g, node
}

// singleCoreVerifyRate measures schnorr.Verify (key and signature already
// parsed) on one goroutine, in verifications per second.
func singleCoreVerifyRate(b *testing.B, g *harness) float64 {
	msg := DoubleSHA256([]byte("verify rate"))
	sig, err := schnorr.Sign(g.priv, msg[:])
	if err != nil {
		b.Fatal(err)
	}
	pk, err := schnorr.ParsePubKey(g.pubKey[:])
	if err != nil {
		b.Fatal(err)
	}
	const n = 2000
	start := time.Now()
	for range n {
		if !sig.Verify(msg[:], pk) {
			b.Fatal("signature does not verify")
		}
	}
	return n / time.Since(start).Seconds()
}

// parallelVerifyRate measures schnorr.Verify on every core at once, in
// verifications per second: what the machine really gives when all cores
// verify, which on a shared virtual machine can fall well short of cores x
// the single-core rate.
func parallelVerifyRate(b *testing.B, g *harness) float64 {
	msg := DoubleSHA256([]byte("verify rate"))
	sig, _ := schnorr.Sign(g.priv, msg[:])
	pk, _ := schnorr.ParsePubKey(g.pubKey[:])
	const perCore = 1000
	cores := runtime.GOMAXPROCS(0)
	start := time.Now()
	var wg sync.WaitGroup
	for range cores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perCore {
				sig.Verify(msg[:], pk)
			}
		}()
	}
	wg.Wait()
	return float64(cores*perCore) / time.Since(start).Seconds()
}

// BenchmarkConnectBlock connects a block of 2,000 one-in-two-out spends read
// from disk, signatures checked on all cores, and reports inputs per second
// and their ratio to cores × the single-core schnorr.Verify rate measured
// in the same run ("ratio"), and to the all-cores verify rate measured in
// the same run ("ratio-to-parallel"). The warm-cache variant has every signature in the cache,
// as after the mempool accepted the transactions.
func BenchmarkConnectBlock(b *testing.B) {
	for _, warm := range []bool{false, true} {
		name := "cold-sigcache"
		if warm {
			name = "warm-sigcache"
		}
		b.Run(name, func(b *testing.B) {
			g, node := benchSpendBlock(b, connectBenchSpends)
			c := g.chain
			c.processLock.Lock()
			defer c.processLock.Unlock()
			blk, err := c.readBlock(node.hash)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.disconnectBlock(node); err != nil {
				b.Fatal(err)
			}
			if warm {
				fillSigCache(c, blk)
			}
			bound := float64(runtime.GOMAXPROCS(0)) * singleCoreVerifyRate(b, g)
			parallel := parallelVerifyRate(b, g)
			b.ResetTimer()
			var connecting time.Duration
			for range b.N {
				clear(c.touched) // read the block from disk every time
				start := time.Now()
				if err := c.connectStored(node, true); err != nil {
					b.Fatal(err)
				}
				connecting += time.Since(start)
				b.StopTimer()
				if err := c.disconnectBlock(node); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			clear(c.touched)
			rate := float64(connectBenchSpends*b.N) / connecting.Seconds()
			b.ReportMetric(rate, "inputs/s")
			b.ReportMetric(bound, "bound-inputs/s")
			b.ReportMetric(rate/bound, "ratio")
			b.ReportMetric(parallel, "parallel-verify/s")
			b.ReportMetric(rate/parallel, "ratio-to-parallel")
		})
	}
}

// fillSigCache adds every signature of blk to the chain's cache, as the
// mempool does when it accepts the transactions.
func fillSigCache(c *BlockChain, blk *Block) {
	for _, tx := range blk.Txs[1:] {
		spent := make([]TxOut, len(tx.Inputs))
		for i, in := range tx.Inputs {
			utxo, ok, err := c.FetchUtxo(in.Prev)
			if !ok || err != nil {
				panic("fillSigCache: input not in the UTXO set")
			}
			spent[i] = utxo.Output
		}
		txid := tx.TxID()
		for i, in := range tx.Inputs {
			c.sigCache.Add(CalcSigHash(c.params.GenesisHash, txid, i, spent), spent[i].PubKey, in.Witness)
		}
	}
}

// BenchmarkSchnorrVerify is the raw single-core rate of btcec's BIP-340
// verification with key and signature parsed, the bound's unit.
func BenchmarkSchnorrVerify(b *testing.B) {
	g := newHarness(b)
	msg := DoubleSHA256([]byte("verify rate"))
	sig, _ := schnorr.Sign(g.priv, msg[:])
	pk, _ := schnorr.ParsePubKey(g.pubKey[:])
	b.ResetTimer()
	for range b.N {
		if !sig.Verify(msg[:], pk) {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkReopen measures opening a data directory of 10,000 blocks until
// its tip is known (goal: well under a second).
func BenchmarkReopen(b *testing.B) {
	g := newHarnessWithParams(b, RegTestParams())
	const blocks = 10_000
	for i := 1; i <= blocks; i++ {
		g.NextBlock("r"+itoa(i), nil)
		if _, err := g.process(g.Block("r" + itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		g.chain.Close()
		b.StartTimer()
		g.open()
		if h := g.chain.BestState().Height; h != blocks {
			b.Fatalf("reopened at height %d, want %d", h, blocks)
		}
	}
}
