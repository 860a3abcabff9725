package chain

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// Benchmarks of headers-first acceptance and of the block index at a
// million headers. Chains are generated at regtest difficulty on the ASERT
// schedule with a controlled clock; nothing is committed. Figures are in
// docs/perf.md.

// headerHarness returns a harness whose chain holds n generated headers
// (no bodies) on genesis, and the headers.
func headerHarness(b *testing.B, n int) (*harness, []Header) {
	g := newHarness(b)
	g.clock.Set(int64(g.params.GenesisBlock.Header.Time) + int64(n+10)*harnessSpacing)
	hs := genHeaders(g.params, g.params.GenesisBlock.Header, 0, n)
	for i := 0; i < n; i += MaxHeadersPerBatch {
		if _, err := g.chain.ProcessHeaders(b.Context(), hs[i:min(n, i+MaxHeadersPerBatch)]); err != nil {
			b.Fatal(err)
		}
	}
	return g, hs
}

// BenchmarkProcessHeaders measures header acceptance in batches of 2,000
// (MaxHeadersPerBatch) on a fresh chain: every check of rules 1-4 and the
// one badger transaction per batch. Goal: 100,000 headers/s on one core
// (run with -cpu 1).
func BenchmarkProcessHeaders(b *testing.B) {
	const total = 50 * MaxHeadersPerBatch
	p := harnessParams()
	hs := genHeaders(p, p.GenesisBlock.Header, 0, total)
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		g := newHarnessWithParams(b, p)
		g.clock.Set(int64(p.GenesisBlock.Header.Time) + (total+10)*harnessSpacing)
		cpu0 := processCPUTime()
		b.StartTimer()
		for i := 0; i < total; i += MaxHeadersPerBatch {
			if _, err := g.chain.ProcessHeaders(b.Context(), hs[i:i+MaxHeadersPerBatch]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		cpu += processCPUTime() - cpu0
		g.chain.Close()
		g.chain = nil
		b.StartTimer()
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "headers/s")
	if cpu > 0 {
		// Badger's own goroutines (memtable, flushes) are counted too.
		b.ReportMetric(float64(total*b.N)/cpu.Seconds(), "headers/cpu-s")
	}
}

// BenchmarkIndexMemory measures the heap taken by the block index for a
// million headers: the nodes and the hash map, built as loading builds
// them. Goal: 250 bytes per entry or less.
func BenchmarkIndexMemory(b *testing.B) {
	const n = 1_000_000
	nodes := memChain(n, 7) // made once, so only the index is measured
	headers := make([]Header, len(nodes))
	for i, nd := range nodes {
		headers[i] = nd.header()
	}
	nodes = nil
	b.ResetTimer()
	var perEntry float64
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		index := make(map[Hash]*blockNode)
		var parent *blockNode
		for i := range headers {
			hash := headers[i].BlockHash()
			parent = newBlockNodeHash(&headers[i], hash, parent)
			index[hash] = parent
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / float64(len(index))
		runtime.KeepAlive(index)
		b.StartTimer()
	}
	b.ReportMetric(perEntry, "bytes/entry")
	b.ReportMetric(float64(unsafe.Sizeof(blockNode{})), "bytes/node")
}

// indexBenchSizes are the chain lengths BenchmarkIndex compares.
var indexBenchSizes = []int{10_000, 1_000_000}

// BenchmarkIndex compares an index of 10,000 headers with one of
// 1,000,000: reopening the data directory until the best header is known,
// and the operations that must not grow with the chain: an ancestor
// lookup, best-chain selection, the next blocks to download, and accepting
// one more header.
func BenchmarkIndex(b *testing.B) {
	for _, n := range indexBenchSizes {
		b.Run(fmt.Sprintf("headers=%d", n), func(b *testing.B) {
			g, hs := headerHarness(b, n)
			b.Run("reopen", func(b *testing.B) {
				var cpu time.Duration
				for range b.N {
					b.StopTimer()
					g.chain.Close()
					cpu0 := processCPUTime()
					b.StartTimer()
					g.open()
					b.StopTimer()
					cpu += processCPUTime() - cpu0
					b.StartTimer()
					if h := g.chain.BestState().HeaderHeight; h != uint32(n) {
						b.Fatalf("reopened with the best header at %d, want %d", h, n)
					}
				}
				if cpu > 0 {
					b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
				}
			})
			// Each of these does a fixed number of operations per
			// iteration and reports the time of one, so that
			// -benchtime 1x serves reopen and them alike.
			perOp := func(b *testing.B, ops int, op func(i int)) {
				for range b.N {
					for i := range ops {
						op(i)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*b.N), "ns/lookup")
			}
			b.Run("ancestor", func(b *testing.B) {
				best := g.chain.bestHeader
				rng := rand.New(rand.NewPCG(1, 1))
				perOp(b, 100_000, func(int) {
					if best.ancestor(uint32(rng.IntN(n))) == nil {
						b.Fatal("no ancestor")
					}
				})
			})
			b.Run("selection", func(b *testing.B) {
				perOp(b, 100_000, func(int) {
					g.chain.processLock.Lock()
					g.chain.bestCandidate()
					g.chain.processLock.Unlock()
				})
			})
			b.Run("next-blocks", func(b *testing.B) {
				perOp(b, 1000, func(int) {
					if got := g.chain.NextBlocksToDownload(128, 1024, nil); len(got) != 128 {
						b.Fatalf("%d blocks to download", len(got))
					}
				})
			})
			b.Run("one-more-header", func(b *testing.B) {
				const ops = 1000
				more := genHeaders(g.params, hs[len(hs)-1], uint32(len(hs)), ops*b.N)
				g.clock.Set(int64(more[len(more)-1].Time) + 10)
				next := 0
				b.ResetTimer()
				perOp(b, ops, func(int) {
					if _, err := g.chain.ProcessHeaders(b.Context(), more[next:next+1]); err != nil {
						b.Fatal(err)
					}
					next++
				})
				hs = append(hs, more...)
			})
		})
	}
}

// BenchmarkBodyOrder connects the 2,000 bodies of a chain, after its
// headers, in height order and in a random order, in the same run. Goal:
// the random order within 10 % of the in-order rate.
func BenchmarkBodyOrder(b *testing.B) {
	const n = 2000
	gen := newHarness(b)
	blocks := gen.buildChain("b", n)
	rng := rand.New(rand.NewPCG(2, 2))
	var inOrder, random, inOrderCPU, randomCPU time.Duration
	run := func(order []int, cpu *time.Duration) time.Duration {
		g := newHarness(b)
		g.clock.Set(gen.clock.Unix())
		for i := 0; i < n; i += MaxHeadersPerBatch {
			if _, err := g.chain.ProcessHeaders(b.Context(), headersOf(blocks[i:min(n, i+MaxHeadersPerBatch)])); err != nil {
				b.Fatal(err)
			}
		}
		start, cpu0 := time.Now(), processCPUTime()
		for _, i := range order {
			if _, err := g.process(blocks[i]); err != nil {
				b.Fatal(err)
			}
		}
		d := time.Since(start)
		*cpu += processCPUTime() - cpu0
		if h := g.chain.BestState().Height; h != n {
			b.Fatalf("tip at %d, want %d", h, n)
		}
		g.chain.Close()
		g.chain = nil
		return d
	}
	ordered := make([]int, n)
	for i := range ordered {
		ordered[i] = i
	}
	b.ResetTimer()
	for range b.N {
		inOrder += run(ordered, &inOrderCPU)
		random += run(rng.Perm(n), &randomCPU)
	}
	b.ReportMetric(float64(n*b.N)/inOrder.Seconds(), "in-order-blocks/s")
	b.ReportMetric(float64(n*b.N)/random.Seconds(), "random-blocks/s")
	b.ReportMetric(random.Seconds()/inOrder.Seconds(), "random/in-order-time")
	if inOrderCPU > 0 {
		b.ReportMetric(randomCPU.Seconds()/inOrderCPU.Seconds(), "random/in-order-cpu")
	}
}

// BenchmarkAncestor measures ancestor lookups on in-memory chains of
// 10,000 and 1,000,000 nodes, away from the database and its background
// work: the number of pointer steps grows with log n, the time with cache
// misses as well.
func BenchmarkAncestor(b *testing.B) {
	for _, n := range indexBenchSizes {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			nodes := memChain(n, 1)
			tip := nodes[n]
			rng := rand.New(rand.NewPCG(1, 1))
			heights := make([]uint32, 1<<16)
			for i := range heights {
				heights[i] = uint32(rng.IntN(n))
			}
			steps := 0
			b.ResetTimer()
			for i := range b.N {
				h := heights[i&(len(heights)-1)]
				if tip.ancestor(h) == nil {
					b.Fatal("no ancestor")
				}
			}
			b.StopTimer()
			for _, h := range heights[:1000] {
				for walk := tip; walk.height > h; steps++ {
					hSkip, hSkipPrev := int64(skipHeight(walk.height)), int64(skipHeight(walk.height-1))
					if walk.skip != nil && (hSkip == int64(h) || hSkip > int64(h) && !(hSkipPrev < hSkip-2 && hSkipPrev >= int64(h))) {
						walk = walk.skip
					} else {
						walk = walk.parent
					}
				}
			}
			b.ReportMetric(float64(steps)/1000, "steps/lookup")
		})
	}
}
