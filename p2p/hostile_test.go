package p2p_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/syncbuf"
	"github.com/flint-chain/flint/node"
	"github.com/flint-chain/flint/p2p"
)

// hostile is a peer that speaks Flint's wire protocols by hand, from a
// real libp2p host on loopback, and answers as its fields say.
type hostile struct {
	t      *testing.T
	h      host.Host
	netID  string
	status p2p.Status
	// headers answers getheaders (nil: the source's real headers).
	headers func(g p2p.GetHeaders) []byte
	// blocks answers getblocks with the raw bytes written after the code.
	blocks func(hashes []chain.Hash) []byte
	// source is the honest chain the hostile peer pretends to have.
	source *testNode
}

func newHostile(t *testing.T, source *testNode) *hostile {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	params := source.Chain().Params()
	x := &hostile{t: t, h: h, netID: params.NetworkID(), source: source}
	best := source.Chain().BestState()
	x.status = p2p.Status{Genesis: params.GenesisHash, BestHeader: best.HeaderHash, BestHeaderHeight: best.HeaderHeight,
		BestBlock: best.Hash, BestBlockHeight: best.Height, Work: best.HeaderWorkSum}
	h.SetStreamHandler(x.proto("status"), func(s network.Stream) {
		defer s.Close()
		if _, err := p2p.ReadFrame(bufio.NewReader(s), p2p.StatusSize); err != nil {
			s.Reset()
			return
		}
		s.Write(append([]byte{p2p.CodeOK}, p2p.AppendFrame(nil, x.status.Encode())...))
	})
	h.SetStreamHandler(x.proto("getheaders"), func(s network.Stream) {
		defer s.Close()
		req, err := p2p.ReadFrame(bufio.NewReader(s), p2p.MaxGetHeadersSize)
		if err != nil {
			s.Reset()
			return
		}
		g, _ := p2p.DecodeGetHeaders(req)
		if x.headers != nil {
			s.Write(x.headers(g))
			return
		}
		s.Write(x.honestHeaders(g))
	})
	h.SetStreamHandler(x.proto("getblocks"), func(s network.Stream) {
		defer s.Close()
		req, err := p2p.ReadFrame(bufio.NewReader(s), p2p.MaxGetBlocksSize)
		if err != nil {
			s.Reset()
			return
		}
		hashes, _ := p2p.DecodeGetBlocks(req)
		s.Write(x.blocks(hashes))
	})
	return x
}

// honestHeaders is the source's answer to a getheaders.
func (x *hostile) honestHeaders(g p2p.GetHeaders) []byte {
	hs := x.source.Chain().LocateHeaders(g.Locator, g.Stop, p2p.MaxHeadersPerReply)
	return append([]byte{p2p.CodeOK}, p2p.AppendFrame(nil, p2p.EncodeHeaders(hs))...)
}

// honestBlocks is the source's answer to a getblocks.
func (x *hostile) honestBlocks(hashes []chain.Hash) []byte {
	out := []byte{p2p.CodeOK}
	for _, hash := range hashes {
		b, err := x.source.Chain().BlockByHash(hash)
		if err != nil {
			if len(out) == 1 {
				return []byte{p2p.CodeNotAvailable}
			}
			return out
		}
		out = p2p.AppendFrame(out, b.Serialize())
	}
	return out
}

// upTo answers getblocks as a peer still syncing does: the source's
// bodies up to height limit(), "not available" when the first asked for
// is above it, a reply cut short at the first that is.
func (x *hostile) upTo(limit func() uint32) func([]chain.Hash) []byte {
	return func(hashes []chain.Hash) []byte {
		for i, hash := range hashes {
			if info, err := x.source.Chain().HeaderByHash(hash); err != nil || info.Height > limit() {
				if i == 0 {
					return []byte{p2p.CodeNotAvailable}
				}
				return x.honestBlocks(hashes[:i])
			}
		}
		return x.honestBlocks(hashes)
	}
}

func (x *hostile) proto(name string) protocol.ID {
	return protocol.ID("/" + x.netID + "/" + name + "/1")
}

// dial connects the hostile peer to n.
func (x *hostile) dial(n *testNode) {
	x.t.Helper()
	a, _ := ma.NewMultiaddr(n.TCPAddr())
	ai, _ := peer.AddrInfoFromP2pAddr(a)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.h.Connect(ctx, *ai); err != nil {
		x.t.Fatal(err)
	}
}

// ask opens a stream to n on protocol name, writes raw, closes the write
// side and returns the response bytes (nil after a reset).
func (x *hostile) ask(n *testNode, name string, raw []byte) []byte {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := x.h.NewStream(ctx, n.P2P().ID(), x.proto(name))
	if err != nil {
		return nil // disconnected (banned)
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(10 * time.Second))
	s.Write(raw)
	s.CloseWrite()
	resp, _ := io.ReadAll(s)
	return resp
}

// banScore is n's ban score for the hostile peer, -1 when not connected.
func (x *hostile) banScore(n *testNode) int {
	for _, p := range n.P2P().Peers() {
		if p.ID == x.h.ID().String() {
			return p.BanScore
		}
	}
	return -1
}

// banned reports whether n bans the hostile peer.
func (x *hostile) banned(n *testNode) bool {
	for _, b := range n.P2P().Bans() {
		if b.Address == x.h.ID().String() {
			return true
		}
	}
	return false
}

func TestHostileRequests(t *testing.T) {
	h := startNode(t, "honest")
	h.mine(5)

	t.Run("garbage request", func(t *testing.T) {
		x := newHostile(t, h)
		x.dial(h)
		resp := x.ask(h, "getheaders", p2p.AppendFrame(nil, []byte("garbage!")))
		if len(resp) != 1 || resp[0] != p2p.CodeBadRequest {
			t.Fatalf("response %x, want code 1", resp)
		}
		waitFor(t, 5*time.Second, "20 points", func() bool { return x.banScore(h) == 20 })
	})
	t.Run("bytes after the request", func(t *testing.T) {
		x := newHostile(t, h)
		x.dial(h)
		req := p2p.AppendFrame(nil, p2p.EncodeGetBlocks([]chain.Hash{h.Chain().BestState().Hash}))
		resp := x.ask(h, "getblocks", append(req, 7))
		if len(resp) != 1 || resp[0] != p2p.CodeBadRequest {
			t.Fatalf("response %x, want code 1", resp)
		}
	})
	t.Run("oversized message", func(t *testing.T) {
		x := newHostile(t, h)
		x.dial(h)
		resp := x.ask(h, "getblocks", []byte{0x80, 0x80, 0x40}) // a 1 MiB frame
		if len(resp) != 0 {
			t.Fatalf("response %x, want a reset", resp)
		}
		waitFor(t, 5*time.Second, "50 points", func() bool { return x.banScore(h) == 50 })
	})
	t.Run("flood beyond the rate limit", func(t *testing.T) {
		x := newHostile(t, h)
		x.dial(h)
		req := p2p.AppendFrame(nil, (&p2p.GetHeaders{Locator: []chain.Hash{h.Chain().Params().GenesisHash}}).Encode())
		limited := 0
		for range 40 {
			if resp := x.ask(h, "getheaders", req); len(resp) == 1 && resp[0] == p2p.CodeRateLimited {
				limited++
			}
		}
		if limited == 0 {
			t.Fatal("40 getheaders at once: none rate limited")
		}
		if !x.banned(h) && x.banScore(h) < 5 {
			t.Fatalf("the flood cost %d points", x.banScore(h))
		}
		// The honest node still answers others.
		y := newHostile(t, h)
		y.dial(h)
		if resp := y.ask(h, "getheaders", req); len(resp) < 2 || resp[0] != p2p.CodeOK {
			t.Fatalf("another peer's request: %x", resp)
		}
	})
	t.Run("wrong genesis", func(t *testing.T) {
		x := newHostile(t, h)
		x.status.Genesis = chain.TestNetParams().GenesisHash
		x.dial(h)
		waitFor(t, 2*time.Second, "disconnect", func() bool {
			return x.h.Network().Connectedness(h.P2P().ID()) != network.Connected
		})
	})
}

func TestHostileSync(t *testing.T) {
	src := startNode(t, "source") // the honest chain, not connected to h
	src.mine(40)
	srcTip := src.Chain().BestState().Hash
	stall := func(o *node.Config) { o.P2P.StallTimeout = 2 * time.Second }

	t.Run("bad proof of work header", func(t *testing.T) {
		h := startNode(t, "h")
		x := newHostile(t, src)
		bad := chain.Header{Version: 1, Prev: h.Chain().Params().GenesisHash, Time: uint32(time.Now().Unix()),
			Bits: h.Chain().Params().PowLimitBits}
		for chain.CheckProofOfWork(bad.BlockHash(), bad.Bits, h.Chain().Params().PowLimit) == nil {
			bad.Nonce++
		}
		x.headers = func(p2p.GetHeaders) []byte {
			return append([]byte{p2p.CodeOK}, p2p.AppendFrame(nil, p2p.EncodeHeaders([]chain.Header{bad}))...)
		}
		x.dial(h)
		waitFor(t, 10*time.Second, "a ban", func() bool { return x.banned(h) })
		if h.Chain().HaveHeader(bad.BlockHash()) {
			t.Fatal("the bad header was stored")
		}
		// Banned: it cannot connect again.
		a, _ := ma.NewMultiaddr(h.TCPAddr())
		ai, _ := peer.AddrInfoFromP2pAddr(a)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		x.h.Network().ClosePeer(h.P2P().ID())
		x.h.Peerstore().RemovePeer(h.P2P().ID())
		if err := x.h.Connect(ctx, *ai); err == nil {
			waitFor(t, 5*time.Second, "the banned peer dropped", func() bool {
				return x.h.Network().Connectedness(h.P2P().ID()) != network.Connected
			})
		}
	})
	t.Run("2,001 headers", func(t *testing.T) {
		h := startNode(t, "h")
		x := newHostile(t, src)
		x.headers = func(p2p.GetHeaders) []byte {
			return append([]byte{p2p.CodeOK}, p2p.AppendFrame(nil, make([]byte, 3+2001*80))...)
		}
		x.dial(h)
		waitFor(t, 10*time.Second, "50 points", func() bool { return x.banScore(h) >= 50 })
	})
	t.Run("bad merkle root, unsolicited and stalled blocks", func(t *testing.T) {
		h := startNode(t, "h", stall)
		mutate := newHostile(t, src)
		mutate.blocks = func(hashes []chain.Hash) []byte {
			b, _ := src.Chain().BlockByHash(hashes[0])
			bad := *b
			bad.Txs = append([]*chain.Tx{}, b.Txs...)
			cb := *bad.Txs[0]
			cb.Inputs = append([]chain.TxIn{}, cb.Inputs...)
			cb.Inputs[0].Witness = []byte("mutated")
			bad.Txs[0] = &cb
			return append([]byte{p2p.CodeOK}, p2p.AppendFrame(nil, bad.Serialize())...)
		}
		unsolicited := newHostile(t, src)
		unsolicited.blocks = func([]chain.Hash) []byte {
			return append([]byte{p2p.CodeOK}, p2p.AppendFrame(nil, src.blockAt(1).Serialize())...)
		}
		staller := newHostile(t, src)
		staller.blocks = func([]chain.Hash) []byte {
			time.Sleep(4 * time.Second) // past the stall timeout
			return nil
		}
		for _, x := range []*hostile{mutate, unsolicited, staller} {
			x.dial(h)
		}
		// With an honest peer too, h ends on the honest chain.
		connect(t, h, src)
		waitTip(t, 60*time.Second, srcTip, h)
		waitFor(t, 10*time.Second, "the mutating peer banned", func() bool { return mutate.banned(h) })
		if s := unsolicited.banScore(h); s < 20 && !unsolicited.banned(h) {
			t.Errorf("unsolicited blocks cost %d points", s)
		}
	})
}

// TestRequestSizeFollowsBlocks syncs small blocks from a peer that serves
// them honestly and records each getblocks: the first asks for the least
// number of bodies, and once the blocks' size is known the requests ask
// for the protocol's most.
func TestRequestSizeFollowsBlocks(t *testing.T) {
	src := startNode(t, "source")
	src.mine(400)
	srcTip := src.Chain().BestState().Hash
	h := startNode(t, "h")
	x := newHostile(t, src)
	var mu sync.Mutex
	var sizes []int
	x.blocks = func(hashes []chain.Hash) []byte {
		mu.Lock()
		sizes = append(sizes, len(hashes))
		mu.Unlock()
		return x.honestBlocks(hashes)
	}
	x.dial(h)
	waitTip(t, 60*time.Second, srcTip, h)
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) == 0 || sizes[0] != 32 {
		t.Fatalf("getblocks sizes %v: the first should ask for 32 bodies", sizes)
	}
	if most := slices.Max(sizes); most != p2p.MaxBlocksPerRequest {
		t.Errorf("getblocks sizes %v: none asked for %d bodies of %d-byte blocks", sizes, p2p.MaxBlocksPerRequest, src.blockAt(1).SerializeSize())
	}
}

// TestStallTimeout: the node's P2P.StallTimeout bounds a body request; a
// peer that never answers costs stall points once it passes, long before
// the getblocks deadline.
func TestStallTimeout(t *testing.T) {
	src := startNode(t, "source")
	src.mine(5)
	h := startNode(t, "h", func(c *node.Config) { c.P2P.StallTimeout = time.Second })
	staller := newHostile(t, src)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // runs before the hosts close
	asked := make(chan struct{}, 1)
	staller.blocks = func([]chain.Hash) []byte {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-release
		return nil
	}
	staller.dial(h)
	select {
	case <-asked:
	case <-time.After(30 * time.Second):
		t.Fatal("h never asked the staller for blocks")
	}
	// The getblocks deadline is 20 s: stall points within 10 s of the
	// request come from the 1 s stall timeout.
	waitFor(t, 10*time.Second, "stall points", func() bool { return staller.banScore(h) >= 10 })
}

// TestHeadersAskedAgain: a getheaders that fails — here refused as rate
// limited — is asked again once the peer's cooldown ends, so a peer that
// is our only way to the best chain is not given up after one refusal.
func TestHeadersAskedAgain(t *testing.T) {
	src := startNode(t, "source")
	src.mine(20)
	srcTip := src.Chain().BestState().Hash
	h := startNode(t, "h")
	x := newHostile(t, src)
	var mu sync.Mutex
	asks := 0
	x.headers = func(g p2p.GetHeaders) []byte {
		mu.Lock()
		defer mu.Unlock()
		if asks++; asks == 1 {
			return []byte{p2p.CodeRateLimited}
		}
		return x.honestHeaders(g)
	}
	x.blocks = x.honestBlocks
	x.dial(h)
	waitTip(t, 30*time.Second, srcTip, h)
	if score := x.banScore(h); score != 0 {
		t.Errorf("a refusal cost the peer %d points", score)
	}
}

// TestLessWorkHeadersFetchNoBodies: headers of a chain with less work
// than ours are stored, and not one body of that chain is asked for (a
// block of it gossiped to us may be stored as a side block, unasked).
func TestLessWorkHeadersFetchNoBodies(t *testing.T) {
	h := startNode(t, "h")
	h.mine(20)
	hTip := h.Chain().BestState().Hash
	src := startNode(t, "source") // a chain of its own, shorter
	other := payTo
	other[31] ^= 1 // not h's blocks: mined in the same second, they would be the same
	if _, err := src.Generate(context.Background(), 10, other); err != nil {
		t.Fatal(err)
	}
	srcTip := src.Chain().BestState().Hash
	g := newGossiper(t, src)
	var asked atomic.Int32
	g.blocks = func(hashes []chain.Hash) []byte {
		asked.Add(1)
		return g.honestBlocks(hashes)
	}
	g.join(h)
	// Its tip, gossiped: an unknown parent, so h asks it for headers.
	g.publish(g.blocksTopic, src.blockAt(10).Serialize())
	waitFor(t, 10*time.Second, "h has the shorter chain's headers", func() bool { return h.Chain().HaveHeader(srcTip) })
	time.Sleep(2 * time.Second) // room for a body request, were one coming
	if n := asked.Load(); n != 0 {
		t.Errorf("h asked %d times for bodies of a chain with less work", n)
	}
	if best := h.Chain().BestState(); best.Hash != hTip {
		t.Errorf("h moved to %v at height %d", best.Hash, best.Height)
	}
}

// TestSyncResumesAfterRestart: a node stopped part way through a sync
// keeps the headers and bodies it had and finishes from where it was.
func TestSyncResumesAfterRestart(t *testing.T) {
	src := startNode(t, "source")
	src.mine(300)
	srcTip := src.Chain().BestState().Hash
	dir := t.TempDir()
	h := startNode(t, "h", withDir(dir))
	x := newHostile(t, src)
	x.blocks = x.upTo(func() uint32 { return 100 }) // the first 100 only
	x.dial(h)
	waitFor(t, 30*time.Second, "h at height 100", func() bool { return h.Chain().BestState().Height == 100 })
	best := h.Chain().BestState()
	if best.HeaderHeight != 300 {
		t.Fatalf("h has headers to %d, want 300", best.HeaderHeight)
	}
	h.stop()

	h = startNode(t, "h again", withDir(dir))
	if st := h.Chain().BestState(); st.Height != 100 || st.HeaderHeight != 300 {
		t.Fatalf("restarted at block %d, header %d; want 100 and 300", st.Height, st.HeaderHeight)
	}
	connect(t, h, src)
	waitTip(t, 60*time.Second, srcTip, h)
}

// TestSyncLogsProgress: while a node is behind its best header, it logs
// headers, blocks, rate and time left, no more often than every 5 s of
// its clock.
func TestSyncLogsProgress(t *testing.T) {
	src := startNode(t, "source")
	src.mine(300)
	var offset atomic.Int64 // the node's clock, ahead of the real one
	logs := &syncbuf.Buffer{}
	h := startNode(t, "h", func(c *node.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	var limit atomic.Uint32 // the bodies the peer serves: heights up to limit
	x := newHostile(t, src)
	x.blocks = x.upTo(limit.Load)
	x.dial(h)
	waitFor(t, 10*time.Second, "the headers", func() bool { return h.Chain().BestState().HeaderHeight == 300 })
	time.Sleep(1500 * time.Millisecond) // a sync tick notes where it starts
	if strings.Contains(logs.String(), `msg=syncing`) {
		t.Fatalf("a progress line before any progress:\n%s", logs.String())
	}
	// The peer's refusals cost it a cooldown of the node's clock: move
	// the clock past it, and serve 100 bodies.
	limit.Store(100)
	offset.Add(int64(11 * time.Second))
	waitFor(t, 30*time.Second, "100 blocks", func() bool { return h.Chain().BestState().Height == 100 })
	offset.Add(int64(6 * time.Second)) // past the 5 s between two lines
	// A tick may have logged on the way to 100; the line at 100 is the
	// one to read.
	var line string
	waitFor(t, 5*time.Second, "a progress line at 100 blocks", func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "msg=syncing") && strings.Contains(l, " blocks=100 ") {
				line = l
				return true
			}
		}
		return false
	})
	for _, want := range []string{"headers=300", "blocks/s=", "left=", "progress=0.33"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %s", line, want)
		}
	}
	lines := strings.Count(logs.String(), "msg=syncing")
	time.Sleep(2 * time.Second) // two more ticks, within 5 s of the clock
	if n := strings.Count(logs.String(), "msg=syncing"); n != lines {
		t.Errorf("%d progress lines within 5 s of the last, want none", n-lines)
	}
}

// TestSyncFromPeerStillSyncing: a peer that has only the first 100 of
// the 300 bodies whose headers it serves, and sends one body per reply,
// answers "not available" past its tip; those requests go elsewhere for
// a while, and its requests below its tip carry on, so the node gets all
// 100 without waiting out a cooldown per refusal.
func TestSyncFromPeerStillSyncing(t *testing.T) {
	src := startNode(t, "source")
	src.mine(300)
	h := startNode(t, "h")
	x := newHostile(t, src)
	var refused atomic.Int32
	x.blocks = func(hashes []chain.Hash) []byte {
		if info, err := src.Chain().HeaderByHash(hashes[0]); err != nil || info.Height > 100 {
			refused.Add(1)
			return []byte{p2p.CodeNotAvailable}
		}
		return x.honestBlocks(hashes[:1])
	}
	x.dial(h)
	// Some 100 round trips; a cooldown per refusal would take minutes.
	waitFor(t, 30*time.Second, "h at height 100", func() bool { return h.Chain().BestState().Height == 100 })
	if refused.Load() == 0 {
		t.Error("no request went past the peer's tip: the case is not what the test means")
	}
	if s := x.banScore(h); s != 0 {
		t.Errorf("refusals cost the peer %d points", s)
	}
}
