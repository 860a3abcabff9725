package explorer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// Testnet watching.
const (
	// testnetPoll is how often every node is asked for its chain tips.
	testnetPoll = time.Second
	// testnetCallTimeout bounds one node's answers in a poll.
	testnetCallTimeout = 3 * time.Second
	// treeDepth is how many blocks below the highest tip the tree shows.
	treeDepth = 50
	// maxTestnetNodes bounds the nodes read from testnet.json.
	maxTestnetNodes = 64
	// maxTestnetFile bounds the size of testnet.json.
	maxTestnetFile = 1 << 20
	// maxForkDepth bounds how far below the highest tip the tree reaches
	// to show where the nodes' chains fork.
	maxForkDepth = 1_000
	// maxHeaderCache bounds the headers the watcher remembers.
	maxHeaderCache = 20_000
)

// testnetFile is what the explorer reads of testnet.json (written by
// `flint testnet up`): each node's name, whose data directory beside the
// file holds its RPC cookie, and its addresses.
type testnetFile struct {
	Network string `json:"network"`
	Nodes   []struct {
		Name     string `json:"name"`
		RPCAddr  string `json:"rpc_addr"`
		HTTPAddr string `json:"http_addr"`
	} `json:"nodes"`
}

// testnetNode is one node as last polled.
type testnetNode struct {
	Index    int
	Name     string
	HTTPAddr string
	Err      string
	Tips     []rpc.ChainTip
	Active   chain.Hash
	Height   uint32
	// State is filled by the snapshot: "same tip", "lagging", "forked"
	// or "unreachable"; Lag is how far below the best tip it is.
	State string
	Lag   int64
}

// header is what the tree needs of a block header.
type header struct {
	height uint32
	prev   chain.Hash
}

// testnetSnapshot is one poll's result, immutable once stored.
type testnetSnapshot struct {
	Time    time.Time
	Err     string
	Network string
	Nodes   []testnetNode
	Best    chain.Hash
	Height  uint32
	Tree    blockTree
	// Forked is set when the nodes' tips are on different branches.
	Forked bool
}

// testnetWatcher polls every node of a local testnet over RPC. One
// goroutine (run) owns the header cache and the clients; pages read the
// latest snapshot atomically.
type testnetWatcher struct {
	path    string
	log     *slog.Logger
	snap    atomic.Pointer[testnetSnapshot]
	headers map[chain.Hash]header
	clients map[string]*rpc.Client // by URL and credentials
}

func newTestnetWatcher(path string, log *slog.Logger) *testnetWatcher {
	return &testnetWatcher{path: path, log: log, headers: map[chain.Hash]header{}, clients: map[string]*rpc.Client{}}
}

// run polls until ctx ends.
func (w *testnetWatcher) run(ctx context.Context) {
	t := time.NewTicker(testnetPoll)
	defer t.Stop()
	for {
		w.snap.Store(w.poll(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readFile reads and checks testnet.json.
func (w *testnetWatcher) readFile() (*testnetFile, error) {
	f, err := os.Open(w.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTestnetFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxTestnetFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", w.path, maxTestnetFile)
	}
	var tf testnetFile
	if err := json.Unmarshal(b, &tf); err != nil {
		return nil, fmt.Errorf("%s: %w", w.path, err)
	}
	if len(tf.Nodes) > maxTestnetNodes {
		tf.Nodes = tf.Nodes[:maxTestnetNodes]
	}
	return &tf, nil
}

// poll asks every node for its tips and the headers below them.
func (w *testnetWatcher) poll(ctx context.Context) *testnetSnapshot {
	snap := &testnetSnapshot{Time: time.Now()}
	tf, err := w.readFile()
	if err != nil {
		snap.Err = err.Error()
		return snap
	}
	snap.Network = tf.Network
	dir := filepath.Dir(w.path)
	nodes := make([]testnetNode, len(tf.Nodes))
	clients := make([]*rpc.Client, len(tf.Nodes))
	var wg sync.WaitGroup
	for i, n := range tf.Nodes {
		nodes[i] = testnetNode{Index: i, Name: n.Name, HTTPAddr: n.HTTPAddr}
		auth, err := rpc.ReadCookie(filepath.Join(dir, filepath.Base(n.Name), rpc.CookieFile))
		if err != nil {
			nodes[i].Err = "no RPC cookie: is it running?"
			continue
		}
		url := "http://" + n.RPCAddr
		key := url + "|" + auth.User + ":" + auth.Password
		c := w.clients[key]
		if c == nil {
			c = rpc.NewClient(url, auth)
			c.SetHTTPClient(&http.Client{Timeout: testnetCallTimeout})
			w.clients[key] = c
		}
		clients[i] = c
		wg.Add(1)
		go func(n *testnetNode) {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, testnetCallTimeout)
			defer cancel()
			tips, err := c.GetChainTips(cctx)
			if err != nil {
				n.Err = err.Error()
				return
			}
			n.Tips = tips
			for _, t := range tips {
				if t.Status == "active" {
					n.Active, n.Height = t.Hash, t.Height
				}
			}
		}(&nodes[i])
	}
	wg.Wait()
	var top uint32
	for _, n := range nodes {
		for _, t := range n.Tips {
			top = max(top, t.Height)
		}
	}
	floor := uint32(0)
	if top > treeDepth {
		floor = top - treeDepth
	}
	// Headers, one node at a time: the cache is this goroutine's.
	for i := range nodes {
		for _, t := range nodes[i].Tips {
			w.fetchBranch(ctx, clients[i], t.Hash, t.Height, floor)
		}
	}
	floor = w.forkFloor(ctx, nodes, clients, floor, top)
	w.prune(floor)
	snap.Nodes = nodes
	snap.build(w.headers, floor)
	return snap
}

// fetchBranch fills the header cache from tip down to floor, asking c
// for each header it lacks.
func (w *testnetWatcher) fetchBranch(ctx context.Context, c *rpc.Client, tip chain.Hash, height, floor uint32) {
	cur, h := tip, height
	for h >= floor {
		hd, ok := w.headers[cur]
		if !ok {
			cctx, cancel := context.WithTimeout(ctx, testnetCallTimeout)
			r, err := c.GetBlockHeader(cctx, cur)
			cancel()
			if err != nil {
				return
			}
			hd = header{height: r.Height}
			if r.PreviousBlockHash != nil {
				hd.prev = *r.PreviousBlockHash
			}
			w.headers[cur] = hd
		}
		if hd.height == 0 || hd.height <= floor {
			return
		}
		cur, h = hd.prev, hd.height-1
	}
}

// forkFloor lowers floor until every node's main chain meets the highest
// node's above it, so that the tree shows where a long partition forked,
// fetching the headers that takes; at most maxForkDepth below top.
func (w *testnetWatcher) forkFloor(ctx context.Context, nodes []testnetNode, clients []*rpc.Client, floor, top uint32) uint32 {
	ref := -1
	for i, n := range nodes {
		if n.Err == "" && !n.Active.IsZero() && (ref < 0 || n.Height > nodes[ref].Height) {
			ref = i
		}
	}
	if ref < 0 {
		return floor
	}
	limit := uint32(0)
	if top > maxForkDepth {
		limit = top - maxForkDepth
	}
	for {
		onRef := map[chain.Hash]bool{}
		w.walk(nodes[ref].Active, floor, func(h chain.Hash) bool { onRef[h] = true; return true })
		met := true
		for i, n := range nodes {
			if i == ref || n.Err != "" || n.Active.IsZero() {
				continue
			}
			meets := false
			w.walk(n.Active, floor, func(h chain.Hash) bool { meets = onRef[h]; return !meets })
			met = met && meets
		}
		if met || floor <= limit {
			return floor
		}
		floor -= min(floor-limit, treeDepth)
		for i, n := range nodes {
			if n.Err == "" && !n.Active.IsZero() {
				w.fetchBranch(ctx, clients[i], n.Active, n.Height, floor)
			}
		}
	}
}

// walk calls fn on the cached headers from tip down to floor, while fn
// returns true.
func (w *testnetWatcher) walk(tip chain.Hash, floor uint32, fn func(chain.Hash) bool) {
	for cur := tip; ; {
		hd, ok := w.headers[cur]
		if !ok || hd.height < floor || !fn(cur) || hd.height == 0 {
			return
		}
		cur = hd.prev
	}
}

// prune forgets headers far below the tree once the cache is large.
func (w *testnetWatcher) prune(floor uint32) {
	if len(w.headers) <= maxHeaderCache {
		return
	}
	for h, hd := range w.headers {
		if hd.height+maxForkDepth < floor {
			delete(w.headers, h)
		}
	}
}

// testnetData is the testnet page.
type testnetData struct {
	Off  bool
	File string
	Snap *testnetSnapshot
}

func (e *Explorer) testnetPage(r *http.Request) (*view, error) {
	d, err := e.testnetData()
	return &view{template: "testnet", title: "Testnet", data: d, live: true}, err
}

// liveTestnetFragment is the testnet page's live part alone.
func (e *Explorer) liveTestnetFragment(r *http.Request) (*view, error) {
	d, err := e.testnetData()
	return &view{template: "testnet", data: d, fragment: true}, err
}

func (e *Explorer) testnetData() (*testnetData, error) {
	if e.testnet == nil {
		return &testnetData{Off: true}, nil
	}
	return &testnetData{File: e.testnet.path, Snap: e.testnet.snap.Load()}, nil
}
