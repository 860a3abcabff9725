package node

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// TestRPCOverRunningNode drives a running regtest node through its real
// JSON-RPC server with the cookie it wrote.
func TestRPCOverRunningNode(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfig(dir)
	cfg.DevPeriod = 0
	cfg.RPCAddr = "127.0.0.1:0"
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var client *rpc.Client
	for client == nil {
		auth, err := rpc.ReadCookie(filepath.Join(dir, rpc.CookieFile))
		if err == nil {
			client = rpc.NewClient("http://"+n.RPCAddr(), auth)
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no cookie written: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := client.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	addr := chain.EncodeAddress(cfg.Params, cfg.MinePayTo)
	hashes, err := client.GenerateToAddress(ctx, 3, addr)
	if err != nil || len(hashes) != 3 {
		t.Fatalf("generatetoaddress: %v %v", hashes, err)
	}
	if h, err := client.GetBlockCount(ctx); err != nil || h != 3 {
		t.Fatalf("getblockcount %d %v", h, err)
	}
	if best, err := client.GetBestBlockHash(ctx); err != nil || best != hashes[2] {
		t.Fatalf("getbestblockhash %v %v", best, err)
	}
	bal, err := client.GetBalance(ctx, addr)
	if err != nil || bal.Units() != 3*chain.BaseSubsidy {
		t.Fatalf("getbalance %v %v", bal, err)
	}

	// A block template from the node, solved here, is accepted by
	// submitblock: the path of an external miner.
	tmpl, err := client.GetBlockTemplate(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tmpl.DecodeBlock()
	if err != nil {
		t.Fatal(err)
	}
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, cfg.Params.PowLimit) != nil {
		b.Header.Nonce++
	}
	if res, err := client.SubmitBlock(ctx, b); err != nil || res != "" {
		t.Fatalf("submitblock: %q %v", res, err)
	}

	if err := client.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("node did not stop after the stop method")
	}
}
