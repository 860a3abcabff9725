package rpc

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/version"
)

// spendTx is a decodable (unsigned) transaction for the fake mempool.
func spendTx(prev chain.Hash) *chain.Tx {
	return &chain.Tx{
		Version:  1,
		Inputs:   []chain.TxIn{{Prev: chain.OutPoint{TxID: prev, Index: 0}, Witness: make([]byte, 64)}},
		Outputs:  []chain.TxOut{{Value: 10 * chain.UnitsPerFLT, PubKey: keyB}},
		LockTime: 0,
	}
}

// fakePool is a mempool of one map, enough to drive the mempool methods.
type fakePool struct {
	mu  sync.Mutex
	txs map[chain.Hash]*chain.Tx
	err error // returned by send when set
}

func (p *fakePool) send(_ context.Context, tx *chain.Tx) (chain.Hash, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return chain.Hash{}, p.err
	}
	p.txs[tx.TxID()] = tx
	return tx.TxID(), nil
}

func (p *fakePool) entries() []MempoolEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	var es []MempoolEntry
	for _, tx := range p.txs {
		es = append(es, MempoolEntry{Tx: tx, Fee: 1000, Time: time.Unix(1700000000, 0), Height: 3})
	}
	return es
}

func (p *fakePool) get(id chain.Hash) (*chain.Tx, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tx, ok := p.txs[id]
	return tx, ok
}

func TestMempoolMethods(t *testing.T) {
	pool := &fakePool{txs: map[chain.Hash]*chain.Tx{}}
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.SendTx = pool.send
		cfg.MempoolTxs = pool.entries
		cfg.MempoolTx = pool.get
		cfg.MempoolInfo = func() MempoolInfo {
			return MempoolInfo{Size: len(pool.entries()), Bytes: 130, MaxMempool: 300 << 20, MinFeeRate: 1}
		}
		cfg.EstimateFee = func(n int) uint64 { return uint64(20 / n) }
		cfg.MempoolSpends = func(op chain.OutPoint) bool { _, ok := pool.get(spendTx(op.TxID).TxID()); return ok }
	})
	ctx := ctxT(t)
	c := h.client
	b := h.mine(keyA)
	cb := b.Txs[0].TxID()

	tx := spendTx(cb)
	got, err := c.SendRawTransaction(ctx, tx)
	if err != nil || got != tx.TxID() {
		t.Fatalf("sendrawtransaction: %v, %v", got, err)
	}
	ids, err := c.GetRawMempool(ctx)
	if err != nil || len(ids) != 1 || ids[0] != tx.TxID() {
		t.Fatalf("getrawmempool: %v, %v", ids, err)
	}
	var verbose map[string]MempoolEntryResult
	if err := c.Call(ctx, "getrawmempool", []any{true}, &verbose); err != nil {
		t.Fatal(err)
	}
	if e := verbose[tx.TxID().String()]; e.Fee != 1000 || e.Size != tx.SerializeSize() || e.WTxID != tx.WTxID() {
		t.Fatalf("verbose entry %+v", e)
	}
	info, err := c.GetMempoolInfo(ctx)
	if err != nil || info.Size != 1 || info.MaxMempool != 300<<20 {
		t.Fatalf("getmempoolinfo: %+v, %v", info, err)
	}
	mtx, err := c.GetRawTransactionVerbose(ctx, tx.TxID())
	if err != nil || !mtx.InMempool || mtx.BlockHash != nil || mtx.Vin[0].TxID == nil || *mtx.Vin[0].TxID != cb {
		t.Fatalf("mempool getrawtransaction: %+v, %v", mtx, err)
	}
	fee, err := c.EstimateFee(ctx, 2)
	if err != nil || fee.UnitsPerByte != 10 || fee.FeeRate != 10_000 || fee.Blocks != 2 {
		t.Fatalf("estimatefee: %+v, %v", fee, err)
	}
	var def FeeEstimate
	if err := c.Call(ctx, "estimatefee", nil, &def); err != nil || def.Blocks != 6 {
		t.Fatalf("estimatefee default: %+v, %v", def, err)
	}
	wantCode(t, c.Call(ctx, "estimatefee", []any{0}, nil), CodeInvalidParameter)
	wantCode(t, c.Call(ctx, "estimatefee", []any{"six"}, nil), CodeInvalidParams)
	var smart map[string]any
	if err := c.Call(ctx, "estimatesmartfee", []any{2, "conservative"}, &smart); err != nil ||
		smart["feerate"] != 0.0001 || smart["blocks"] != 2.0 || len(smart) != 2 {
		t.Fatalf("estimatesmartfee: %v, %v", smart, err)
	}
	wantCode(t, c.Call(ctx, "estimatesmartfee", nil, nil), CodeInvalidParams)
	wantCode(t, c.Call(ctx, "estimatesmartfee", []any{2, "fast"}, nil), CodeInvalidParameter)

	// The output the mempool spends is no longer listed.
	us, err := c.ListUnspent(ctx, chain.EncodeAddress(h.params, keyA))
	if err != nil || len(us) != 0 {
		t.Fatalf("listunspent with a mempool spend: %v, %v", us, err)
	}

	t.Run("errors", func(t *testing.T) {
		wantCode(t, c.Call(ctx, "sendrawtransaction", []any{"nothex"}, nil), CodeDeserialization)
		wantCode(t, c.Call(ctx, "sendrawtransaction", []any{"01000000"}, nil), CodeDeserialization)
		_, err := c.SendRawTransaction(ctx, b.Txs[0])
		wantCode(t, err, CodeVerifyAlreadyInChain)
		pool.mu.Lock()
		pool.err = chain.RuleError{Err: chain.ErrMissingInput, Description: "no such output"}
		pool.mu.Unlock()
		_, err = c.SendRawTransaction(ctx, spendTx(chain.Hash{5}))
		wantCode(t, err, CodeVerify)
		pool.mu.Lock()
		pool.err = errors.New("fee below the minimum relay fee")
		pool.mu.Unlock()
		_, err = c.SendRawTransaction(ctx, spendTx(chain.Hash{5}))
		wantCode(t, err, CodeVerifyRejected)
		if !strings.Contains(err.Error(), "minimum relay fee") {
			t.Fatalf("the reason is lost: %v", err)
		}
		pool.mu.Lock()
		pool.err = &Error{Code: -26, Message: "custom"}
		pool.mu.Unlock()
		_, err = c.SendRawTransaction(ctx, spendTx(chain.Hash{5}))
		wantCode(t, err, -26)
	})
}

func TestMempoolMethodsWithoutMempool(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	c := h.client
	for _, call := range []struct {
		method string
		params []any
	}{
		{"getmempoolinfo", nil},
		{"getrawmempool", nil},
		{"estimatefee", []any{3}},
		{"sendrawtransaction", []any{HexBytes(spendTx(chain.Hash{1}).Serialize())}},
	} {
		err := c.Call(ctx, call.method, call.params, nil)
		wantCode(t, err, CodeMempoolDisabled)
		if !strings.Contains(err.Error(), "mempool not available") {
			t.Errorf("%s: %v", call.method, err)
		}
	}
	// getrawtransaction still finds confirmed transactions.
	b := h.mine(keyA)
	if _, err := c.GetRawTransaction(ctx, b.Txs[0].TxID()); err != nil {
		t.Fatal(err)
	}
}

func TestMiningMethods(t *testing.T) {
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Generate = generate(h.chain)
		cfg.BlockTemplate = func(payTo [32]byte) (*chain.Block, error) { return newBlock(h.chain, payTo), nil }
		cfg.MinerStatus = func() MinerStatus { return MinerStatus{Mining: true, Threads: 2, HashRate: 1234.5} }
	})
	ctx := ctxT(t)
	c := h.client
	addrB := chain.EncodeAddress(h.params, keyB)

	hashes, err := c.GenerateToAddress(ctx, 3, addrB)
	if err != nil || len(hashes) != 3 {
		t.Fatalf("generatetoaddress: %v, %v", hashes, err)
	}
	if best, _ := c.GetBestBlockHash(ctx); best != hashes[2] {
		t.Fatalf("tip %v, want %v", best, hashes[2])
	}
	if bal, _ := c.GetBalance(ctx, addrB); bal != 150*chain.UnitsPerFLT {
		t.Fatalf("balance after generate %v", bal)
	}
	_, err = c.GenerateToAddress(ctx, 0, addrB)
	wantCode(t, err, CodeInvalidParameter)
	_, err = c.GenerateToAddress(ctx, 1, "rflt1bad")
	wantCode(t, err, CodeInvalidAddressOrKey)
	wantCode(t, c.Call(ctx, "generatetoaddress", []any{1}, nil), CodeInvalidParams)

	tmpl, err := c.GetBlockTemplate(ctx, addrB)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.Height != 4 || tmpl.PreviousBlockHash != hashes[2] || tmpl.CoinbaseValue != 50*chain.UnitsPerFLT ||
		len(tmpl.Transactions) != 0 || len(tmpl.Target) != 64 {
		t.Fatalf("template %+v", tmpl)
	}
	b, err := tmpl.DecodeBlock()
	if err != nil {
		t.Fatal(err)
	}
	if reason, err := c.SubmitBlock(ctx, solve(b)); err != nil || reason != "" {
		t.Fatalf("submitting the solved template: %q, %v", reason, err)
	}
	_, err = c.GetBlockTemplate(ctx, "nope")
	wantCode(t, err, CodeInvalidAddressOrKey)

	mi, err := c.GetMiningInfo(ctx)
	if err != nil || mi.Blocks != 4 || mi.HashesPerSec != 1234.5 || !mi.Mining || mi.Threads != 2 || mi.Chain != "regtest" || mi.Difficulty != 1 {
		t.Fatalf("getmininginfo: %+v, %v", mi, err)
	}
}

func TestMiningMethodsUnavailable(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	c := h.client
	addr := chain.EncodeAddress(h.params, keyA)
	_, err := c.GenerateToAddress(ctx, 1, addr)
	wantCode(t, err, CodeMisc)
	if !strings.Contains(err.Error(), "regtest and in dev mode only") {
		t.Fatalf("unclear refusal: %v", err)
	}
	_, err = c.GetBlockTemplate(ctx, addr)
	wantCode(t, err, CodeMisc)
	mi, err := c.GetMiningInfo(ctx)
	if err != nil || mi.Mining || mi.HashesPerSec != 0 {
		t.Fatalf("getmininginfo without a miner: %+v, %v", mi, err)
	}
	wantCode(t, c.Stop(ctx), CodeMisc)
}

// TestNetworkInfoVersionFromRelease: getnetworkinfo's version and
// subversion are internal/version's, whatever the node's NetworkInfo says.
func TestNetworkInfoVersionFromRelease(t *testing.T) {
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.NetworkInfo = func() NetworkInfo {
			return NetworkInfo{Version: 1, Subversion: "/stale:0.0.1/", ProtocolVersion: 1, Connections: 2}
		}
	})
	ni, err := h.client.GetNetworkInfo(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if ni.Version != version.Number || ni.Subversion != version.Subversion || ni.Connections != 2 {
		t.Fatalf("getnetworkinfo: version %d subversion %q connections %d, want %d %q 2",
			ni.Version, ni.Subversion, ni.Connections, version.Number, version.Subversion)
	}
}

func TestControlMethods(t *testing.T) {
	stopped := make(chan struct{})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Stop = func() { close(stopped) }
	})
	ctx := ctxT(t)
	c := h.client

	ni, err := c.GetNetworkInfo(ctx)
	if err != nil || ni.Network != "regtest" || ni.Connections != 0 || ni.LocalAddresses == nil ||
		ni.Version != version.Number || ni.Subversion != version.Subversion {
		t.Fatalf("getnetworkinfo: %+v, %v", ni, err)
	}
	var up int64
	if err := c.Call(ctx, "uptime", nil, &up); err != nil || up < 0 || up > 60 {
		t.Fatalf("uptime: %d, %v", up, err)
	}
	var all string
	if err := c.Call(ctx, "help", nil, &all); err != nil {
		t.Fatal(err)
	}
	for _, name := range h.srv.Methods() {
		if !strings.Contains(all, name) {
			t.Errorf("help does not list %s", name)
		}
	}
	var one string
	if err := c.Call(ctx, "help", []any{"getblock"}, &one); err != nil || !strings.HasPrefix(one, "getblock blockhash [verbosity]") {
		t.Fatalf("help getblock: %q, %v", one, err)
	}
	wantCode(t, c.Call(ctx, "help", []any{"nosuch"}, nil), CodeInvalidParameter)

	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not call Config.Stop")
	}
}
