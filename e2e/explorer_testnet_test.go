package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/internal/browsertest"
)

// TestTestnetExplorerInBrowser runs `flint testnet up` (three node
// processes over real libp2p, all mining), cuts node2 off with `flint
// testnet partition`, and watches node0's explorer in headless Chromium:
// the testnet page shows the fork, then, after `flint testnet heal`, every
// node on one branch, without a reload.
func TestTestnetExplorerInBrowser(t *testing.T) {
	b := browsertest.New(t)
	dir := filepath.Join(t.TempDir(), "net")
	flint(t, "testnet", "up", "-n", "3", "--miners", "3", "--period", "500ms", "--dir", dir, "--detach")
	t.Cleanup(func() {
		if out, err := tryFlint("testnet", "down", "--dir", dir); err != nil {
			t.Logf("testnet down: %v\n%s", err, out)
		}
	})
	var cfg struct {
		Nodes []struct {
			HTTPAddr string `json:"http_addr"`
		} `json:"nodes"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "testnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil || len(cfg.Nodes) != 3 || cfg.Nodes[0].HTTPAddr == "" {
		t.Fatalf("testnet.json: %v %s", err, raw)
	}
	url := "http://" + cfg.Nodes[0].HTTPAddr + "/testnet"

	flint(t, "testnet", "partition", "--dir", dir, "0,1", "/", "2")
	b.Visit(url, 200)
	b.Eval(`window.flintMark = "same page"; "ok"`)
	waitPage(t, b, 30*time.Second, `document.getElementById("fork-banner") ? "yes" : "no"`)
	states := strings.Join(b.Texts("#testnet-nodes td.state"), " | ")
	if !strings.Contains(states, "forked") {
		t.Errorf("node states during the partition: %s", states)
	}
	b.Screenshot("real-testnet-partition", browsertest.DesktopWidth, browsertest.DesktopHeight)

	flint(t, "testnet", "heal", "--dir", dir)
	waitPage(t, b, 60*time.Second, `document.getElementById("agree-banner") ? "yes" : "no"`)
	if b.Eval(`String(window.flintMark)`) != "same page" {
		t.Error("the testnet page was reloaded instead of updated")
	}
	b.CheckClean("testnet page", 200)
	b.Screenshot("real-testnet-healed", browsertest.DesktopWidth, browsertest.DesktopHeight)
}

// waitPage polls a page expression until it is "yes".
func waitPage(t *testing.T, b *browsertest.Browser, d time.Duration, expr string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for b.Eval(expr) != "yes" {
		if time.Now().After(deadline) {
			t.Fatalf("%s still not so after %v", expr, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
