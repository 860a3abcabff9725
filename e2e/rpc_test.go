//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// TestNodeRPCWalk starts flint node --dev as a process and calls every RPC
// method with valid and with invalid parameters, watches /events for a
// block, checks that a request without credentials gets 401, stops the
// node with SIGTERM and finds the same tip after a restart.
func TestNodeRPCWalk(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	params := chain.RegTestParams()
	args := []string{"node", "--dev", "--dev.period", "200ms", "--datadir", dir, "--rpc.addr", rpcAddr,
		"--mine.address", chain.EncodeAddress(params, testKey()),
		"--p2p.listen", "/ip4/127.0.0.1/tcp/0", "--p2p.mdns=false", "--p2p.dht=false"}
	node := start(t, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := dial(t, ctx, dir, rpcAddr)

	// A block event arrives on /events.
	events, err := client.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := events.Next()
		if err != nil {
			t.Fatalf("/events: %v", err)
		}
		if ev.Type == rpc.EventBlockConnected {
			if ev.Seq == 0 {
				t.Fatal("block event without a sequence number")
			}
			break
		}
	}
	events.Close()

	// Without credentials: 401.
	resp, err := http.Post("http://"+rpcAddr, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: HTTP %d, want 401", resp.StatusCode)
	}
	if _, err := rpc.NewClient("http://"+rpcAddr, rpc.Auth{User: "__cookie__", Password: "wrong"}).GetBlockCount(ctx); !errors.Is(err, rpc.ErrUnauthorized) {
		t.Fatalf("wrong credentials: %v", err)
	}

	// Mature coins to spend, and a transaction in the mempool.
	addrRaw := devAddress(t, node)
	if _, err := client.GenerateToAddress(ctx, int(params.CoinbaseMaturity)+1, addrRaw); err != nil {
		t.Fatal(err)
	}
	best, err := client.GetBestBlockHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := client.GetBlockCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h1, err := client.GetBlockHash(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := client.GetBlock(ctx, h1)
	if err != nil {
		t.Fatal(err)
	}
	cbTxID := b1.Txs[0].TxID()

	// Every method, once with valid parameters and once with invalid ones.
	var methods []string
	var helpText string
	if err := client.Call(ctx, "help", nil, &helpText); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(helpText, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			methods = append(methods, f[0]) // each line is "method [params]"
		}
	}
	var netInfo rpc.NetworkInfo
	if err := client.Call(ctx, "getnetworkinfo", nil, &netInfo); err != nil || len(netInfo.LocalAddresses) == 0 {
		t.Fatalf("getnetworkinfo: %+v %v", netInfo, err)
	}
	self := netInfo.LocalAddresses[0]
	valid := map[string][]any{
		"getblockchaininfo": nil, "getbestblockhash": nil, "getblockcount": nil,
		"getblockhash":       {1},
		"getblock":           {best.String(), 1},
		"getblockheader":     {best.String()},
		"getchaintips":       {},
		"gettxoutsetinfo":    {},
		"getrawtransaction":  {cbTxID.String(), true},
		"sendrawtransaction": nil, // below, with a real transaction
		"getmempoolinfo":     nil, "getrawmempool": nil,
		"estimatefee": {6}, "estimatesmartfee": {6, "conservative"}, "uptime": nil,
		"getnetworkinfo": nil, "getmininginfo": nil,
		"getblocktemplate":  {addrRaw},
		"getwork":           {},
		"submitblock":       nil, // below, with a solved template
		"generatetoaddress": {1, addrRaw},
		"listunspent":       {addrRaw},
		"getbalance":        {addrRaw},
		"validateaddress":   {addrRaw},
		"invalidateblock":   nil, // below
		"reconsiderblock":   nil,
		"help":              {"getblock"},
		"stop":              nil, // last
		"getpeerinfo":       nil, "getconnectioncount": nil, "listbanned": nil, "clearbanned": nil,
		"setban":         {"127.0.0.2", "add", 60},
		"addnode":        {self, "add"},
		"disconnectnode": nil, // needs a connected peer: p2p's TestDisconnectNode
	}
	invalid := map[string][]any{
		"getblockhash": {"ten"}, "getblock": {"nothex"}, "getblockheader": {42},
		"getrawtransaction": {"zz"}, "sendrawtransaction": {"00"}, "estimatefee": {"soon"}, "estimatesmartfee": {"soon"}, "uptime": {1, 2},
		"getblocktemplate": {"flt1notanaddress"}, "submitblock": {"00"}, "getwork": {"zz"},
		"generatetoaddress": {"many", addrRaw}, "listunspent": {"bad"}, "getbalance": {7},
		"invalidateblock": {"nothex"}, "reconsiderblock": {"nothex"}, "validateaddress": {5},
		"getblockchaininfo": {"extra", "params"}, "getbestblockhash": {1, 2, 3}, "getblockcount": {"x", "y"},
		"getmempoolinfo": {1, 2}, "getrawmempool": {"yes", 2}, "getnetworkinfo": {1, 2},
		"getmininginfo": {1, 2}, "help": {5}, "stop": {1, 2},
		"getchaintips": {"all"}, "gettxoutsetinfo": {"muhash"},
		"getpeerinfo": {1, 2}, "getconnectioncount": {1, 2}, "listbanned": {1, 2}, "clearbanned": {1, 2},
		"setban": {"x", "ban"}, "addnode": {"notamultiaddr", "add"}, "disconnectnode": {"notapeerid"},
	}
	if len(methods) < 20 {
		t.Fatalf("help lists %d methods: %q", len(methods), helpText)
	}
	for _, m := range methods {
		p, ok := valid[m]
		if !ok {
			t.Errorf("method %s has no valid-params case in this walk", m)
			continue
		}
		if p != nil || m == "getblockchaininfo" || m == "getbestblockhash" || m == "getblockcount" ||
			m == "getmempoolinfo" || m == "getrawmempool" || m == "getnetworkinfo" || m == "getmininginfo" ||
			m == "getpeerinfo" || m == "getconnectioncount" || m == "listbanned" || m == "clearbanned" || m == "uptime" {
			var out json.RawMessage
			if err := client.Call(ctx, m, p, &out); err != nil {
				t.Errorf("%s %v: %v", m, p, err)
			}
		}
		bad, ok := invalid[m]
		if !ok {
			t.Errorf("method %s has no invalid-params case in this walk", m)
			continue
		}
		if m == "stop" {
			continue // stop with bad params is checked last
		}
		var rerr *rpc.Error
		if err := client.Call(ctx, m, bad, nil); !errors.As(err, &rerr) {
			t.Errorf("%s %v: %v, want a JSON-RPC error", m, bad, err)
		}
	}

	// sendrawtransaction with a real spend of a mature coinbase.
	tx := spendCoinbase(t, b1, params)
	if id, err := client.SendRawTransaction(ctx, tx); err != nil || id != tx.TxID() {
		t.Fatalf("sendrawtransaction: %v %v", id, err)
	}
	// submitblock with a solved template (which carries the transaction).
	tmpl, err := client.GetBlockTemplate(ctx, addrRaw)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := tmpl.DecodeBlock()
	if err != nil {
		t.Fatal(err)
	}
	for chain.CheckProofOfWork(blk.BlockHash(), blk.Header.Bits, params.PowLimit) != nil {
		blk.Header.Nonce++
	}
	if res, err := client.SubmitBlock(ctx, blk); err != nil || (res != "" && res != "inconclusive") {
		t.Fatalf("submitblock: %q %v", res, err)
	}
	// invalidateblock / reconsiderblock on the tip.
	tipHash, _ := client.GetBestBlockHash(ctx)
	if err := client.InvalidateBlock(ctx, tipHash); err != nil {
		t.Fatal(err)
	}
	if err := client.ReconsiderBlock(ctx, tipHash); err != nil {
		t.Fatal(err)
	}
	var rerr *rpc.Error
	if err := client.Call(ctx, "stop", invalid["stop"], nil); !errors.As(err, &rerr) {
		t.Errorf("stop with bad params: %v", err)
	}
	if err := client.Call(ctx, "nosuchmethod", nil, nil); !errors.As(err, &rerr) || rerr.Code != -32601 {
		t.Errorf("unknown method: %v", err)
	}

	// SIGTERM, then a restart on the same directory finds the same tip.
	before, _ := client.GetBestBlockHash(ctx)
	beforeHeight, _ := client.GetBlockCount(ctx)
	node.cmd.Process.Signal(syscall.SIGTERM)
	node.wait(t, 5*time.Second)
	node = start(t, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", rpcAddr)
	client = dial(t, ctx, dir, rpcAddr)
	after, err := client.GetBestBlockHash(ctx)
	if err != nil || after != before {
		t.Fatalf("tip after restart %v (%v), want %v", after, err, before)
	}
	if h, _ := client.GetBlockCount(ctx); h != beforeHeight || h <= tip {
		t.Fatalf("height after restart %d, want %d", h, beforeHeight)
	}
	if err := client.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	node.wait(t, 5*time.Second)
}

// dial waits for the node's cookie and RPC server and returns a client.
func dial(t *testing.T, ctx context.Context, dir, rpcAddr string) *rpc.Client {
	t.Helper()
	var auth rpc.Auth
	eventually(t, "the RPC cookie", func() bool {
		var err error
		auth, err = rpc.ReadCookie(filepath.Join(dir, rpc.CookieFile))
		return err == nil
	})
	c := rpc.NewClient("http://"+rpcAddr, auth)
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// devAddress reads the address a dev node mines to from its summary.
func devAddress(t *testing.T, node *process) string {
	var addr string
	eventually(t, "the dev summary", func() bool {
		for _, line := range strings.Split(node.out.String(), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "mining" && f[1] == "to:" {
				addr = f[2]
			}
		}
		return addr != ""
	})
	return addr
}

// spendCoinbase signs a spend of b's coinbase, which pays testKey.
func spendCoinbase(t *testing.T, b *chain.Block, p *chain.Params) *chain.Tx {
	t.Helper()
	priv := testPriv()
	cb := b.Txs[0]
	tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.OutPoint{TxID: cb.TxID()}}},
		Outputs: []chain.TxOut{{Value: cb.Outputs[0].Value - 10_000, PubKey: cb.Outputs[0].PubKey}}}
	sigHash := chain.CalcSigHash(p.GenesisHash, tx.TxID(), 0, cb.Outputs)
	sig, err := signWith(priv, sigHash)
	if err != nil {
		t.Fatal(err)
	}
	tx.Inputs[0].Witness = sig
	return tx
}

// testPriv is the key the walk's node mines to.
func testPriv() *btcec.PrivateKey {
	priv, _ := btcec.PrivKeyFromBytes([]byte("flint e2e test key, 32 bytes!!!!"))
	return priv
}

// testKey is testPriv's x-only key.
func testKey() (k [32]byte) {
	copy(k[:], schnorr.SerializePubKey(testPriv().PubKey()))
	return k
}

// signWith returns the BIP-340 signature of sigHash by priv.
func signWith(priv *btcec.PrivateKey, sigHash chain.Hash) ([]byte, error) {
	sig, err := schnorr.Sign(priv, sigHash[:])
	if err != nil {
		return nil, err
	}
	return sig.Serialize(), nil
}
