package explorer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// testnetNodeProc is one in-process node of a test network: a real chain
// on badger behind a real RPC server on a free port.
type testnetNodeProc struct {
	name  string
	chain *chain.BlockChain
	addr  string
}

// localTestnet is a directory laid out as `flint testnet up` lays it out:
// testnet.json and one data directory per node holding its RPC cookie.
type localTestnet struct {
	t      testing.TB
	dir    string
	params *chain.Params
	nodes  []*testnetNodeProc
	clock  uint32
}

func newLocalTestnet(t testing.TB, n int) *localTestnet {
	t.Helper()
	p := chain.RegTestParams()
	tn := &localTestnet{t: t, dir: t.TempDir(), params: p, clock: p.GenesisBlock.Header.Time}
	ctx, cancel := context.WithCancel(context.Background())
	type fileNode struct {
		Name     string `json:"name"`
		RPCAddr  string `json:"rpc_addr"`
		HTTPAddr string `json:"http_addr"`
	}
	var file struct {
		Network string     `json:"network"`
		Nodes   []fileNode `json:"nodes"`
	}
	file.Network = p.Name
	var done []chan error
	for i := range n {
		name := fmt.Sprintf("node%d", i)
		c, err := chain.New(chain.Config{Params: p, DataDir: filepath.Join(tn.dir, name, "chain"), Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := rpc.NewServer(rpc.Config{Params: p, Chain: c, CookiePath: filepath.Join(tn.dir, name, rpc.CookieFile), Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- srv.Serve(ctx, ln) }()
		done = append(done, ch)
		tn.nodes = append(tn.nodes, &testnetNodeProc{name: name, chain: c, addr: ln.Addr().String()})
		file.Nodes = append(file.Nodes, fileNode{Name: name, RPCAddr: ln.Addr().String(), HTTPAddr: "127.0.0.1:1"})
	}
	t.Cleanup(func() {
		cancel()
		for _, ch := range done {
			<-ch
		}
		for _, nd := range tn.nodes {
			nd.chain.Close()
		}
	})
	b, _ := json.Marshal(file)
	if err := os.WriteFile(tn.path(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	// Serve writes each cookie as it starts.
	deadline := time.Now().Add(10 * time.Second)
	for _, nd := range tn.nodes {
		for {
			if _, err := os.Stat(filepath.Join(tn.dir, nd.name, rpc.CookieFile)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s wrote no cookie", nd.name)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return tn
}

func (tn *localTestnet) path() string { return filepath.Join(tn.dir, "testnet.json") }

// mine builds a coinbase-only block on parent (a tag keeps rival blocks
// apart) and gives it to the nodes listed.
func (tn *localTestnet) mine(parent chain.Hash, tag string, to ...int) *chain.Block {
	tn.t.Helper()
	info, err := tn.nodes[to[0]].chain.HeaderByHash(parent)
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.clock++
	height := info.Height + 1
	cb := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.NullOutPoint, Witness: []byte(tag)}},
		Outputs: []chain.TxOut{{Value: tn.params.CalcBlockSubsidy(height), PubKey: otherKey()}}, LockTime: height}
	b := &chain.Block{Header: chain.Header{Version: 1, Prev: parent, Time: max(tn.clock, info.Header.Time+1), Bits: tn.params.PowLimitBits},
		Txs: []*chain.Tx{cb}}
	tn.clock = b.Header.Time
	b.Header.MerkleRoot = chain.BlockMerkleRoot(b.Txs)
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, tn.params.PowLimit) != nil {
		b.Header.Nonce++
	}
	tn.give(b, to...)
	return b
}

// give processes b on the nodes listed.
func (tn *localTestnet) give(b *chain.Block, to ...int) {
	tn.t.Helper()
	for _, i := range to {
		if _, err := tn.nodes[i].chain.ProcessBlock(context.Background(), b); err != nil {
			tn.t.Fatalf("%s refused %v: %v", tn.nodes[i].name, b.BlockHash(), err)
		}
	}
}

// chainOf mines n blocks on parent for the nodes listed and returns them.
func (tn *localTestnet) chainOf(parent chain.Hash, n int, tag string, to ...int) []*chain.Block {
	var out []*chain.Block
	for i := range n {
		b := tn.mine(parent, fmt.Sprintf("%s%d", tag, i), to...)
		out = append(out, b)
		parent = b.BlockHash()
	}
	return out
}

// TestTestnetPartitionAndHeal follows three real nodes over RPC through a
// partition (node2 mines its own branch) and its heal (node2 takes the
// longer branch), as `flint testnet partition` and `heal` would make them.
func TestTestnetPartitionAndHeal(t *testing.T) {
	tn := newLocalTestnet(t, 3)
	all := []int{0, 1, 2}
	common := tn.chainOf(tn.params.GenesisHash, 20, "common", all...)
	fork := common[len(common)-1].BlockHash()
	branchA := tn.chainOf(fork, 4, "a", 0, 1)
	branchB := tn.chainOf(fork, 2, "b", 2)

	f := newFixture(t, tn.params)
	cfg := f.config()
	cfg.TestnetFile = tn.path()
	ex, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ex.Handler())
	defer srv.Close()
	poll := func() *testnetSnapshot {
		t.Helper()
		s := ex.testnet.poll(context.Background())
		ex.testnet.snap.Store(s)
		if s.Err != "" {
			t.Fatalf("poll: %s", s.Err)
		}
		return s
	}

	s := poll()
	if !s.Forked || s.Best != branchA[3].BlockHash() || s.Height != 24 {
		t.Fatalf("partitioned: forked %v, best %v at %d", s.Forked, s.Best, s.Height)
	}
	states := []string{s.Nodes[0].State, s.Nodes[1].State, s.Nodes[2].State}
	if states[0] != "same tip" || states[1] != "same tip" || states[2] != "forked" || s.Nodes[2].Lag != 2 {
		t.Errorf("node states %q, node2 lag %d", states, s.Nodes[2].Lag)
	}
	if s.Tree.Lanes != 2 {
		t.Errorf("partitioned tree has %d lanes, want 2", s.Tree.Lanes)
	}
	box := findBox(t, s.Tree, branchB[1].BlockHash())
	if box.Holders != "node2" || box.Tips != "node2" || !strings.Contains(box.Class, "partial") {
		t.Errorf("node2's tip box %+v", box)
	}
	if box := findBox(t, s.Tree, branchA[0].BlockHash()); box.Holders != "node0 node1" {
		t.Errorf("branch A box holders %q", box.Holders)
	}
	if box := findBox(t, s.Tree, fork); box.Holders != "all" {
		t.Errorf("fork point holders %q", box.Holders)
	}
	runs := 0
	for _, b := range s.Tree.Boxes {
		if b.Run {
			runs++
			if !strings.HasSuffix(b.Label, " blocks") {
				t.Errorf("run box %q", b.Label)
			}
		}
	}
	if runs != 1 {
		t.Errorf("%d folded runs, want the common chain's one", runs)
	}
	body := getBody(t, srv.URL+"/testnet", http.StatusOK)
	for _, want := range []string{`id="fork-banner"`, `id="block-tree"`, "forked (2 behind)", "node2", branchB[1].BlockHash().String()} {
		if !strings.Contains(body, want) {
			t.Errorf("testnet page lacks %q", want)
		}
	}

	// Heal: node2 receives branch A, longer, and reorganises onto it.
	for _, b := range branchA {
		tn.give(b, 2)
	}
	s = poll()
	if s.Forked || s.Best != branchA[3].BlockHash() {
		t.Fatalf("healed: forked %v, best %v", s.Forked, s.Best)
	}
	for _, n := range s.Nodes {
		if n.State != "same tip" {
			t.Errorf("%s after the heal: %s", n.Name, n.State)
		}
	}
	if box := findBox(t, s.Tree, branchB[1].BlockHash()); !strings.Contains(box.Class, "orphaned") {
		t.Errorf("the abandoned branch's tip is drawn as %q, want orphaned", box.Class)
	}
	if box := findBox(t, s.Tree, branchA[3].BlockHash()); box.Tips != "all" || box.Holders != "all" {
		t.Errorf("healed tip box %+v", box)
	}
	body = getBody(t, srv.URL+"/testnet", http.StatusOK)
	if !strings.Contains(body, `id="agree-banner"`) || strings.Contains(body, "fork-banner") {
		t.Error("the healed page does not say the nodes agree")
	}
}

// TestTestnetUnreachable: a node without a cookie, and a missing file, are
// reported, not fatal.
func TestTestnetUnreachable(t *testing.T) {
	tn := newLocalTestnet(t, 2)
	tn.chainOf(tn.params.GenesisHash, 3, "c", 0, 1)
	if err := os.Remove(filepath.Join(tn.dir, "node1", rpc.CookieFile)); err != nil {
		t.Fatal(err)
	}
	w := newTestnetWatcher(tn.path(), quietLogger())
	s := w.poll(context.Background())
	if s.Nodes[0].State != "same tip" || s.Nodes[1].State != "unreachable" || s.Forked {
		t.Errorf("states %q %q", s.Nodes[0].State, s.Nodes[1].State)
	}
	w = newTestnetWatcher(filepath.Join(tn.dir, "absent.json"), quietLogger())
	if s := w.poll(context.Background()); !strings.Contains(s.Err, "absent.json") {
		t.Errorf("missing file: %q", s.Err)
	}
	if err := os.WriteFile(tn.path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	w = newTestnetWatcher(tn.path(), quietLogger())
	if s := w.poll(context.Background()); !strings.Contains(s.Err, "testnet.json") {
		t.Errorf("malformed file: %q", s.Err)
	}
}

func findBox(t *testing.T, tree blockTree, h chain.Hash) treeBox {
	t.Helper()
	for _, b := range tree.Boxes {
		if b.Hash == h {
			return b
		}
	}
	t.Fatalf("block %v is not drawn", h)
	return treeBox{}
}

func getBody(t *testing.T, url string, status int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, status)
	}
	return string(b)
}

// TestTestnetLongPartition: branches longer than the tree's depth still
// show where they fork, each folded into a short row.
func TestTestnetLongPartition(t *testing.T) {
	tn := newLocalTestnet(t, 3)
	common := tn.chainOf(tn.params.GenesisHash, 5, "common", 0, 1, 2)
	fork := common[4].BlockHash()
	tn.chainOf(fork, 70, "a", 0, 1)
	tn.chainOf(fork, 60, "b", 2)
	s := newTestnetWatcher(tn.path(), quietLogger()).poll(context.Background())
	if !s.Forked || s.Nodes[2].State != "forked" || s.Nodes[2].Lag != 10 {
		t.Fatalf("forked %v, node2 %s lag %d", s.Forked, s.Nodes[2].State, s.Nodes[2].Lag)
	}
	if box := findBox(t, s.Tree, fork); box.Holders != "all" {
		t.Errorf("fork point holders %q", box.Holders)
	}
	var runs []string
	for _, b := range s.Tree.Boxes {
		if b.Run {
			runs = append(runs, b.Holders+": "+b.Label)
		}
	}
	if len(runs) < 2 || s.Tree.Lanes != 2 || s.Tree.W > 3000 {
		t.Errorf("lanes %d, width %.0f, folded runs %q", s.Tree.Lanes, s.Tree.W, runs)
	}
}

// TestServeStopsTestnetWatcher: Serve returns only once the testnet
// watcher has stopped, also when it returns because the listener failed.
func TestServeStopsTestnetWatcher(t *testing.T) {
	f := newFixture(t, chain.RegTestParams())
	cfg := f.config()
	cfg.TestnetFile = filepath.Join(t.TempDir(), "testnet.json")
	ex, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve fails at once, with ctx still live
	if err := ex.Serve(t.Context(), ln); err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "(*testnetWatcher).run") {
		t.Fatalf("the testnet watcher outlived Serve:\n%s", stacks)
	}
}
