package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

// closedPort returns a 127.0.0.1 address that was free a moment ago.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRPCWaitGivesUp checks that --wait is bounded and says why it gave up,
// and that without it a missing node is reported at once.
func TestRPCWaitGivesUp(t *testing.T) {
	args := []string{"flint", "rpc", "--network", "regtest", "--datadir", t.TempDir(), "--rpc.url", closedPort(t)}

	err := run(append(args, "getblockcount"))
	if err == nil || !strings.Contains(err.Error(), "no RPC cookie at ") {
		t.Fatalf("without --wait: %v", err)
	}

	start := time.Now()
	err = run(append(args, "--wait", "300ms", "getblockcount"))
	want := "the node did not answer within --wait 300ms; last try: no RPC cookie at "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want an error starting %q", err, want)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("gave up after %v, before the 300ms wait", took)
	}
}

// TestRPCWaitReachesStartingNode starts the call before the node and
// checks that --wait carries it through to the node once it is up.
func TestRPCWaitReachesStartingNode(t *testing.T) {
	dir, addr := t.TempDir(), closedPort(t)
	var out strings.Builder
	called := make(chan error, 1)
	go func() {
		called <- runWithOutput([]string{"flint", "rpc", "--network", "regtest", "--datadir", dir,
			"--rpc.url", addr, "--wait", "30s", "getblockcount"}, &out)
	}()

	startNode(t, dir, addr)
	select {
	case err := <-called:
		if err != nil || strings.TrimSpace(out.String()) != "0" {
			t.Fatalf("getblockcount with --wait: %q, %v", out.String(), err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("flint rpc --wait 30s did not return within 60 s")
	}
}

// startNode runs a regtest node on dir serving JSON-RPC on addr until the
// test ends.
func startNode(t *testing.T, dir, addr string) {
	t.Helper()
	n, err := node.New(node.Config{Params: chain.RegTestParams(), DataDir: dir, RPCAddr: addr, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	})
}

// TestRPCHelpReachesNode checks that "help", like every method name, goes
// to the node rather than to the command line's own help.
func TestRPCHelpReachesNode(t *testing.T) {
	dir, addr := t.TempDir(), closedPort(t)
	startNode(t, dir, addr)
	rpcArgs := []string{"flint", "rpc", "--network", "regtest", "--datadir", dir, "--rpc.url", addr, "--wait", "30s"}

	var out strings.Builder
	if err := runWithOutput(append(rpcArgs, "help", "getblock"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "getblock blockhash [verbosity]") {
		t.Fatalf("flint rpc help getblock printed:\n%s", out.String())
	}
	out.Reset()
	if err := runWithOutput(append(rpcArgs, "help"), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"getblockcount\n", "help [command]\n", "stop\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("flint rpc help lacks %q:\n%s", want, out.String())
		}
	}
	// The command's own page is still --help.
	out.Reset()
	if err := runWithOutput([]string{"flint", "rpc", "--help"}, &out); err != nil || !strings.Contains(out.String(), "flint rpc help METHOD") {
		t.Fatalf("flint rpc --help: %v\n%s", err, out.String())
	}
}
