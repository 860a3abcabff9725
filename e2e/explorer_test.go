package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/browsertest"
)

// TestExplorerInBrowser opens every explorer page of a real dev node in
// headless Chromium: no console error or failed request anywhere, the tip
// height and a transaction's amounts as the RPC reports them, and the
// overview following a new block without a reload. Screenshots of each
// page, at desktop and phone width, go to $FLINT_SCREENSHOTS (or a
// temporary folder named in the log).
func TestExplorerInBrowser(t *testing.T) {
	b := browsertest.New(t)
	dir := t.TempDir()
	rpcAddr, httpAddr := freePort(t), freePort(t)
	// Blocks come when the test asks for them.
	node := start(t, "node", "--dev", "--dev.period", "1h", "--datadir", dir, "--rpc.addr", rpcAddr, "--http.addr", httpAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := dial(t, ctx, dir, rpcAddr)
	addr := devAddress(t, node)
	if _, err := c.GenerateToAddress(ctx, 101, addr); err != nil {
		t.Fatal(err)
	}
	wallet := []string{"wallet", "send", "--network", "regtest", "--datadir", dir, "--rpc.url", "http://" + rpcAddr, "--yes"}
	txid := lastLine(flint(t, append(wallet, "--to", addr, "--amount", "1.5", "--fee-rate", "3")...))
	if _, err := c.GenerateToAddress(ctx, 1, addr); err != nil {
		t.Fatal(err)
	}
	pending := lastLine(flint(t, append(wallet, "--to", addr, "--amount", "0.25", "--fee-rate", "7")...))
	base := "http://" + httpAddr

	// Every page loads clean; a screenshot of each.
	tip, err := c.GetBestBlockHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		name, path string
		status     int64
	}{
		{"overview", "/", 200},
		{"block", "/block/" + tip.String(), 200},
		{"block-genesis", "/block/0", 200},
		{"tx", "/tx/" + txid, 200},
		{"tx-mempool", "/tx/" + pending, 200},
		{"address", "/address/" + addr, 200},
		{"mempool", "/mempool", 200},
		{"tips", "/tips", 200},
		{"reorgs", "/reorgs", 200},
		{"next", "/next", 200},
		{"network", "/network", 200},
		{"testnet", "/testnet", 200},
		{"not-found", "/search?q=nothing-here", 404},
		{"bad-hash", "/block/xyz", 400},
	}
	for _, p := range pages {
		b.Visit(base+p.path, p.status)
		b.Screenshot(p.name, browsertest.DesktopWidth, browsertest.DesktopHeight)
		b.Screenshot(p.name+"-phone", browsertest.PhoneWidth, browsertest.PhoneHeight)
		b.CheckClean(p.name, p.status)
	}

	// The transaction page shows the RPC's amounts.
	b.Visit(base+"/tx/"+txid, 200)
	h, err := chain.NewHashFromStr(txid)
	if err != nil {
		t.Fatal(err)
	}
	vtx, err := c.GetRawTransactionVerbose(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	shown := b.Texts(".out-amount")
	if len(shown) != len(vtx.Vout) {
		t.Fatalf("page shows %d outputs, RPC %d", len(shown), len(vtx.Vout))
	}
	for i, o := range vtx.Vout {
		if want := o.Value.String() + " FLT"; shown[i] != want {
			t.Errorf("output %d: page %q, RPC %q", i, shown[i], want)
		}
	}

	// The overview's tip is the RPC's, and follows a new block within
	// 5 s without a reload.
	b.Visit(base+"/", 200)
	height, err := c.GetBlockCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := pageHeight(t, b); got != height {
		t.Errorf("overview tip %d, RPC %d", got, height)
	}
	b.Eval(`window.flintMark = "same page"; "ok"`)
	if _, err := c.GenerateToAddress(ctx, 1, addr); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for pageHeight(t, b) != height+1 {
		if time.Now().After(deadline) {
			t.Fatalf("the overview still shows %d 5 s after block %d", pageHeight(t, b), height+1)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b.Eval(`String(window.flintMark)`) != "same page" {
		t.Error("the overview was reloaded instead of updated")
	}
	b.CheckClean("live overview", 200)
	b.Screenshot("overview-live", browsertest.DesktopWidth, browsertest.DesktopHeight)

	// The search box takes a txid to its page.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
		Get(base + "/search?q=" + txid)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Location") != "/tx/"+txid {
		t.Errorf("search for the txid goes to %q", resp.Header.Get("Location"))
	}
}

// pageHeight reads the overview's tip height.
func pageHeight(t *testing.T, b *browsertest.Browser) uint32 {
	t.Helper()
	s := strings.ReplaceAll(b.Text("#tip-height"), ",", "")
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		t.Fatalf("tip height %q: %v", s, err)
	}
	return uint32(n)
}

// lastLine returns the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
