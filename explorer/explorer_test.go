package explorer

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// richFixture is a regtest chain of 103 blocks: a payment confirmed in
// block 102, a second one waiting in the mempool, and a stale block at
// height 100.
type richFixture struct {
	*fixture
	paid, pending *chain.Tx
	stale         *chain.Block
	blocks        []*chain.Block
}

func newRichFixture(t testing.TB) *richFixture {
	f := &richFixture{fixture: newFixture(t, chain.RegTestParams())}
	f.blocks = f.mine(101)
	// A rival of block 100, seen second: stored, never connected.
	f.stale = f.block(f.blocks[98].BlockHash(), false)
	if res := f.process(f.stale); res.MainChain {
		t.Fatal("the rival block became the tip")
	}
	cb := f.blocks[0].Txs[0]
	f.paid = f.spend(cb.Outputs, []chain.OutPoint{{TxID: cb.TxID()}},
		[]chain.TxOut{{Value: 150_000_000, PubKey: otherKey()}, {Value: cb.Outputs[0].Value - 150_000_000 - 2_000, PubKey: f.key}})
	f.accept(f.paid)
	f.blocks = append(f.blocks, f.mine(1)...)
	f.pending = f.spend(f.paid.Outputs[1:], []chain.OutPoint{{TxID: f.paid.TxID(), Index: 1}},
		[]chain.TxOut{{Value: 100_000_000, PubKey: otherKey()}, {Value: f.paid.Outputs[1].Value - 100_000_000 - 5_000, PubKey: f.key}})
	f.accept(f.pending)
	return f
}

func TestPages(t *testing.T) {
	f := newRichFixture(t)
	tip := f.chain.BestState()
	other := chain.EncodeAddress(f.params, otherKey())
	mine := chain.EncodeAddress(f.params, f.key)

	t.Run("overview", func(t *testing.T) {
		body := f.page("/", http.StatusOK, `id="tip-height" href="/block/102">102<`, "Time between blocks", "seconds",
			"block height", "Estimated network hash rate", "H/s", "Mempool by fee rate", "transactions",
			`id="mempool-count" href="/mempool">1<`, "no peers: p2p is off", `/static/live.js`)
		if !strings.Contains(body, "<svg") || !strings.Contains(body, "<polyline") {
			t.Error("the overview draws no SVG chart")
		}
		f.page("/live/overview", http.StatusOK, `id="live" data-height="102"`)
	})
	t.Run("block by height", func(t *testing.T) {
		f.page("/block/102", http.StatusOK, "Block 102", tip.Hash.String(), "1 confirmation",
			"none yet (this is the tip)", f.paid.TxID().String(), "coinbase", "fees 0.00002000 FLT")
		f.page("/block/0", http.StatusOK, "Block 0", "none (genesis)")
	})
	t.Run("block by hash", func(t *testing.T) {
		f.page("/block/"+f.blocks[50].BlockHash().String(), http.StatusOK, "Block 51", "52 confirmations",
			f.blocks[51].BlockHash().String()[:8])
	})
	t.Run("stale block", func(t *testing.T) {
		body := f.page("/block/"+f.stale.BlockHash().String(), http.StatusOK, "not in the main chain",
			"leaves the main chain after block 99", "stale")
		if strings.Contains(body, "confirmation") {
			t.Error("a stale block shows confirmations")
		}
	})
	t.Run("confirmed tx", func(t *testing.T) {
		f.page("/tx/"+f.paid.TxID().String(), http.StatusOK, "1 confirmation", "in block 102", other, mine,
			"1.50000000 FLT", "0.00002000 FLT", "50.00000000 FLT", "unspent", "spent")
	})
	t.Run("mempool tx", func(t *testing.T) {
		f.page("/tx/"+f.pending.TxID().String(), http.StatusOK, "In the mempool", "1.00000000 FLT", "0.00005000 FLT")
	})
	t.Run("coinbase tx", func(t *testing.T) {
		f.page("/tx/"+f.blocks[5].Txs[0].TxID().String(), http.StatusOK, "coinbase", "A coinbase spends no outputs")
	})
	t.Run("address", func(t *testing.T) {
		f.page("/address/"+other, http.StatusOK, "1.50000000 FLT", f.paid.TxID().String()[:8], "In the mempool",
			f.pending.TxID().String()[:8])
		f.page("/address/"+mine, http.StatusOK, "Unspent outputs", "coinbase")
	})
	t.Run("mempool", func(t *testing.T) {
		f.page("/mempool", http.StatusOK, "1 transactions", f.pending.TxID().String()[:8], "units/B")
	})
	t.Run("chain tips", func(t *testing.T) {
		f.page("/tips", http.StatusOK, "active", "valid-headers", f.stale.BlockHash().String())
	})
	t.Run("reorgs", func(t *testing.T) {
		f.page("/reorgs", http.StatusOK, "None seen yet")
	})
	t.Run("next block", func(t *testing.T) {
		f.page("/next", http.StatusOK, "height 103", f.pending.TxID().String()[:8], "1 transaction,", "fees 0.00005000 FLT",
			"does not retarget")
	})
	t.Run("network without p2p", func(t *testing.T) {
		f.page("/network", http.StatusOK, "No peers: this node runs without the p2p layer")
	})
	t.Run("testnet off", func(t *testing.T) {
		f.page("/testnet", http.StatusOK, "--http.testnet")
	})
	t.Run("static", func(t *testing.T) {
		f.page("/static/style.css", http.StatusOK, "font")
		f.page("/static/live.js", http.StatusOK, "EventSource")
	})
}

func TestSearch(t *testing.T) {
	f := newRichFixture(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	other := chain.EncodeAddress(f.params, otherKey())
	cases := []struct {
		q, to string
	}{
		{"102", "/block/102"},
		{" 7 ", "/block/7"},
		{f.blocks[3].BlockHash().String(), "/block/" + f.blocks[3].BlockHash().String()},
		{f.stale.BlockHash().String(), "/block/" + f.stale.BlockHash().String()},
		{f.paid.TxID().String(), "/tx/" + f.paid.TxID().String()},
		{f.pending.TxID().String(), "/tx/" + f.pending.TxID().String()},
		{other, "/address/" + other},
	}
	for _, c := range cases {
		resp, err := noFollow.Get(f.srv.URL + "/search?q=" + strings.ReplaceAll(c.q, " ", "+"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != c.to {
			t.Errorf("search %q: %d to %q, want 303 to %q", c.q, resp.StatusCode, resp.Header.Get("Location"), c.to)
		}
	}
	f.page("/search?q=999999", http.StatusNotFound, "Nothing on this node matches", "999999")
	f.page("/search?q="+strings.Repeat("ab", 32), http.StatusNotFound, "Nothing on this node matches")
	f.page("/search?q=hello", http.StatusNotFound, "Nothing on this node matches", "hello")
	f.page("/search?q=", http.StatusBadRequest, "Type a block height")
}

// TestBadInput: every malformed request gets a 4xx page with one sentence,
// never a 500, and what the visitor typed comes back escaped.
func TestBadInput(t *testing.T) {
	f := newRichFixture(t)
	script := "<script>alert(1)</script>"
	cases := []struct {
		name, path string
		status     int
		want       string
	}{
		{"short hash", "/block/abc", 400, "64 hexadecimal digits"},
		{"non-hex hash", "/block/" + strings.Repeat("zz", 32), 400, "64 hexadecimal digits"},
		{"long hash", "/block/" + strings.Repeat("00", 40), 400, "64 hexadecimal digits"},
		{"height beyond tip", "/block/103", 404, "the tip is at height 102"},
		{"height beyond uint32", "/block/99999999999", 400, "64 hexadecimal digits"},
		{"negative height", "/block/-1", 400, "64 hexadecimal digits"},
		{"unknown block", "/block/" + strings.Repeat("00", 32), 404, "knows no block"},
		{"bad page", "/block/1?page=x", 400, "page number"},
		{"page past the end", "/block/1?page=2", 404, "no page 2"},
		{"zero page", "/block/1?page=0", 400, "page number"},
		{"bad txid", "/tx/1234", 400, "transaction id"},
		{"unknown txid", "/tx/" + strings.Repeat("11", 32), 404, "knows no transaction"},
		{"bad address", "/address/flt1qqqq", 400, "not a regtest address"},
		{"address of another network", "/address/" + chain.EncodeAddress(chain.MainNetParams(), otherKey()), 400, "not a regtest address"},
		{"script in address", "/address/" + url.PathEscape(script), 400, "not a regtest address"},
		{"no such page", "/nowhere", 404, "no page at this address"},
		{"script in search", "/search?q=" + script, 404, "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"long search", "/search?q=" + strings.Repeat("a", 300), 400, "nothing Flint names is longer"},
		{"long query", "/?q=" + strings.Repeat("a", MaxQueryBytes), 414, "reads at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := f.page(c.path, c.status, c.want)
			if strings.Contains(body, "<script>alert") {
				t.Error("input came back unescaped")
			}
		})
	}
	t.Run("POST", func(t *testing.T) {
		resp, err := http.Post(f.srv.URL+"/", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: status %d", resp.StatusCode)
		}
	})
	t.Run("headers", func(t *testing.T) {
		resp, err := http.Get(f.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q", csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("no nosniff")
		}
	})
}

// TestServeBounds runs the explorer on a real listener: a 10 MB query
// string is refused with a 4xx before any page is built, and Serve stops
// on cancellation even with a live stream open.
func TestServeBounds(t *testing.T) {
	f := newFixture(t, chain.RegTestParams())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.ex.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	go fmt.Fprintf(conn, "GET /search?q=%s HTTP/1.1\r\nHost: x\r\n\r\n", strings.Repeat("a", 10<<20))
	var status int
	var proto string
	if _, err := fmt.Fscan(conn, &proto, &status); err != nil {
		t.Fatal(err)
	}
	if status < 400 || status > 499 {
		t.Errorf("10 MB query string: status %d, want a 4xx", status)
	}

	resp, err := http.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("events content type %q", resp.Header.Get("Content-Type"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancellation")
	}
}

// TestNetworkPage: peers as the p2p layer reports them, each with its lag
// behind our tip; none connected says so.
func TestNetworkPage(t *testing.T) {
	f := newFixture(t, chain.RegTestParams())
	blocks := f.mine(3)
	tip := f.chain.BestState()
	var peers []Peer
	cfg := f.config()
	cfg.Peers = func() []Peer { return peers }
	ex, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func() string {
		rec := httptest.NewRecorder()
		ex.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/network", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		return rec.Body.String()
	}
	if body := get(); !strings.Contains(body, "No peers connected") {
		t.Error("no peers: the page does not say so")
	}
	peers = []Peer{
		{ID: "12D3KooWSame", Addr: "/ip4/127.0.0.1/tcp/4001", BestHeight: tip.Height, BestHash: tip.Hash, PingTime: 1500 * time.Microsecond},
		{ID: "12D3KooWBehind<b>", Addr: "/ip4/127.0.0.1/tcp/4002", Inbound: true, BestHeight: 1, BestHash: blocks[0].BlockHash(), Syncing: true},
	}
	body := get()
	for _, want := range []string{"12D3KooWSame", "same tip", "1.5 ms", "inbound", `<td class="num">2</td>`, "syncing",
		"12D3KooWBehind&lt;b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the peers page lacks %q", want)
		}
	}
	rec := httptest.NewRecorder()
	ex.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(rec.Body.String(), `<a href="/network">2</a>`) {
		t.Error("the overview does not count the two peers")
	}
}
