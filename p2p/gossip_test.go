package p2p_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner"
	"github.com/flint-chain/flint/node"
	"github.com/flint-chain/flint/p2p"
	"github.com/flint-chain/flint/rpc"
)

// withMetrics serves the node's /metrics and /healthz on a free port.
func withMetrics(c *node.Config) { c.MetricsAddr = "127.0.0.1:0" }

// metricsLines returns the lines of n's /metrics.
func metricsLines(t *testing.T, n *testNode) []string {
	t.Helper()
	_, body := httpGet(t, n, "/metrics")
	return strings.Split(body, "\n")
}

// metric returns the value of one series (name and labels as /metrics
// prints them) that n serves, 0 when absent.
func metric(t *testing.T, n *testNode, series string) float64 {
	t.Helper()
	for _, line := range metricsLines(t, n) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	return 0
}

// verdicts returns n's count of gossip validations of topic ending in
// result.
func verdicts(t *testing.T, n *testNode, topic, result string) float64 {
	return metric(t, n, fmt.Sprintf(`flint_p2p_gossip_validations_total{result=%q,topic=%q}`, result, topic))
}

// gossiper is a hostile peer that also publishes on the gossip topics by
// hand, with the message settings of SPEC §10, and counts the messages
// it receives from others.
type gossiper struct {
	*hostile
	blocksTopic, txsTopic *pubsub.Topic
	received              *receivedCounter
}

func newGossiper(t *testing.T, source *testNode) *gossiper {
	t.Helper()
	x := newHostile(t, source)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // before the host closes
	rc := &receivedCounter{seen: map[[32]byte]int{}}
	ps, err := pubsub.NewGossipSub(ctx, x.h,
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(func(m *pb.Message) string {
			sum := sha256.Sum256(m.Data)
			return string(sum[:])
		}),
		pubsub.WithMaxMessageSize(p2p.MaxGossipSize),
		pubsub.WithRawTracer(rc))
	if err != nil {
		t.Fatal(err)
	}
	g := &gossiper{hostile: x, received: rc}
	if g.blocksTopic, err = ps.Join("/" + x.netID + "/blocks/1"); err != nil {
		t.Fatal(err)
	}
	if g.txsTopic, err = ps.Join("/" + x.netID + "/txs/1"); err != nil {
		t.Fatal(err)
	}
	// Subscribed, it is in the node's mesh, which publishing waits for.
	for _, topic := range []*pubsub.Topic{g.blocksTopic, g.txsTopic} {
		if _, err := topic.Subscribe(); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// join connects the gossiper to n and waits until gossip can flow both
// ways: n's subscriptions have arrived (n's stream to us) and our own
// stream to n is open (a message published before that is dropped).
func (g *gossiper) join(n *testNode) {
	g.t.Helper()
	g.dial(n)
	id := n.P2P().ID()
	waitFor(g.t, 10*time.Second, "gossip with "+n.name, func() bool {
		if !slices.Contains(g.blocksTopic.ListPeers(), id) || !slices.Contains(g.txsTopic.ListPeers(), id) {
			return false
		}
		for _, c := range g.h.Network().ConnsToPeer(id) {
			for _, s := range c.GetStreams() {
				if s.Stat().Direction == network.DirOutbound && strings.HasPrefix(string(s.Protocol()), "/meshsub/") {
					return true
				}
			}
		}
		return false
	})
}

// publish sends data on topic once a peer listens.
func (g *gossiper) publish(topic *pubsub.Topic, data []byte) {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := topic.Publish(ctx, data, pubsub.WithReadiness(pubsub.MinTopicSize(1))); err != nil {
		g.t.Fatal(err)
	}
}

// receivedCounter is a pubsub tracer counting the published messages
// received from other peers, by SHA-256 of their payload.
type receivedCounter struct {
	mu   sync.Mutex
	seen map[[32]byte]int
}

func (r *receivedCounter) count(data []byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[sha256.Sum256(data)]
}

func (r *receivedCounter) RecvRPC(rpc *pubsub.RPC) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range rpc.GetPublish() {
		r.seen[sha256.Sum256(m.Data)]++
	}
}

func (*receivedCounter) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (*receivedCounter) OnClosedOutboundStream(peer.ID)                       {}
func (*receivedCounter) Join(string)                                          {}
func (*receivedCounter) Leave(string)                                         {}
func (*receivedCounter) Graft(peer.ID, string)                                {}
func (*receivedCounter) Prune(peer.ID, string)                                {}
func (*receivedCounter) ValidateMessage(*pubsub.Message)                      {}
func (*receivedCounter) DeliverMessage(*pubsub.Message)                       {}
func (*receivedCounter) RejectMessage(*pubsub.Message, string)                {}
func (*receivedCounter) DuplicateMessage(*pubsub.Message)                     {}
func (*receivedCounter) ThrottlePeer(peer.ID)                                 {}
func (*receivedCounter) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (*receivedCounter) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (*receivedCounter) DropRPC(*pubsub.RPC, peer.ID)                         {}
func (*receivedCounter) UndeliverableMessage(*pubsub.Message)                 {}

// nextBlock returns a block extending n's tip with a coinbase only and
// valid proof of work.
func nextBlock(t *testing.T, n *testNode) *chain.Block {
	t.Helper()
	p := n.Chain().Params()
	tmpl, err := miner.NewTemplate(p, n.Chain().BestState(), time.Now(), payTo,
		func(int) ([]*chain.Tx, uint64) { return nil, 0 })
	if err != nil {
		t.Fatal(err)
	}
	b := tmpl.Block
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, p.PowLimit) != nil {
		b.Header.Nonce++
	}
	return b
}

// TestGossipBlockVerdicts publishes blocks on the blocks topic by hand:
// provably invalid ones are Rejected and get their sender banned, and the
// header of a block whose body was mutated stays acceptable; duplicates
// are Ignored at no cost; a block whose parent is unknown is Ignored and
// its sender asked for headers, which lead to the block's chain.
func TestGossipBlockVerdicts(t *testing.T) {
	h := startNode(t, "h", withMetrics)
	h.mine(2) // a recent tip: not in initial download

	t.Run("payload that does not decode", func(t *testing.T) {
		before := verdicts(t, h, "blocks", "reject")
		g := newGossiper(t, h)
		g.join(h)
		g.publish(g.blocksTopic, []byte("not a block"))
		waitFor(t, 10*time.Second, "a reject", func() bool { return verdicts(t, h, "blocks", "reject") > before })
		waitFor(t, 10*time.Second, "malformed points", func() bool { return g.banScore(h) >= 20 })
	})
	t.Run("bad proof of work", func(t *testing.T) {
		before := verdicts(t, h, "blocks", "reject")
		b := nextBlock(t, h)
		p := h.Chain().Params()
		for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, p.PowLimit) == nil {
			b.Header.Nonce++
		}
		g := newGossiper(t, h)
		g.join(h)
		g.publish(g.blocksTopic, b.Serialize())
		// The ban comes first, the count once the validator returns.
		waitFor(t, 10*time.Second, "a ban", func() bool { return g.banned(h) })
		waitFor(t, 10*time.Second, "a reject", func() bool { return verdicts(t, h, "blocks", "reject") == before+1 })
		if h.Chain().HaveHeader(b.BlockHash()) {
			t.Error("the header with bad proof of work was stored")
		}
	})
	t.Run("bad merkle root, then the honest body", func(t *testing.T) {
		honest := nextBlock(t, h)
		mutated := *honest
		cb := *honest.Txs[0]
		cb.Inputs = append([]chain.TxIn(nil), cb.Inputs...)
		cb.Inputs[0].Witness = []byte("mutated") // another wtxid: the merkle root no longer matches
		mutated.Txs = []*chain.Tx{&cb}
		if mutated.BlockHash() != honest.BlockHash() {
			t.Fatal("the mutation changed the header")
		}
		g := newGossiper(t, h)
		g.join(h)
		g.publish(g.blocksTopic, mutated.Serialize())
		waitFor(t, 10*time.Second, "a ban", func() bool { return g.banned(h) })
		if h.Chain().HaveBlock(honest.BlockHash()) {
			t.Fatal("the mutated body was stored")
		}
		// The header was not marked invalid: the honest block, from
		// another peer, is accepted.
		before := verdicts(t, h, "blocks", "accept")
		g2 := newGossiper(t, h)
		g2.join(h)
		g2.publish(g2.blocksTopic, honest.Serialize())
		waitTip(t, 10*time.Second, honest.BlockHash(), h)
		// The tip moves inside the validator; the count and the
		// relayer's best block once it returns.
		waitFor(t, 10*time.Second, "an accept", func() bool { return verdicts(t, h, "blocks", "accept") == before+1 })
		// Its relayer holds it: getpeerinfo's best height moves past
		// the one its status gave.
		height := h.Chain().BestState().Height
		waitFor(t, 10*time.Second, "the relayer's best block in getpeerinfo", func() bool {
			for _, p := range h.P2P().Peers() {
				if p.ID == g2.h.ID().String() {
					return p.BestHeight == height && p.BestHash == honest.BlockHash()
				}
			}
			return false
		})
	})
	t.Run("duplicate", func(t *testing.T) {
		before := verdicts(t, h, "blocks", "ignore")
		g := newGossiper(t, h)
		g.join(h)
		// Block 1 was mined before h had peers: stored, never gossiped
		// (pubsub drops a message it has seen before any validator runs).
		g.publish(g.blocksTopic, h.blockAt(1).Serialize())
		waitFor(t, 10*time.Second, "an ignore", func() bool { return verdicts(t, h, "blocks", "ignore") > before })
		if s := g.banScore(h); s != 0 {
			t.Errorf("a duplicate cost %d points", s)
		}
	})
	t.Run("unknown parent", func(t *testing.T) {
		src := startNode(t, "source") // another chain, longer than h's
		src.mine(8)
		srcTip := src.Chain().BestState().Hash
		g := newGossiper(t, src)
		var mu sync.Mutex
		asked := 0
		g.headers = func(req p2p.GetHeaders) []byte {
			mu.Lock()
			asked++
			mu.Unlock()
			return g.honestHeaders(req)
		}
		g.blocks = g.honestBlocks
		g.join(h)
		// Its status came first: wait until h has fetched what the
		// status announced, so the gossiped block is what asks again.
		waitTip(t, 30*time.Second, srcTip, h)
		mu.Lock()
		asked = 0
		mu.Unlock()
		tip := src.mine(3)[2]
		before := verdicts(t, h, "blocks", "ignore")
		g.publish(g.blocksTopic, src.blockAt(src.Chain().BestState().Height).Serialize())
		waitTip(t, 30*time.Second, tip, h)
		mu.Lock()
		defer mu.Unlock()
		if asked == 0 {
			t.Error("h reached the block's chain without asking its sender for headers")
		}
		if got := verdicts(t, h, "blocks", "ignore"); got != before+1 {
			t.Errorf("%v ignores after a block with an unknown parent, want %v", got, before+1)
		}
		if s := g.banScore(h); s != 0 {
			t.Errorf("an unknown parent cost %d points", s)
		}
	})
}

// TestGossipTxVerdicts publishes transactions by hand: one spending an
// unknown output is Ignored, a valid one Accepted and relayed to the
// node's other peers but not back to its sender, a consensus-invalid one
// Rejected.
func TestGossipTxVerdicts(t *testing.T) {
	h := startNode(t, "h", withMetrics)
	p := h.Chain().Params()
	h.mine(int(p.CoinbaseMaturity) + 2)
	other := startNode(t, "other", withBootstrap(h))
	waitTip(t, 30*time.Second, h.Chain().BestState().Hash, other)
	g := newGossiper(t, h)
	g.join(h)

	orphan := spendCoinbase(t, p, h.blockAt(2), 1000, 1)
	orphan.Inputs[0].Prev.TxID[0] ^= 1 // an output nobody knows
	before := verdicts(t, h, "txs", "ignore")
	g.publish(g.txsTopic, orphan.Serialize())
	waitFor(t, 10*time.Second, "an ignore", func() bool { return verdicts(t, h, "txs", "ignore") > before })

	good := spendCoinbase(t, p, h.blockAt(2), 1000, 1)
	raw := good.Serialize()
	g.publish(g.txsTopic, raw)
	for _, n := range []*testNode{h, other} {
		waitFor(t, 10*time.Second, n.name+" has the transaction", func() bool { return n.Mempool().Has(good.TxID()) })
	}
	// h relayed it to other; give an echo time to arrive, then check
	// that none did.
	time.Sleep(500 * time.Millisecond)
	if n := g.received.count(raw); n != 0 {
		t.Errorf("the sender received its own transaction back %d times", n)
	}

	// Last: a Rejected message costs the sender gossip score, and a peer
	// with a negative score is pruned from the node's mesh, which
	// publishing waits for.
	bad := spendCoinbase(t, p, h.blockAt(1), 1000, 1)
	bad.Inputs[0].Witness[0] ^= 1
	before = verdicts(t, h, "txs", "reject")
	g.publish(g.txsTopic, bad.Serialize())
	waitFor(t, 10*time.Second, "a reject", func() bool { return verdicts(t, h, "txs", "reject") > before })
	if h.Mempool().Has(bad.TxID()) {
		t.Error("a transaction with a bad signature entered the pool")
	}
	// A rejected transaction costs the sender gossip score, not ban
	// points: it may be invalid against our chain only.
	if s := g.banScore(h); s != 0 {
		t.Errorf("the sender has %d ban points", s)
	}
}

// withRPC serves the node's JSON-RPC on a free port, user "u", password "p".
func withRPC(c *node.Config) { c.RPCAddr, c.RPCUser, c.RPCPassword = "127.0.0.1:0", "u", "p" }

// chainInfo is n's getblockchaininfo over JSON-RPC.
func chainInfo(t *testing.T, n *testNode) rpc.BlockchainInfo {
	t.Helper()
	var info rpc.BlockchainInfo
	c := rpc.NewClient("http://"+n.RPCAddr(), rpc.Auth{User: "u", Password: "p"})
	if err := c.Call(context.Background(), "getblockchaininfo", nil, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

// httpGet returns the status code and body of n's metrics listener at path.
func httpGet(t *testing.T, n *testNode, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + n.MetricsAddr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// healthz returns n's /healthz status code and body.
func healthz(t *testing.T, n *testNode) (int, string) { return httpGet(t, n, "/healthz") }

// TestSyncHealthAndMetrics: while a node holds headers whose bodies it
// has not yet got, /healthz says "syncing" (503), and the sync series and
// getblockchaininfo say how far it is; once synced, "ok" (200). Every flint_ series it serves is
// in docs/rpc.md.
func TestSyncHealthAndMetrics(t *testing.T) {
	src := startNode(t, "source")
	src.mine(30)
	srcTip := src.Chain().BestState().Hash
	h := startNode(t, "h", withMetrics, withRPC)
	x := newHostile(t, src)
	release := make(chan struct{})
	x.blocks = func(hashes []chain.Hash) []byte {
		<-release
		return x.honestBlocks(hashes)
	}
	x.dial(h)
	waitFor(t, 10*time.Second, "h has the headers", func() bool { return metric(t, h, "flint_sync_header_height") == 30 })
	code, body := healthz(t, h)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"syncing"`) {
		t.Errorf("healthz while syncing: %d %s", code, body)
	}
	for series, want := range map[string]float64{"flint_sync_initial_download": 1, "flint_sync_progress": 0, "flint_p2p_peers": 1} {
		if got := metric(t, h, series); got != want {
			t.Errorf("while syncing %s = %v, want %v", series, got, want)
		}
	}
	if info := chainInfo(t, h); !info.InitialBlockDownload || info.VerificationProgress != 0 || info.Headers != 30 || info.Blocks != 0 {
		t.Errorf("getblockchaininfo while syncing: %+v", info)
	}

	close(release)
	waitTip(t, 30*time.Second, srcTip, h)
	waitFor(t, 10*time.Second, "healthz ok", func() bool {
		code, body := healthz(t, h)
		return code == http.StatusOK && strings.Contains(body, `"status":"ok"`)
	})
	for series, want := range map[string]float64{"flint_sync_initial_download": 0, "flint_sync_progress": 1, "flint_tip_height": 30} {
		if got := metric(t, h, series); got != want {
			t.Errorf("synced %s = %v, want %v", series, got, want)
		}
	}
	if info := chainInfo(t, h); info.InitialBlockDownload || info.VerificationProgress != 1 || info.Headers != 30 || info.Blocks != 30 {
		t.Errorf("getblockchaininfo once synced: %+v", info)
	}
	bodies := 0
	for height := uint32(1); height <= 30; height++ {
		bodies += src.blockAt(height).SerializeSize()
	}
	if got := metric(t, h, `flint_p2p_received_bytes_total{protocol="/`+x.netID+`/getblocks/1"}`); got < float64(bodies) {
		t.Errorf("h received %v bytes on getblocks, less than the %d bytes of the bodies", got, bodies)
	}

	doc, err := os.ReadFile("../docs/rpc.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range metricsLines(t, h) {
		name, ok := strings.CutPrefix(line, "# TYPE ")
		if !ok || !strings.HasPrefix(name, "flint_") {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/rpc.md does not document the metric %s", name)
		}
	}
}
