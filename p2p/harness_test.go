package p2p_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"go.uber.org/goleak"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(removingBenchDir{m}, leakIgnores()...)
}

// removingBenchDir runs the tests and benchmarks, then removes the
// directory benchmarks shared.
type removingBenchDir struct{ m *testing.M }

func (r removingBenchDir) Run() int {
	code := r.m.Run()
	if benchDirPath != "" {
		_ = os.RemoveAll(benchDirPath)
	}
	return code
}

// leakIgnores are goroutines libraries start once per process and never
// stop; everything a node starts must be gone after its Run returns.
func leakIgnores() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/ipfs/go-log/v2/writer.(*MirrorWriter).logRoutine"),
		goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"),
		goleak.IgnoreAnyFunction("github.com/dgraph-io/ristretto/v2/z.(*AllocatorPool).freeupAllocators"),
		// The bandwidth counters' meters share one sweeper per process.
		goleak.IgnoreAnyFunction("github.com/libp2p/go-flow-metrics.(*sweeper).run"),
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testLogger returns a logger for a node: quiet unless FLINT_TEST_LOG is set.
func testLogger(name string) *slog.Logger {
	if os.Getenv("FLINT_TEST_LOG") == "" {
		return quiet
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", name)
}

// testPriv is the key test blocks pay and test transactions spend from.
var testPriv, _ = btcec.PrivKeyFromBytes([]byte("flint p2p test key, 32 bytes!!!!"))

// payTo is testPriv's x-only key.
var payTo = func() (k [32]byte) {
	copy(k[:], schnorr.SerializePubKey(testPriv.PubKey()))
	return k
}()

// spendCoinbase returns a transaction spending block b's coinbase back to
// payTo, less fee.
func spendCoinbase(t testing.TB, p *chain.Params, b *chain.Block, fee uint64, outputs int) *chain.Tx {
	t.Helper()
	cb := b.Txs[0]
	tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.OutPoint{TxID: cb.TxID()}}}}
	each := (cb.Outputs[0].Value - fee) / uint64(outputs)
	for range outputs {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Value: each, PubKey: payTo})
	}
	sigHash := chain.CalcSigHash(p.GenesisHash, tx.TxID(), 0, cb.Outputs)
	sig, err := schnorr.Sign(testPriv, sigHash[:])
	if err != nil {
		t.Fatal(err)
	}
	tx.Inputs[0].Witness = sig.Serialize()
	return tx
}

// blockAt returns n's main-chain block at height.
func (n *testNode) blockAt(height uint32) *chain.Block {
	n.t.Helper()
	b, err := n.Chain().BlockByHeight(height)
	if err != nil {
		n.t.Fatal(err)
	}
	return b
}

// loopback are listen addresses on 127.0.0.1 with OS-assigned ports.
var loopback = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}

// testNode is a running node with real badger and a real libp2p host.
type testNode struct {
	*node.Node
	t    testing.TB
	name string
	dir  string
	stop func()
}

type nodeOpt func(*node.Config)

func withBootstrap(peers ...*testNode) nodeOpt {
	return func(c *node.Config) {
		for _, p := range peers {
			c.P2P.Bootstrap = append(c.P2P.Bootstrap, p.TCPAddr())
		}
	}
}

func withDir(dir string) nodeOpt { return func(c *node.Config) { c.DataDir = dir } }

// startNode starts a regtest node on loopback; it stops at the test's end.
func startNode(t testing.TB, name string, opts ...nodeOpt) *testNode {
	t.Helper()
	cfg := node.Config{
		Params:    chain.RegTestParams(),
		DataDir:   t.TempDir(),
		MinePayTo: payTo,
		Logger:    testLogger(name),
		// Under the race detector on a loaded machine a close can take
		// longer than the node's default.
		CloseTimeout: 30 * time.Second,
		P2P:          node.P2PConfig{Enable: true, Listen: loopback},
	}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	tn := &testNode{Node: n, t: t, name: name, dir: cfg.DataDir}
	stopped := false
	tn.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: Run: %v", name, err)
		}
	}
	t.Cleanup(tn.stop)
	return tn
}

// TCPAddr is the node's TCP multiaddr with its peer ID.
func (n *testNode) TCPAddr() string {
	for _, a := range n.P2P().LocalAddrs() {
		if protoOf(a) == "tcp" {
			return a
		}
	}
	n.t.Fatalf("%s has no TCP address", n.name)
	return ""
}

// QUICAddr is the node's QUIC multiaddr with its peer ID.
func (n *testNode) QUICAddr() string {
	for _, a := range n.P2P().LocalAddrs() {
		if protoOf(a) == "quic-v1" {
			return a
		}
	}
	n.t.Fatalf("%s has no QUIC address", n.name)
	return ""
}

// protoOf returns "tcp" or "quic-v1" for a /ip4/…/tcp/… or …/udp/…/quic-v1 address.
func protoOf(a string) string {
	switch {
	case strings.Contains(a, "/quic-v1"):
		return "quic-v1"
	case strings.Contains(a, "/tcp/"):
		return "tcp"
	}
	return ""
}

// connect dials b from a.
func connect(t testing.TB, a, b *testNode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := a.P2P().Connect(ctx, b.TCPAddr()); err != nil {
		t.Fatalf("connect %s to %s: %v", a.name, b.name, err)
	}
}

// mine mines count blocks on n.
func (n *testNode) mine(count int) []chain.Hash {
	n.t.Helper()
	hashes, err := n.Generate(context.Background(), count, payTo)
	if err != nil {
		n.t.Fatalf("%s: mine: %v", n.name, err)
	}
	return hashes
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitTip waits until every node has tip as its best block.
func waitTip(t testing.TB, d time.Duration, tip chain.Hash, nodes ...*testNode) {
	t.Helper()
	for _, n := range nodes {
		waitFor(t, d, n.name+" at tip "+tip.String(), func() bool { return n.Chain().BestState().Hash == tip })
	}
}

// sameUtxos checks that a and b hold the same unspent outputs paying payTo.
func sameUtxos(t testing.TB, a, b *testNode) {
	t.Helper()
	ua, err := a.Chain().UtxosByPubKey(payTo)
	if err != nil {
		t.Fatal(err)
	}
	ub, err := b.Chain().UtxosByPubKey(payTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(ua) == 0 || len(ua) != len(ub) {
		t.Fatalf("%s has %d outputs, %s %d", a.name, len(ua), b.name, len(ub))
	}
	for i := range ua {
		if ua[i] != ub[i] {
			t.Fatalf("output %d differs: %+v vs %+v", i, ua[i], ub[i])
		}
	}
}
