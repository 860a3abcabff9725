package node

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNodeServesExplorer: a dev node with an explorer address serves the
// overview at its tip, and the next-block preview from its own template.
func TestNodeServesExplorer(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.DevPeriod = 20 * time.Millisecond
	cfg.HTTPAddr = "127.0.0.1:0"
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n.HTTPAddr() == "" {
		t.Fatal("no explorer address")
	}
	runInBackground(t, n)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + n.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for n.Chain().BestState().Height < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the dev node mined nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h := n.Chain().BestState().Height
	status, body := get("/")
	if status != http.StatusOK || !strings.Contains(body, `id="tip-height"`) {
		t.Fatalf("overview: %d", status)
	}
	// The tip moves on: the page shows a height at least the one read
	// before it was asked for.
	m := regexp.MustCompile(`id="tip-height" href="/block/(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the overview shows no tip height")
	}
	if shown, _ := strconv.Atoi(m[1]); shown < int(h) {
		t.Errorf("overview shows height %d, the chain was at %d before", shown, h)
	}
	if status, body := get("/next"); status != http.StatusOK || !strings.Contains(body, "coinbase only") {
		t.Errorf("next block: %d", status)
	}
}

// TestExplorerOffByDefault: a node without an explorer address binds none.
func TestExplorerOffByDefault(t *testing.T) {
	n, err := New(devConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer n.closeListeners()
	defer n.chain.Close()
	if n.HTTPAddr() != "" {
		t.Errorf("explorer on %s without an address", n.HTTPAddr())
	}
}

// TestExplorerShowsPeers: two nodes linked over real libp2p on loopback;
// the first's network page lists the second with its best height.
func TestExplorerShowsPeers(t *testing.T) {
	p2pConfig := func() P2PConfig {
		return P2PConfig{Enable: true, Listen: []string{"/ip4/127.0.0.1/tcp/0"}}
	}
	cfgA := devConfig(t.TempDir())
	cfgA.DevPeriod = 0
	cfgA.HTTPAddr = "127.0.0.1:0"
	cfgA.P2P = p2pConfig()
	a, err := New(cfgA)
	if err != nil {
		t.Fatal(err)
	}
	cfgB := devConfig(t.TempDir())
	cfgB.DevPeriod = 0
	cfgB.P2P = p2pConfig()
	cfgB.P2P.Bootstrap = a.P2P().LocalAddrs()
	b, err := New(cfgB)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- a.Run(ctx) }()
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}()
	idB := b.P2P().ID().String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + a.HTTPAddr() + "/network")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), idB) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the network page never listed peer %s:\n%s", idB, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
