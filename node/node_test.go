package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testPriv is the key tests mine to and spend from.
func testPriv() *btcec.PrivateKey {
	priv, _ := btcec.PrivKeyFromBytes([]byte("flint node test key, 32 bytes!!!"))
	return priv
}

// testKey is testPriv's x-only key.
func testKey() (k [32]byte) {
	copy(k[:], schnorr.SerializePubKey(testPriv().PubKey()))
	return k
}

func devConfig(dir string) Config {
	return Config{
		Params:    chain.RegTestParams(),
		DataDir:   dir,
		DevPeriod: 5 * time.Millisecond,
		MinePayTo: testKey(),
		Logger:    quiet,
	}
}

// runInBackground runs n until the test ends, then stops it and checks
// that Run returned no error.
func runInBackground(t testing.TB, n *Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// runUntil runs a node until its chain reaches height, then stops it.
func runUntil(t *testing.T, n *Node, height uint32) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for n.Chain().BestState().Height < height {
		if time.Now().After(deadline) {
			t.Fatalf("node stuck at height %d", n.Chain().BestState().Height)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDevNodeMinesAndResumes(t *testing.T) {
	dir := t.TempDir()
	n, err := New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}

	// A second process (here, a second node) cannot use the directory.
	if _, err := New(devConfig(dir)); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second node on the same directory: %v", err)
	}

	runUntil(t, n, 3)
	stopped := n.Chain().BestState()

	// Run closed the database: a restart resumes at the same tip.
	n, err = New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Chain().BestState(); got.Hash != stopped.Hash {
		t.Fatalf("restart at %v (height %d), want %v", got.Hash, got.Height, stopped.Hash)
	}
	runUntil(t, n, stopped.Height+2)
}

func TestMetricsAndHealth(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.MetricsAddr = "127.0.0.1:0"
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runInBackground(t, n)
	deadline := time.Now().Add(30 * time.Second)
	for n.Chain().BestState().Height < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("dev node stuck at height %d", n.Chain().BestState().Height)
		}
		time.Sleep(5 * time.Millisecond)
	}
	base := "http://" + n.MetricsAddr()
	body := get(t, base+"/metrics", http.StatusOK)
	for _, series := range []string{"flint_tip_height", "flint_blocks_connected_total", "flint_block_process_seconds_count", "flint_reorgs_total", "flint_hashrate",
		"flint_peers", "flint_mempool_txs", "flint_mempool_bytes"} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
	if !strings.Contains(get(t, base+"/healthz", http.StatusOK), `"synced":true`) {
		t.Error("a dev node mining now is not reported synced")
	}
}

func get(t *testing.T, url string, wantStatus int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, wantStatus)
	}
	return string(b)
}

func TestHealthNotSynced(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.DevPeriod = 0 // not mining: the tip is the genesis block, over a day old
	cfg.MetricsAddr = "127.0.0.1:0"
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if body := get(t, "http://"+n.MetricsAddr()+"/healthz", http.StatusServiceUnavailable); !strings.Contains(body, `"synced":false`) {
		t.Errorf("healthz body %s", body)
	}
}

// TestShutdownWithDataDirGone removes the data directory under a running
// node: the node cannot flush its database, and must still stop, with an
// error that says why, instead of retrying for ever.
func TestShutdownWithDataDirGone(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfig(dir)
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.closeTimeout = 2 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for n.Chain().BestState().Height < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no blocks")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		// Badger either fails its close at once or keeps retrying until
		// the node gives up; either way the node must not claim a clean
		// stop.
		if err == nil {
			t.Fatal("the node reported a clean stop with its data directory gone")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop with its data directory gone")
	}
}

// TestMetricsDocumented checks that docs/rpc.md names every series the
// node registers under flint_.
func TestMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/rpc.md")
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(devConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	defer n.Run(ctx) // closes the chain
	families, err := n.metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range families {
		if name := f.GetName(); strings.HasPrefix(name, "flint_") {
			seen++
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/rpc.md does not document the metric %s", name)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no flint_ metrics gathered")
	}
}

// TestUnreadableNotificationStopsNode: a chain notification whose block
// could not be read stops the node with an error naming the block, rather
// than leaving the mempool one block out of step; the database is closed
// cleanly, so a restart resumes at the same tip.
func TestUnreadableNotificationStopsNode(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfig(dir)
	cfg.DevPeriod = time.Hour // no blocks of its own during the test
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tip := n.Chain().BestState()
	done := make(chan error, 1)
	go func() { done <- n.Run(context.Background()) }()

	n.watchNotification(chain.Notification{Type: chain.BlockConnected, Hash: tip.Hash, Height: tip.Height,
		Err: errors.New("value log truncated")})
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("node still running after an unreadable notification")
	}
	if err == nil || !strings.Contains(err.Error(), tip.Hash.String()) || !strings.Contains(err.Error(), "value log truncated") {
		t.Fatalf("Run returned %v, want the block and the cause named", err)
	}

	n, err = New(cfg)
	if err != nil {
		t.Fatalf("restart after the stop: %v", err)
	}
	if got := n.Chain().BestState().Hash; got != tip.Hash {
		t.Errorf("restart at %v, want %v", got, tip.Hash)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run stops at once and closes the database
	if err := n.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
