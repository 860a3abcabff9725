package miner

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner/kernel"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newTestChain opens a real chain on badger in a temporary directory.
func newTestChain(t *testing.T, p *chain.Params) *chain.BlockChain {
	t.Helper()
	c, err := chain.New(chain.Config{Params: p, DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newTestMiner(t *testing.T, c *chain.BlockChain, threads int) *Miner {
	t.Helper()
	m, err := New(Config{
		Params:       c.Params(),
		BestState:    c.BestState,
		ProcessBlock: c.ProcessBlock,
		PayTo:        payKey,
		Threads:      threads,
		Logger:       quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Subscribe(func(n chain.Notification) {
		if n.Type == chain.BlockConnected {
			m.NotifyNewTip()
		}
	})
	return m
}

var payKey = [32]byte{1, 2, 3}

func TestTemplate(t *testing.T) {
	p := chain.MainNetParams()
	best := chain.BestState{
		Hash:       p.GenesisHash,
		Height:     209_999,
		MedianTime: 2_000_000_000,
		NextBits:   p.PowLimitBits,
	}
	extra := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.OutPoint{Index: 7}, Witness: make([]byte, 64)}},
		Outputs: []chain.TxOut{{Value: 5}}}
	source := func(maxSize int) ([]*chain.Tx, uint64) {
		if maxSize >= p.MaxBlockSize || maxSize < p.MaxBlockSize-1000 {
			t.Errorf("source offered %d bytes", maxSize)
		}
		return []*chain.Tx{extra}, 1234
	}
	// The clock is behind the median time past: the template must not be.
	tmpl, err := NewTemplate(p, best, time.Unix(1_000, 0), payKey, source)
	if err != nil {
		t.Fatal(err)
	}
	b := tmpl.Block
	if tmpl.Height != 210_000 || b.Txs[0].LockTime != 210_000 {
		t.Errorf("height %d, coinbase locktime %d", tmpl.Height, b.Txs[0].LockTime)
	}
	if got, want := b.Txs[0].Outputs[0].Value, uint64(25*chain.UnitsPerFLT+1234); got != want {
		t.Errorf("coinbase pays %d, want subsidy after halving plus fees %d", got, want)
	}
	if b.Txs[0].Outputs[0].PubKey != payKey {
		t.Error("coinbase pays the wrong key")
	}
	if b.Header.Time != 2_000_000_001 {
		t.Errorf("time %d, want median time past + 1", b.Header.Time)
	}
	if b.Header.Prev != best.Hash || b.Header.Bits != best.NextBits || b.Header.Version != 1 {
		t.Errorf("header %+v does not build on the tip", b.Header)
	}
	if len(b.Txs) != 2 || b.Txs[1] != extra {
		t.Error("source transactions missing")
	}
	if b.Header.MerkleRoot != chain.BlockMerkleRoot(b.Txs) {
		t.Error("merkle root does not commit to the transactions")
	}
	if err := chain.CheckTransactionSanity(b.Txs[0]); err != nil {
		t.Errorf("coinbase: %v", err)
	}

	// The clock ahead of the median time past is used as is.
	tmpl, _ = NewTemplate(p, best, time.Unix(2_100_000_000, 0), payKey, nil)
	if tmpl.Block.Header.Time != 2_100_000_000 || len(tmpl.Block.Txs) != 1 {
		t.Errorf("time %d, %d txs", tmpl.Block.Header.Time, len(tmpl.Block.Txs))
	}

	// Each extra nonce gives another coinbase and merkle root, and leaves
	// the template alone.
	a, c := tmpl.withExtraNonce(0, 1), tmpl.withExtraNonce(1, 0)
	if a.Header.MerkleRoot == c.Header.MerkleRoot || a.Header.MerkleRoot == tmpl.Block.Header.MerkleRoot {
		t.Error("extra nonces do not change the merkle root")
	}
	if a.Header.MerkleRoot != chain.BlockMerkleRoot(a.Txs) {
		t.Error("extra-nonce block's merkle root is stale")
	}
	if len(tmpl.Block.Txs[0].Inputs[0].Witness) != extraNonceSize+len(coinbaseTag) {
		t.Error("template coinbase changed")
	}

	// Bits the network does not allow are refused, not mined.
	best.NextBits = 0x207fffff
	if _, err := NewTemplate(p, best, time.Now(), payKey, nil); err == nil {
		t.Error("template with a target above powLimit")
	}
	// Fees past MaxMoney from a broken source are refused.
	best.NextBits = p.PowLimitBits
	if _, err := NewTemplate(p, best, time.Now(), payKey, func(int) ([]*chain.Tx, uint64) { return nil, chain.MaxMoney }); err == nil {
		t.Error("template with fees past MaxMoney")
	}
}

func TestGenerateOnRealChain(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	m := newTestMiner(t, c, 2)
	hashes, err := m.Generate(t.Context(), 5, payKey)
	if err != nil {
		t.Fatal(err)
	}
	best := c.BestState()
	if best.Height != 5 || best.Hash != hashes[4] {
		t.Fatalf("tip at %d (%v), want the 5th generated block", best.Height, best.Hash)
	}
	bal, err := c.BalanceOfPubKey(payKey)
	if err != nil || bal != 5*chain.BaseSubsidy {
		t.Fatalf("miner's balance %d (%v), want 5 subsidies", bal, err)
	}
}

func TestRunMinesAndFollowsTip(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	m := newTestMiner(t, c, 2)
	// Every block Run submits must extend the tip it was built on: none
	// may land on a side chain.
	var submitted, offMain atomic.Int32
	m.cfg.ProcessBlock = func(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
		res, err := c.ProcessBlock(ctx, b)
		if ctx.Err() != nil {
			return res, err // the test is ending: the chain stops connecting
		}
		submitted.Add(1)
		if err != nil || !res.MainChain {
			offMain.Add(1)
		}
		return res, err
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for c.BestState().Height < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d blocks mined", c.BestState().Height)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if offMain.Load() != 0 {
		t.Fatalf("%d of %d submitted blocks did not extend the tip", offMain.Load(), submitted.Load())
	}
}

// unreachable is a target no hash meets (zero), for tests that need the
// workers to keep searching.
func unreachableTemplate(t *testing.T, c *chain.BlockChain) *Template {
	tmpl, err := NewTemplate(c.Params(), c.BestState(), time.Now(), payKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.Target = [32]byte{}
	return tmpl
}

func TestSearchStopsOnNewTip(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	m := newTestMiner(t, c, 1)
	tmpl := unreachableTemplate(t, c)
	stopped := make(chan *chain.Block)
	go func() { stopped <- m.search(t.Context(), tmpl, 0, m.tipGen.Load()) }()
	for m.hashes[0].Load() == 0 { // wait until the worker is scanning
		time.Sleep(time.Millisecond)
	}
	m.NotifyNewTip()
	select {
	case b := <-stopped:
		if b != nil {
			t.Fatal("search returned a block for an unreachable target")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("worker did not stop after a new tip")
	}
}

func TestExtraNonceRollsOver(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	m := newTestMiner(t, c, 1)
	m.nonceSpace = 1 << 10
	tmpl := unreachableTemplate(t, c)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { m.search(ctx, tmpl, 0, m.tipGen.Load()); close(done) }()
	deadline := time.After(30 * time.Second)
	for m.hashes[0].Load() < 4<<10 { // four nonce spaces: three roll-overs
		select {
		case <-done:
			t.Fatalf("search gave up after %d hashes, within the first nonce spaces", m.hashes[0].Load())
		case <-deadline:
			t.Fatalf("search stuck at %d hashes", m.hashes[0].Load())
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	<-done
}

func TestSubmittedBlocksAlwaysMeetTarget(t *testing.T) {
	// Every kernel this CPU has mines real blocks that the chain accepts.
	for _, k := range kernel.Available() {
		t.Run(k.Name(), func(t *testing.T) {
			c := newTestChain(t, chain.RegTestParams())
			m := newTestMiner(t, c, 2)
			m.kernel = k
			var n atomic.Int32
			c.Subscribe(func(chain.Notification) { n.Add(1) })
			if _, err := m.Generate(t.Context(), 10, payKey); err != nil {
				t.Fatal(err)
			}
			if n.Load() != 10 {
				t.Fatalf("%d blocks connected, want 10", n.Load())
			}
		})
	}
}

func TestHashRate(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	m := newTestMiner(t, c, 2)
	start := time.Unix(100, 0)
	m.measure(start)
	m.hashes[0].Add(3000)
	m.hashes[1].Add(1000)
	m.measure(start.Add(2 * time.Second))
	total, per := m.HashRate()
	if total != 2000 || per[0] != 1500 || per[1] != 500 {
		t.Fatalf("rates %v total %v, want 1500+500", per, total)
	}
}

func TestTemplateFromBlock(t *testing.T) {
	p := chain.RegTestParams()
	best := chain.BestState{Hash: p.GenesisHash, NextBits: p.PowLimitBits, MedianTime: 1}
	local, err := NewTemplate(p, best, time.Unix(100, 0), payKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := TemplateFromBlock(p, local.Block, 1)
	if err != nil || got.Target != local.Target || got.Height != 1 || got.Fees != 0 {
		t.Fatalf("template from block %+v %v", got, err)
	}
	if _, err := TemplateFromBlock(p, local.Block, 2); err == nil {
		t.Error("template with a coinbase of another height accepted")
	}
	bad := *local.Block
	bad.Header.Bits = 0x04923456
	if _, err := TemplateFromBlock(p, &bad, 1); err == nil {
		t.Error("template with undecodable bits accepted")
	}
	if _, err := TemplateFromBlock(p, &chain.Block{Header: local.Block.Header}, 1); err == nil {
		t.Error("template without a coinbase accepted")
	}
}

// TestConcurrentGenerate runs Generate from several goroutines at once, as
// concurrent generatetoaddress calls and the dev node's ticker do: every
// call succeeds and every hash it returns is on the main chain.
func TestConcurrentGenerate(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	m := newTestMiner(t, c, 1)
	const callers, each = 4, 10
	results := make(chan []chain.Hash, callers)
	errs := make(chan error, callers)
	for range callers {
		go func() {
			hashes, err := m.Generate(t.Context(), each, payKey)
			results <- hashes
			errs <- err
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		for _, h := range <-results {
			info, err := c.HeaderByHash(h)
			if err != nil || !info.MainChain {
				t.Fatalf("Generate returned %v, not on the main chain (%v)", h, err)
			}
		}
	}
	if h := c.BestState().Height; h != callers*each {
		t.Fatalf("tip at %d, want %d", h, callers*each)
	}
}
