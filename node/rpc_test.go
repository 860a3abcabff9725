package node

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/version"
	"github.com/flint-chain/flint/rpc"
)

// TestNetworkInfoVersion: a running node's getnetworkinfo shows
// internal/version's number and user agent, and the node itself keeps no
// copy of them (its networkInfo leaves both to the RPC server), so a
// release bump cannot leave a stale value behind.
func TestNetworkInfoVersion(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.DevPeriod = 0
	cfg.RPCAddr = "127.0.0.1:0"
	n, client, stop := startRPCNode(t, cfg)
	defer stop()
	ni, err := client.GetNetworkInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ni.Version != version.Number || ni.Subversion != version.Subversion || ni.ProtocolVersion != 1 {
		t.Fatalf("getnetworkinfo: version %d subversion %q protocol %d, want %d %q 1",
			ni.Version, ni.Subversion, ni.ProtocolVersion, version.Number, version.Subversion)
	}
	if own := n.networkInfo(); own.Version != 0 || own.Subversion != "" {
		t.Fatalf("the node sets version %d and subversion %q itself; they belong to internal/version",
			own.Version, own.Subversion)
	}
}

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

// TestSendTransactionIsMined sends a signed spend over sendrawtransaction,
// sees it in the mempool and then in the next generated block; a
// transaction still pending at shutdown is in the pool after a restart.
func TestSendTransactionIsMined(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfig(dir)
	cfg.DevPeriod = 0
	cfg.RPCAddr = "127.0.0.1:0"
	_, client, stop := startRPCNode(t, cfg)

	ctx := t.Context()
	addr := chain.EncodeAddress(cfg.Params, cfg.MinePayTo)
	hashes, err := client.GenerateToAddress(ctx, int(cfg.Params.CoinbaseMaturity)+2, addr)
	if err != nil {
		t.Fatal(err)
	}
	spend := func(blockHash chain.Hash, fee uint64) *chain.Tx {
		b, err := client.GetBlock(ctx, blockHash)
		if err != nil {
			t.Fatal(err)
		}
		cb := b.Txs[0]
		tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.OutPoint{TxID: cb.TxID()}}},
			Outputs: []chain.TxOut{{Value: cb.Outputs[0].Value - fee, PubKey: cfg.MinePayTo}}}
		sigHash := chain.CalcSigHash(cfg.Params.GenesisHash, tx.TxID(), 0, cb.Outputs)
		sig, err := schnorr.Sign(testPriv(), sigHash[:])
		if err != nil {
			t.Fatal(err)
		}
		tx.Inputs[0].Witness = sig.Serialize()
		return tx
	}

	events, err := client.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	tx := spend(hashes[0], 5000)
	txid, err := client.SendRawTransaction(ctx, tx)
	if err != nil || txid != tx.TxID() {
		t.Fatalf("sendrawtransaction: %v %v", txid, err)
	}
	if pool, err := client.GetRawMempool(ctx); err != nil || len(pool) != 1 || pool[0] != txid {
		t.Fatalf("mempool %v %v", pool, err)
	}
	mined, err := client.GenerateToAddress(ctx, 1, addr)
	if err != nil {
		t.Fatal(err)
	}
	b, err := client.GetBlock(ctx, mined[0])
	if err != nil || len(b.Txs) != 2 || b.Txs[1].TxID() != txid {
		t.Fatalf("the next block does not carry the transaction (%v)", err)
	}
	if b.Txs[0].Outputs[0].Value != cfg.Params.CalcBlockSubsidy(b.Txs[0].LockTime)+5000 {
		t.Fatal("coinbase does not collect the fee")
	}
	if pool, _ := client.GetRawMempool(ctx); len(pool) != 0 {
		t.Fatalf("mined transaction still in the mempool: %v", pool)
	}
	// /events told of the transaction entering the pool and leaving it
	// in the block.
	var seen []string
	for len(seen) < 2 {
		ev, err := events.Next()
		if err != nil {
			t.Fatalf("/events after %v: %v", seen, err)
		}
		switch ev.Type {
		case rpc.EventMempoolAdded, rpc.EventMempoolRemoved:
			if !strings.Contains(string(ev.Data), txid.String()) {
				t.Fatalf("%s event for another transaction: %s", ev.Type, ev.Data)
			}
			seen = append(seen, string(ev.Type)+" "+string(ev.Data))
		}
	}
	if !strings.HasPrefix(seen[0], string(rpc.EventMempoolAdded)) || !strings.Contains(seen[1], `"confirmed"`) {
		t.Fatalf("mempool events %v", seen)
	}

	// A double spend of a confirmed output is refused with a verify code.
	if _, err := client.SendRawTransaction(ctx, spend(hashes[0], 6000)); err == nil {
		t.Fatal("double spend accepted")
	}

	pending := spend(hashes[1], 7000)
	if _, err := client.SendRawTransaction(ctx, pending); err != nil {
		t.Fatal(err)
	}
	stop()
	_, client, stop = startRPCNode(t, cfg)
	defer stop()
	if pool, err := client.GetRawMempool(ctx); err != nil || len(pool) != 1 || pool[0] != pending.TxID() {
		t.Fatalf("mempool after restart %v %v", pool, err)
	}
}

// startRPCNode runs a node with RPC and returns a client; stop ends the
// node and waits for it.
func startRPCNode(t *testing.T, cfg Config) (*Node, *rpc.Client, func()) {
	t.Helper()
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	var auth rpc.Auth
	deadline := time.Now().Add(10 * time.Second)
	for {
		if auth, err = rpc.ReadCookie(filepath.Join(cfg.DataDir, rpc.CookieFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no cookie: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	client := rpc.NewClient("http://"+n.RPCAddr(), auth)
	if err := client.WaitReady(t.Context()); err != nil {
		stop()
		t.Fatal(err)
	}
	return n, client, stop
}
