package chain

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// buildChain builds n blocks named prefix1..prefixN on the generator tip
// without giving them to the chain, and returns them.
func (g *harness) buildChain(prefix string, n int) []*Block {
	g.t.Helper()
	blocks := make([]*Block, n)
	for i := range blocks {
		blocks[i] = g.NextBlock(prefix+itoa(i+1), nil)
	}
	return blocks
}

func headersOf(blocks []*Block) []Header {
	hs := make([]Header, len(blocks))
	for i, b := range blocks {
		hs[i] = b.Header
	}
	return hs
}

// expectBestHeader checks the best header is the named block.
func (g *harness) expectBestHeader(name string) {
	g.t.Helper()
	best := g.chain.BestState()
	want := g.Block(name).BlockHash()
	if best.HeaderHash != want || best.HeaderHeight != g.heights[name] {
		g.t.Fatalf("best header is %q at %d, want %q at %d", g.names[best.HeaderHash], best.HeaderHeight, name, g.heights[name])
	}
}

// processHeaders submits headers and expects Accepted and New, and err of
// kind (none if kind is "").
func (g *harness) processHeaders(hs []Header, accepted, added int, kind ErrorKind) HeadersResult {
	g.t.Helper()
	res, err := g.chain.ProcessHeaders(g.t.(*testing.T).Context(), hs)
	if kind == "" && err != nil || kind != "" && !isKind(err, kind) {
		g.t.Fatalf("ProcessHeaders: err %v, want %q", err, kind)
	}
	if res.Accepted != accepted || res.New != added {
		g.t.Fatalf("ProcessHeaders: accepted %d new %d, want %d and %d", res.Accepted, res.New, accepted, added)
	}
	return res
}

func TestProcessHeadersAcceptsChain(t *testing.T) {
	g := matureHarness(t, 3)
	blocks := g.buildChain("h", 20)
	res := g.processHeaders(headersOf(blocks[:12]), 12, 12, "")
	if res.BestHeader != blocks[11].BlockHash() || res.BestHeaderHeight != 15 {
		t.Fatalf("result names best header %v at %d", res.BestHeader, res.BestHeaderHeight)
	}
	g.expectBestHeader("h12")
	g.ExpectTip("b3") // no bodies: the connected tip does not move
	// Known headers are skipped, new ones after them stored.
	g.processHeaders(headersOf(blocks[8:]), 12, 8, "")
	g.expectBestHeader("h20")
	for i, b := range blocks {
		if !g.chain.HaveHeader(b.BlockHash()) || g.chain.HaveBlock(b.BlockHash()) {
			t.Fatalf("h%d: HaveHeader %v HaveBlock %v, want a header without body", i+1,
				g.chain.HaveHeader(b.BlockHash()), g.chain.HaveBlock(b.BlockHash()))
		}
	}
	if !g.chain.HaveBlock(g.Block("b3").BlockHash()) {
		t.Fatal("HaveBlock false for a connected block")
	}
	// The header index survives a restart.
	g.reopen()
	g.expectBestHeader("h20")
	g.ExpectTip("b3")
	g.processHeaders(nil, 0, 0, "")
}

// TestHeaderRulesBatch submits, for each header rule, a header that keeps it
// and one that breaks it, on top of a short chain.
func TestHeaderRulesBatch(t *testing.T) {
	tests := []struct {
		name  string
		munge func(g *harness, h *Header) // applied before solving
		solve bool                        // false: leave the proof of work unmet
		kind  ErrorKind
	}{
		{name: "valid", solve: true},
		{name: "version 2", munge: func(_ *harness, h *Header) { h.Version = 2 }, solve: true, kind: ErrBadBlockVersion},
		{name: "hash above target", solve: false, kind: ErrHighHash},
		{name: "bits above the limit", munge: func(_ *harness, h *Header) { h.Bits = 0x2100ffff }, solve: true, kind: ErrBadBits},
		{name: "bits not ASERT's", munge: func(_ *harness, h *Header) { h.Bits = 0x1f7fffff }, solve: true, kind: ErrUnexpectedBits},
		{name: "time at median time past", munge: func(g *harness, h *Header) {
			h.Time = uint32(g.medianTimePast("b12"))
			h.Bits = g.nextBits("b12")
		}, solve: true, kind: ErrTimeTooOld},
		{name: "time one past median time past", munge: func(g *harness, h *Header) {
			h.Time = uint32(g.medianTimePast("b12")) + 1
			h.Bits = g.nextBits("b12")
		}, solve: true},
		{name: "time too far ahead", munge: func(g *harness, h *Header) {
			h.Time = uint32(g.clock.Unix()) + uint32(g.params.MaxFutureBlockTime.Seconds()) + 1
		}, solve: true, kind: ErrTimeTooNew},
		{name: "time at the future limit", munge: func(g *harness, h *Header) {
			h.Time = uint32(g.clock.Unix()) + uint32(g.params.MaxFutureBlockTime.Seconds())
		}, solve: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := matureHarness(t, 12)
			b := g.NextBlock("x", nil)
			if tc.munge != nil {
				tc.munge(g, &b.Header)
			}
			if tc.solve {
				g.solve(b)
			} else {
				g.unsolve(b)
			}
			_, err := g.chain.ProcessHeaders(t.Context(), []Header{b.Header})
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("valid header refused: %v", err)
				}
				if best := g.chain.BestState(); best.HeaderHash != b.BlockHash() {
					t.Fatalf("best header %v, want the new one", best.HeaderHash)
				}
				return
			}
			if !isKind(err, tc.kind) {
				t.Fatalf("got %v, want %v", err, tc.kind)
			}
			if g.chain.HaveHeader(b.BlockHash()) {
				t.Fatal("refused header is in the index")
			}
			g.expectBestHeader("b12")
		})
	}
}

// TestHeadersBadInput is the list of bad batches: each is refused with a
// typed error, the headers before the bad one are stored, nothing from it
// on is, and the best header does not move past the last good one.
func TestHeadersBadInput(t *testing.T) {
	tests := []struct {
		name   string
		batch  func(g *harness, hs []Header) []Header
		stored int // leading headers of hs stored
		kind   ErrorKind
	}{
		{name: "does not connect", kind: ErrMissingParent,
			batch: func(_ *harness, hs []Header) []Header { return hs[1:] }},
		{name: "not a chain", stored: 1, kind: ErrHeadersNotContinuous,
			batch: func(_ *harness, hs []Header) []Header { return []Header{hs[0], hs[2], hs[3]} }},
		{name: "repeats a header", stored: 2, kind: ErrHeadersNotContinuous,
			batch: func(_ *harness, hs []Header) []Header { return []Header{hs[0], hs[1], hs[1], hs[2]} }},
		{name: "more than 2000", kind: ErrTooManyHeaders,
			batch: func(_ *harness, hs []Header) []Header {
				many := make([]Header, MaxHeadersPerBatch+1)
				copy(many, hs)
				return many
			}},
		{name: "wrong bits for the height", kind: ErrUnexpectedBits,
			batch: func(g *harness, hs []Header) []Header {
				b := &Block{Header: hs[0]}
				b.Header.Bits = 0x1f7fffff
				g.solve(b)
				return append([]Header{b.Header}, hs[1:]...)
			}},
		{name: "bad proof of work in the middle", stored: 5, kind: ErrHighHash,
			batch: func(g *harness, hs []Header) []Header {
				bad := slices.Clone(hs)
				b := &Block{Header: bad[5]}
				g.unsolve(b)
				bad[5] = b.Header
				return bad
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := matureHarness(t, 2)
			blocks := g.buildChain("h", 10)
			hs := headersOf(blocks)
			g.processHeaders(tc.batch(g, hs), tc.stored, tc.stored, tc.kind)
			for i, b := range blocks {
				if got, want := g.chain.HaveHeader(b.BlockHash()), i < tc.stored; got != want {
					t.Fatalf("h%d: HaveHeader %v, want %v", i+1, got, want)
				}
			}
			if tc.stored == 0 {
				g.expectBestHeader("b2")
			} else {
				g.expectBestHeader("h" + itoa(tc.stored))
			}
			g.reopen() // what is stored is what the index held
			for i, b := range blocks {
				if got, want := g.chain.HaveHeader(b.BlockHash()), i < tc.stored; got != want {
					t.Fatalf("after reopening, h%d: HaveHeader %v, want %v", i+1, got, want)
				}
			}
			// The honest headers are welcome afterwards.
			g.processHeaders(hs, 10, 10-tc.stored, "")
			g.expectBestHeader("h10")
		})
	}
}

// TestHeadersOnInvalidBlock refuses headers building on a block refused
// for a rule its hash commits to.
func TestHeadersOnInvalidBlock(t *testing.T) {
	g := matureHarness(t, 2)
	g.NextBlock("bad", nil, func(b *Block) { b.Txs[0].LockTime = 0 })
	g.RejectTipBlock(ErrBadCoinbaseLockTime)
	child := g.NextBlock("child", nil)
	g.processHeaders([]Header{g.Block("bad").Header}, 0, 0, ErrKnownInvalid)
	g.processHeaders([]Header{child.Header}, 0, 0, ErrInvalidAncestor)
	g.expectBestHeader("b2")
}

// TestWrongBodyForKnownHeader refuses a body that does not match its
// header without marking the header: the right body is accepted after.
func TestWrongBodyForKnownHeader(t *testing.T) {
	g := matureHarness(t, 2)
	blocks := g.buildChain("h", 2)
	g.processHeaders(headersOf(blocks), 2, 2, "")
	wrong := &Block{Header: blocks[0].Header, Txs: []*Tx{g.Block("b2").Txs[0]}}
	if _, err := g.process(wrong); !isKind(err, ErrBadMerkleRoot) {
		t.Fatalf("wrong body: %v, want ErrBadMerkleRoot", err)
	}
	if !g.chain.HaveHeader(blocks[0].BlockHash()) || g.chain.HaveBlock(blocks[0].BlockHash()) {
		t.Fatal("a wrong body changed what is known of its header")
	}
	g.expectBestHeader("h2")
	g.AcceptBlock("h1")
	g.AcceptBlock("h2")
	g.ExpectTip("h2")
}

// TestBodyAwaitingParent stores a body whose parent's body is missing and
// connects both when the parent's arrives.
func TestBodyAwaitingParent(t *testing.T) {
	g := matureHarness(t, 2)
	blocks := g.buildChain("h", 3)
	g.processHeaders(headersOf(blocks), 3, 3, "")
	rec := g.record()
	for _, name := range []string{"h3", "h2"} {
		res := g.AcceptBlock(name)
		if !res.AwaitingParent || res.Orphan || res.MainChain || res.Height != g.heights[name] {
			t.Fatalf("%s: %+v, want stored awaiting its parent", name, res)
		}
		if !g.chain.HaveBlock(g.Block(name).BlockHash()) {
			t.Fatalf("%s: body not stored", name)
		}
	}
	g.ExpectTip("b2")
	if _, err := g.process(g.Block("h3")); !isKind(err, ErrDuplicateBlock) {
		t.Fatalf("second copy of a stored body: %v, want ErrDuplicateBlock", err)
	}
	res := g.AcceptBlock("h1")
	if res.AwaitingParent || !res.MainChain {
		t.Fatalf("h1: %+v, want on the main chain", res)
	}
	g.ExpectTip("h3")
	rec.expect("+h1", "+h2", "+h3")
}

// TestOrphanWaitsForHeader holds a block whose parent is unknown until the
// parent's header arrives, then stores it.
func TestOrphanWaitsForHeader(t *testing.T) {
	g := matureHarness(t, 2)
	blocks := g.buildChain("h", 2)
	if res, err := g.process(blocks[1]); err != nil || !res.Orphan {
		t.Fatalf("block on an unknown parent: %+v %v, want an orphan", res, err)
	}
	g.processHeaders(headersOf(blocks[:1]), 1, 1, "")
	if !g.chain.HaveBlock(blocks[1].BlockHash()) {
		t.Fatal("the orphan was not stored once its parent's header arrived")
	}
	g.AcceptBlock("h1")
	g.ExpectTip("h2")
}

func TestNextBlocksToDownload(t *testing.T) {
	g := matureHarness(t, 2)
	blocks := g.buildChain("h", 30)
	hash := func(i int) Hash { return blocks[i-1].BlockHash() }
	if got := g.chain.NextBlocksToDownload(10, 100, nil); got != nil {
		t.Fatalf("nothing to download, got %d hashes", len(got))
	}
	g.processHeaders(headersOf(blocks), 30, 30, "")
	g.AcceptBlock("h1")
	g.AcceptBlock("h3") // stored, awaiting h2
	got := g.chain.NextBlocksToDownload(4, 100, nil)
	if want := []Hash{hash(2), hash(4), hash(5), hash(6)}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want h2 h4 h5 h6", got)
	}
	skip := func(h Hash) bool { return h == hash(2) || h == hash(5) }
	got = g.chain.NextBlocksToDownload(3, 100, skip)
	if want := []Hash{hash(4), hash(6), hash(7)}; !slices.Equal(got, want) {
		t.Fatalf("with a filter: got %v, want h4 h6 h7", got)
	}
	// The window counts from the connected tip (h1, height 3).
	got = g.chain.NextBlocksToDownload(100, 4, nil)
	if want := []Hash{hash(2), hash(4), hash(5)}; !slices.Equal(got, want) {
		t.Fatalf("window 4: got %v, want h2 h4 h5", got)
	}
	if got := g.chain.NextBlocksToDownload(0, 100, nil); got != nil {
		t.Fatalf("max 0: got %v", got)
	}
}

// TestNextBlocksToDownloadAfterFork hands out the best header chain's
// bodies from the fork with the main chain.
func TestNextBlocksToDownloadAfterFork(t *testing.T) {
	g := matureHarness(t, 2)
	g.extend("a", 3)
	g.SetTip("b2")
	side := g.buildChain("s", 5)
	g.processHeaders(headersOf(side), 5, 5, "")
	got := g.chain.NextBlocksToDownload(10, 100, nil)
	if len(got) != 5 || got[0] != side[0].BlockHash() || got[4] != side[4].BlockHash() {
		t.Fatalf("got %d hashes, want s1..s5", len(got))
	}
	for _, b := range side {
		g.AcceptBlock(g.names[b.BlockHash()])
	}
	g.ExpectTip("s5")
}

// TestHeaderLocatorAndLocateHeaders checks both walk the best header
// chain, not the connected one.
func TestHeaderLocatorAndLocateHeaders(t *testing.T) {
	g := matureHarness(t, 2)
	blocks := g.buildChain("h", 40)
	g.processHeaders(headersOf(blocks), 40, 40, "")
	loc := g.chain.HeaderLocator()
	if loc[0] != blocks[39].BlockHash() || loc[len(loc)-1] != g.params.GenesisHash {
		t.Fatalf("header locator runs %v..%v", loc[0], loc[len(loc)-1])
	}
	if tipLoc := g.chain.BlockLocator(); tipLoc[0] != g.Block("b2").BlockHash() {
		t.Fatal("block locator does not start at the connected tip")
	}
	hs := g.chain.LocateHeaders([]Hash{g.Block("b2").BlockHash()}, Hash{}, 2000)
	if len(hs) != 40 || hs[0] != blocks[0].Header || hs[39] != blocks[39].Header {
		t.Fatalf("from b2: %d headers", len(hs))
	}
	hs = g.chain.LocateHeaders([]Hash{{1}, blocks[9].BlockHash()}, blocks[14].BlockHash(), 2000)
	if len(hs) != 5 || hs[0] != blocks[10].Header || hs[4] != blocks[14].Header {
		t.Fatalf("h10 to stop at h15: %d headers", len(hs))
	}
	hs = g.chain.LocateHeaders(nil, Hash{}, 3)
	if len(hs) != 3 || hs[0] != g.Block("b1").Header {
		t.Fatalf("from genesis, max 3: %d headers", len(hs))
	}
	if hs := g.chain.LocateHeaders([]Hash{blocks[39].BlockHash()}, Hash{}, 10); len(hs) != 0 {
		t.Fatalf("from the best header: %d headers", len(hs))
	}
}

// TestBodiesInAnyOrder delivers the bodies of a chain in a random order
// after its headers and ends with the tip, UTXO set and indexes that
// delivering them in order gives: for a chain of coinbase-only blocks, every
// coinbase output unspent and every coinbase in the tx index.
func TestBodiesInAnyOrder(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 1000
	}
	g := newHarness(t)
	blocks := g.buildChain("b", n)
	for i := 0; i < n; i += MaxHeadersPerBatch {
		if _, err := g.chain.ProcessHeaders(t.Context(), headersOf(blocks[i:min(n, i+MaxHeadersPerBatch)])); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, i := range rng.Perm(n) {
		if _, err := g.process(blocks[i]); err != nil {
			t.Fatalf("body %d: %v", i+1, err)
		}
	}
	g.ExpectTip("b" + itoa(n))

	want := make(map[OutPoint]UtxoEntry, n)
	for i, b := range blocks {
		cb := b.Txs[0]
		want[OutPoint{TxID: cb.TxID()}] = UtxoEntry{Output: cb.Outputs[0], Height: uint32(i + 1), IsCoinbase: true}
	}
	if got := g.utxoSet(); !maps.Equal(got, want) {
		t.Fatalf("UTXO set has %d entries, want the %d coinbase outputs", len(got), len(want))
	}
	for i, b := range blocks {
		_, loc, err := g.chain.TxByID(b.Txs[0].TxID())
		if err != nil || loc.Block != b.BlockHash() || loc.Height != uint32(i+1) {
			t.Fatalf("tx index of coinbase %d: %+v %v", i+1, loc, err)
		}
		if h, err := g.chain.BlockHashByHeight(uint32(i + 1)); err != nil || h != b.BlockHash() {
			t.Fatalf("main chain at %d: %v %v", i+1, h, err)
		}
	}
}
