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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
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
