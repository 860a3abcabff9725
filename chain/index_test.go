package chain

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func TestWork(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func() *big.Int {
		// Below 2^255, so that sums stay within 256 bits.
		x := new(big.Int)
		for range 4 {
			x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(rng.Uint64()))
		}
		return x.Rsh(x, uint(1+rng.IntN(255)))
	}
	for range 1000 {
		a, b := random(), random()
		wa, wb := workFromBig(a), workFromBig(b)
		if wa.big().Cmp(a) != 0 {
			t.Fatalf("%x does not survive the round trip: %x", a, wa.big())
		}
		if sum := new(big.Int).Add(a, b); wa.add(wb).big().Cmp(sum) != 0 {
			t.Fatalf("%x + %x = %x, want %x", a, b, wa.add(wb).big(), sum)
		}
		if got, want := wa.cmp(wb), a.Cmp(b); got != want {
			t.Fatalf("cmp(%x, %x) = %d, want %d", a, b, got, want)
		}
		if wa.cmp(wa) != 0 {
			t.Fatal("a work differs from itself")
		}
	}
}

// memChain returns n+1 nodes of an in-memory chain from genesis, without
// proof of work: enough for walking the index.
func memChain(n int, tag uint32) []*blockNode {
	p := RegTestParams()
	nodes := make([]*blockNode, 0, n+1)
	nodes = append(nodes, newBlockNode(&p.GenesisBlock.Header, nil))
	for i := 1; i <= n; i++ {
		parent := nodes[i-1]
		h := Header{Version: 1, Prev: parent.hash, Time: parent.time + 60, Bits: p.PowLimitBits, Nonce: tag}
		nodes = append(nodes, newBlockNode(&h, parent))
	}
	return nodes
}

// TestAncestor checks the skip-pointer walk against the parent walk, and
// findFork on branches.
func TestAncestor(t *testing.T) {
	nodes := memChain(5000, 0)
	tip := nodes[len(nodes)-1]
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		from := nodes[rng.IntN(len(nodes))]
		h := uint32(rng.IntN(int(from.height) + 1))
		want := from
		for want.height > h {
			want = want.parent
		}
		if got := from.ancestor(h); got != want {
			t.Fatalf("ancestor(%d) of %d is at height %v", h, from.height, got.height)
		}
	}
	if tip.ancestor(tip.height+1) != nil {
		t.Fatal("an ancestor above the node")
	}
	// A branch from height 1234.
	fork := nodes[1234]
	branch := fork
	for i := range 3000 {
		h := Header{Version: 1, Prev: branch.hash, Time: branch.time + 61, Bits: branch.bits, Nonce: uint32(i)}
		branch = newBlockNode(&h, branch)
	}
	if got := findFork(tip, branch); got != fork {
		t.Fatalf("fork found at %d, want 1234", got.height)
	}
	if got := findFork(branch, nodes[100]); got != nodes[100] {
		t.Fatalf("fork with an ancestor found at %d, want 100", got.height)
	}
	if got := branch.ancestor(1000); got != nodes[1000] {
		t.Fatal("branch ancestor below the fork is not on the main chain")
	}
}

// genHeaders returns n headers following parent (at height parentHeight)
// on the ASERT schedule of p, each solved, with made-up merkle roots: a
// header chain at regtest difficulty, cheap to make.
func genHeaders(p *Params, parent Header, parentHeight uint32, n int) []Header {
	genesis := &p.GenesisBlock.Header
	spacing := int64(p.TargetSpacing / time.Second)
	hs := make([]Header, n)
	prevHash := parent.BlockHash()
	prev := parent
	for i := range hs {
		h := Header{
			Version: 1,
			Prev:    prevHash,
			Time:    prev.Time + uint32(spacing),
			Bits: CalcASERTBits(genesis.Bits, p.PowLimit, spacing, int64(prev.Time)-int64(genesis.Time),
				int64(parentHeight)+int64(i), int64(p.ASERTHalfLife/time.Second)),
		}
		h.MerkleRoot[0], h.MerkleRoot[1], h.MerkleRoot[2] = byte(i), byte(i>>8), byte(i>>16)
		for {
			prevHash = h.BlockHash()
			if CheckProofOfWork(prevHash, h.Bits, nil) == nil {
				break
			}
			h.Nonce++
		}
		hs[i] = h
		prev = h
	}
	return hs
}

// submitHeaders gives hs to the chain in batches of MaxHeadersPerBatch.
func (g *harness) submitHeaders(hs []Header) {
	g.t.Helper()
	for i := 0; i < len(hs); i += MaxHeadersPerBatch {
		batch := hs[i:min(len(hs), i+MaxHeadersPerBatch)]
		if res, err := g.chain.ProcessHeaders(g.t.(*testing.T).Context(), batch); err != nil || res.New != len(batch) {
			g.t.Fatalf("headers %d..: %+v %v", i, res, err)
		}
	}
}

// indexWritesSince returns the hashes of the index entries written after
// the database version v.
func (g *harness) indexWritesSince(v uint64) map[Hash]bool {
	g.t.Helper()
	written := make(map[Hash]bool)
	err := g.chain.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixIndex}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if it.Item().Version() > v {
				var h Hash
				copy(h[:], it.Item().Key()[1:])
				written[h] = true
			}
		}
		return nil
	})
	if err != nil {
		g.t.Fatal(err)
	}
	return written
}

// TestStatusChangeOnLongChain invalidates and reconsiders the first block
// under a chain of 100,000 headers: only the entries whose status changes
// (and those of blocks connected again) are written.
func TestStatusChangeOnLongChain(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	g := matureHarness(t, 3)
	g.clock.Set(int64(g.Block("b3").Header.Time) + int64(n)*harnessSpacing)
	hs := genHeaders(g.params, g.Block("b3").Header, 3, n)
	g.submitHeaders(hs)
	last := hs[n-1].BlockHash()
	b1 := g.Block("b1").BlockHash()

	v := g.chain.db.MaxVersion()
	if err := g.chain.InvalidateBlock(t.Context(), b1); err != nil {
		t.Fatal(err)
	}
	if w := g.indexWritesSince(v); len(w) != 1 || !w[b1] {
		t.Fatalf("invalidateblock wrote %d index entries, want b1's alone", len(w))
	}
	g.ExpectTip("genesis")
	g.expectBestHeader("genesis")
	if g.chain.HaveHeader(last) {
		t.Fatal("a descendant of an invalid block is still a valid header")
	}

	v = g.chain.db.MaxVersion()
	if err := g.chain.ReconsiderBlock(t.Context(), b1); err != nil {
		t.Fatal(err)
	}
	if w := g.indexWritesSince(v); len(w) != 3 || !w[b1] || !w[g.Block("b3").BlockHash()] {
		t.Fatalf("reconsiderblock wrote %d index entries, want those of b1..b3 (connected again)", len(w))
	}
	g.ExpectTip("b3")
	if best := g.chain.BestState(); best.HeaderHash != last || best.HeaderHeight != uint32(n+3) {
		t.Fatalf("best header at %d, want the last header at %d", best.HeaderHeight, n+3)
	}
	// A restart derives the same state.
	g.reopen()
	g.ExpectTip("b3")
	if !g.chain.HaveHeader(last) {
		t.Fatal("after reopening, the last header is not valid")
	}
}

// TestNullOutPointNotReadByRules changes the exported NullOutPoint and
// checks that what the rules call null does not follow.
func TestNullOutPointNotReadByRules(t *testing.T) {
	saved := NullOutPoint
	defer func() { NullOutPoint = saved }()
	NullOutPoint = OutPoint{TxID: Hash{1}, Index: 7}
	if !(OutPoint{Index: 0xffffffff}).IsNull() || (OutPoint{TxID: Hash{1}, Index: 7}).IsNull() {
		t.Fatal("IsNull follows the exported variable")
	}
	p := RegTestParams()
	if !p.GenesisBlock.Txs[0].IsCoinbase() || p.GenesisBlock.BlockHash() != p.GenesisHash {
		t.Fatal("the genesis coinbase depends on the exported variable")
	}
}
