package p2p_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// BenchmarkInitialSync measures a fresh node syncing blocks from one peer
// over loopback, against the chain's own rate of connecting the same
// blocks handed to it in order, in the same run.
func BenchmarkInitialSync(b *testing.B) {
	for _, blocks := range []int{2000} {
		b.Run(fmt.Sprintf("blocks=%d", blocks), func(b *testing.B) {
			src := startNode(b, "src")
			src.mine(blocks)
			tip := src.Chain().BestState().Hash
			all := make([]*chain.Block, blocks)
			for i := range all {
				all[i] = src.blockAt(uint32(i + 1))
			}
			var syncDur, connectDur time.Duration
			for range b.N {
				// The chain alone, from memory.
				c, err := chain.New(chain.Config{Params: chain.RegTestParams(), DataDir: b.TempDir(), Logger: quiet})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for _, blk := range all {
					if _, err := c.ProcessBlock(context.Background(), blk); err != nil {
						b.Fatal(err)
					}
				}
				connectDur += time.Since(start)
				c.Close()

				// The same blocks by sync.
				start = time.Now()
				dst := startNode(b, "dst", withBootstrap(src))
				for dst.Chain().BestState().Hash != tip {
					time.Sleep(time.Millisecond)
				}
				syncDur += time.Since(start)
				dst.stop()
			}
			syncRate := float64(blocks*b.N) / syncDur.Seconds()
			connectRate := float64(blocks*b.N) / connectDur.Seconds()
			b.ReportMetric(syncRate, "sync-blocks/s")
			b.ReportMetric(connectRate, "connect-blocks/s")
			b.ReportMetric(syncRate/connectRate, "ratio")
		})
	}
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
