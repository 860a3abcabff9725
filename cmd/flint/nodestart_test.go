package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

// holdPort listens on a free 127.0.0.1 port until the test ends and
// returns its address: a port another process holds.
func holdPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// TestBusyPortSaysWhichFlag checks the sentence a node on a busy RPC port
// stops with, and that the data directory the start created is gone.
func TestBusyPortSaysWhichFlag(t *testing.T) {
	busy := holdPort(t)
	dir := filepath.Join(t.TempDir(), "new")
	err := run([]string{"flint", "node", "--network", "regtest", "--datadir", dir, "--rpc.addr", busy, "--http.addr", "off", "--p2p.off"})
	want := busy + " is in use, perhaps by another node: choose another RPC address with --rpc.addr ADDR (--rpc.addr 127.0.0.1:0 lets the system pick)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the failed start left its new data directory behind: %v", err)
	}

	// A directory that was there before stays.
	kept := t.TempDir()
	if err := run([]string{"flint", "node", "--network", "regtest", "--datadir", kept, "--metrics.addr", busy, "--rpc.addr", "off", "--http.addr", "off", "--p2p.off"}); err == nil ||
		!strings.Contains(err.Error(), "choose another metrics address with --metrics.addr ADDR") {
		t.Fatalf("busy metrics port: %v", err)
	}
	if _, err := os.Stat(filepath.Join(kept, "chain")); err != nil {
		t.Fatalf("the existing data directory lost its chain: %v", err)
	}
}

// TestBusyP2PPortSaysWhichFlag: a P2P port in use is a sentence naming
// the flags that move it, not libp2p's error.
func TestBusyP2PPortSaysWhichFlag(t *testing.T) {
	_, port, _ := net.SplitHostPort(holdPort(t))
	busy := "/ip4/127.0.0.1/tcp/" + port
	err := run([]string{"flint", "node", "--network", "regtest", "--datadir", t.TempDir(), "--p2p.listen", busy,
		"--rpc.addr", "off", "--http.addr", "off", "--p2p.dht=false", "--p2p.mdns=false"})
	want := busy + " is in use, perhaps by another node: choose another P2P port with --p2p.port PORT (--p2p.port 0 lets the system pick), or the addresses with --p2p.listen"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// TestDevCleansUpItsTempDir checks that a --dev start that fails removes
// the /tmp/flint-dev-* directory it made.
func TestDevCleansUpItsTempDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	err := run([]string{"flint", "node", "--dev", "--rpc.addr", holdPort(t), "--http.addr", "off"})
	if err == nil || !strings.Contains(err.Error(), "is in use") {
		t.Fatalf("dev node on a busy port: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("the failed dev start left %v in $TMPDIR", left[0].Name())
	}
}

// TestDevPicksFreePorts checks that the dev mode, on its default RPC and
// explorer addresses, moves to free ports when those are taken, and says so.
func TestDevPicksFreePorts(t *testing.T) {
	busyRPC, busyHTTP := holdPort(t), holdPort(t)
	cfg := node.Config{Params: chain.RegTestParams(), DataDir: t.TempDir(), RPCAddr: busyRPC, HTTPAddr: busyHTTP,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	n, notes, err := newNode(cfg, map[string]bool{"RPC": true, "explorer": true}, cfg.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // a node that was never started, stopped at once
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := n.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	if n.RPCAddr() == busyRPC || !strings.HasPrefix(n.RPCAddr(), "127.0.0.1:") {
		t.Fatalf("dev node's RPC on %s, want another port of 127.0.0.1 than %s", n.RPCAddr(), busyRPC)
	}
	if n.HTTPAddr() == busyHTTP || !strings.HasPrefix(n.HTTPAddr(), "127.0.0.1:") {
		t.Fatalf("dev node's explorer on %s, want another port of 127.0.0.1 than %s", n.HTTPAddr(), busyHTTP)
	}
	if notes["RPC"] != busyRPC+" was in use" || notes["explorer"] != busyHTTP+" was in use" {
		t.Fatalf("notes %q", notes)
	}
}

// TestBusyExplorerPort checks the sentence for a busy explorer port that
// was asked for.
func TestBusyExplorerPort(t *testing.T) {
	busy := holdPort(t)
	err := run([]string{"flint", "node", "--network", "regtest", "--datadir", t.TempDir(), "--rpc.addr", "off", "--http.addr", busy, "--p2p.off"})
	want := busy + " is in use, perhaps by another node: choose another explorer address with --http.addr ADDR (--http.addr 127.0.0.1:0 lets the system pick)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
