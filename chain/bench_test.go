package chain

import (
	"runtime"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/sigverify"
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

// BenchmarkConnectBlock connects a block of 2,000 one-in-two-out spends read
// from disk, signatures checked on all cores, with each signature verifier
// and a cold signature cache, and with the default verifier and a warm
// cache (every signature in it, as after the mempool accepted the
// transactions). It reports inputs per second; "bound-inputs/s", cores ×
// the verifier's own one-core rate on a core's share of the block's
// signatures checked as one VerifyBatch, measured in the same run; their
// ratio; and the verifier's rate on all cores at once ("parallel-verify/s",
// which on a shared machine can fall well short of cores × one core) with
// the ratio to it.
func BenchmarkConnectBlock(b *testing.B) {
	type variant struct {
		name    string
		warm    bool
		backend string
	}
	var variants []variant
	for _, name := range sigverify.Names() {
		variants = append(variants, variant{"cold-sigcache/" + name, false, name})
	}
	variants = append(variants, variant{"warm-sigcache", true, sigverify.Default().Name()})
	for _, vr := range variants {
		b.Run(vr.name, func(b *testing.B) {
			v, err := sigverify.Lookup(vr.backend)
			if err != nil {
				b.Fatal(err)
			}
			g, node := benchSpendBlock(b, connectBenchSpends)
			c := g.chain
			c.sigVerifier = v
			c.processLock.Lock()
			defer c.processLock.Unlock()
			blk, err := c.readBlock(node.hash)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.disconnectBlock(node); err != nil {
				b.Fatal(err)
			}
			triples := blockTriples(c, blk)
			if vr.warm {
				fillSigCache(c, blk)
			}
			cores := runtime.GOMAXPROCS(0)
			bound := float64(cores) * oneCoreRate(b, v, triples[:len(triples)/cores])
			parallel := allCoresRate(b, v, triples)
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

// blockTriples returns the signature checks of blk, whose inputs are
// unspent.
func blockTriples(c *BlockChain, blk *Block) []sigverify.Triple {
	checks := NewSigChecks(NewSigCache(0))
	for _, tx := range blk.Txs[1:] {
		spent := make([]TxOut, len(tx.Inputs))
		for i, in := range tx.Inputs {
			utxo, ok, err := c.FetchUtxo(in.Prev)
			if !ok || err != nil {
				panic("blockTriples: input not in the UTXO set")
			}
			spent[i] = utxo.Output
		}
		txid := tx.TxID()
		for i, in := range tx.Inputs {
			checks.Add(CalcSigHash(c.params.GenesisHash, txid, i, spent), spent[i].PubKey, in.Witness, txid, i)
		}
	}
	return checks.triples
}

// oneCoreRate is v's rate on one goroutine over ts checked as one batch,
// in signatures per second.
func oneCoreRate(b *testing.B, v sigverify.Verifier, ts []sigverify.Triple) float64 {
	start := time.Now()
	if !v.VerifyBatch(ts, make([]bool, len(ts))) {
		b.Fatal("the block's signatures do not verify")
	}
	return float64(len(ts)) / time.Since(start).Seconds()
}

// allCoresRate is v's rate over ts on every core at once.
func allCoresRate(b *testing.B, v sigverify.Verifier, ts []sigverify.Triple) float64 {
	start := time.Now()
	if !sigverify.VerifyParallel(v, ts, make([]bool, len(ts)), runtime.GOMAXPROCS(0)) {
		b.Fatal("the block's signatures do not verify")
	}
	return float64(len(ts)) / time.Since(start).Seconds()
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
