package rpc

import (
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestChainMethods(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	c := h.client
	addrA := chain.EncodeAddress(h.params, keyA)

	var blocks []*chain.Block
	for range 3 {
		blocks = append(blocks, h.mine(keyA))
	}
	tip := blocks[2].BlockHash()

	t.Run("getblockcount", func(t *testing.T) {
		n, err := c.GetBlockCount(ctx)
		if err != nil || n != 3 {
			t.Fatalf("got %d, %v; want 3", n, err)
		}
	})
	t.Run("getbestblockhash", func(t *testing.T) {
		got, err := c.GetBestBlockHash(ctx)
		if err != nil || got != tip {
			t.Fatalf("got %v, %v; want %v", got, err, tip)
		}
	})
	t.Run("getblockhash", func(t *testing.T) {
		got, err := c.GetBlockHash(ctx, 2)
		if err != nil || got != blocks[1].BlockHash() {
			t.Fatalf("got %v, %v", got, err)
		}
		g, err := c.GetBlockHash(ctx, 0)
		if err != nil || g != h.params.GenesisHash {
			t.Fatalf("genesis: got %v, %v", g, err)
		}
		_, err = c.GetBlockHash(ctx, 4)
		wantCode(t, err, CodeInvalidParameter)
		wantCode(t, c.Call(ctx, "getblockhash", []any{-1}, nil), CodeInvalidParameter)
		wantCode(t, c.Call(ctx, "getblockhash", []any{1.5}, nil), CodeInvalidParams)
		wantCode(t, c.Call(ctx, "getblockhash", []any{"1"}, nil), CodeInvalidParams)
	})
	t.Run("getblockchaininfo", func(t *testing.T) {
		info, err := c.GetBlockchainInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.Chain != "regtest" || info.Blocks != 3 || info.Headers != 3 || info.BestBlockHash != tip ||
			info.Difficulty != 1 || len(info.ChainWork) != 64 || info.InitialBlockDownload {
			t.Fatalf("unexpected %+v", info)
		}
	})
	t.Run("getblock", func(t *testing.T) {
		b, err := c.GetBlock(ctx, tip)
		if err != nil || b.BlockHash() != tip {
			t.Fatalf("verbosity 0: %v", err)
		}
		v, err := c.GetBlockVerbose(ctx, tip)
		if err != nil {
			t.Fatal(err)
		}
		if v.Hash != tip || v.Height != 3 || v.Confirmations != 1 || v.NTx != 1 || v.Tx[0] != blocks[2].Txs[0].TxID() ||
			v.PreviousBlockHash == nil || *v.PreviousBlockHash != blocks[1].BlockHash() || v.NextBlockHash != nil {
			t.Fatalf("verbosity 1: %+v", v)
		}
		var full BlockVerboseResult
		if err := c.Call(ctx, "getblock", map[string]any{"blockhash": blocks[0].BlockHash(), "verbosity": 2}, &full); err != nil {
			t.Fatal(err)
		}
		if full.Confirmations != 3 || full.NextBlockHash == nil || len(full.Tx) != 1 || full.Tx[0].Vin[0].Coinbase == nil ||
			full.Tx[0].Vout[0].Value != 50*chain.UnitsPerFLT || full.Tx[0].Vout[0].Address != addrA {
			t.Fatalf("verbosity 2: %+v", full)
		}
		var hexBlock string
		if err := c.Call(ctx, "getblock", []any{tip, false}, &hexBlock); err != nil || !strings.HasPrefix(hexBlock, "01000000") {
			t.Fatalf("verbosity false: %q, %v", hexBlock, err)
		}
		wantCode(t, c.Call(ctx, "getblock", []any{tip, 3}, nil), CodeInvalidParameter)
		wantCode(t, c.Call(ctx, "getblock", []any{strings.Repeat("ab", 32)}, nil), CodeInvalidAddressOrKey)
		wantCode(t, c.Call(ctx, "getblock", []any{"xyz"}, nil), CodeInvalidParams)
	})
	t.Run("getblockheader", func(t *testing.T) {
		hdr, err := c.GetBlockHeader(ctx, blocks[1].BlockHash())
		if err != nil || hdr.Height != 2 || hdr.MerkleRoot != blocks[1].Header.MerkleRoot || hdr.Bits != bitsHex(h.params.PowLimitBits) {
			t.Fatalf("got %+v, %v", hdr, err)
		}
		var raw HexBytes
		if err := c.Call(ctx, "getblockheader", []any{tip, false}, &raw); err != nil {
			t.Fatal(err)
		}
		want := blocks[2].Header.Serialize()
		if string(raw) != string(want[:]) {
			t.Fatalf("hex header %x, want %x", raw, want)
		}
		wantCode(t, c.Call(ctx, "getblockheader", []any{strings.Repeat("00", 32)}, nil), CodeInvalidAddressOrKey)
	})
	t.Run("getrawtransaction", func(t *testing.T) {
		cb := blocks[1].Txs[0]
		tx, err := c.GetRawTransaction(ctx, cb.TxID())
		if err != nil || tx.TxID() != cb.TxID() {
			t.Fatalf("got %v", err)
		}
		v, err := c.GetRawTransactionVerbose(ctx, cb.TxID())
		if err != nil {
			t.Fatal(err)
		}
		if v.TxID != cb.TxID() || v.Hash != cb.WTxID() || v.BlockHash == nil || *v.BlockHash != blocks[1].BlockHash() ||
			v.Confirmations != 2 || v.Height != 2 || v.LockTime != 2 || v.InMempool {
			t.Fatalf("verbose: %+v", v)
		}
		_, err = c.GetRawTransaction(ctx, chain.Hash{1})
		wantCode(t, err, CodeInvalidAddressOrKey)
	})
	t.Run("listunspent and getbalance", func(t *testing.T) {
		us, err := c.ListUnspent(ctx, addrA)
		if err != nil || len(us) != 3 {
			t.Fatalf("got %v, %v", us, err)
		}
		for _, u := range us {
			if u.Amount != 50*chain.UnitsPerFLT || !u.Coinbase || u.Spendable || u.Address != addrA || u.Confirmations != 4-u.Height {
				t.Fatalf("unexpected %+v", u)
			}
			// The time of the block at the output's height.
			if want := int64(blocks[u.Height-1].Header.Time); u.BlockTime != want {
				t.Fatalf("output of height %d: blocktime %d, want %d", u.Height, u.BlockTime, want)
			}
		}
		bal, err := c.GetBalance(ctx, addrA)
		if err != nil || bal != 150*chain.UnitsPerFLT {
			t.Fatalf("balance %v, %v", bal, err)
		}
		var deep chain.Amount
		if err := c.Call(ctx, "getbalance", []any{addrA, 3}, &deep); err != nil || deep != 50*chain.UnitsPerFLT {
			t.Fatalf("balance with minconf 3: %v, %v", deep, err)
		}
		none, err := c.ListUnspent(ctx, chain.EncodeAddress(h.params, keyB))
		if err != nil || none == nil || len(none) != 0 {
			t.Fatalf("empty address: %v, %v", none, err)
		}
		_, err = c.GetBalance(ctx, chain.EncodeAddress(chain.MainNetParams(), keyA))
		wantCode(t, err, CodeInvalidAddressOrKey)
		_, err = c.ListUnspent(ctx, "rflt1nonsense")
		wantCode(t, err, CodeInvalidAddressOrKey)
	})
	t.Run("validateaddress", func(t *testing.T) {
		info, err := c.ValidateAddress(ctx, addrA)
		if err != nil || !info.IsValid || info.Address != addrA || string(info.PubKey) != string(keyA[:]) || info.WitnessVersion != 1 {
			t.Fatalf("got %+v, %v", info, err)
		}
		info, err = c.ValidateAddress(ctx, chain.EncodeAddress(chain.TestNetParams(), keyA))
		if err != nil || info.IsValid || info.Error == "" {
			t.Fatalf("other network: %+v, %v", info, err)
		}
	})
	t.Run("submitblock", func(t *testing.T) {
		reason, err := c.SubmitBlock(ctx, blocks[2])
		if err != nil || reason != SubmitDuplicate {
			t.Fatalf("duplicate: %q, %v", reason, err)
		}
		bad := newBlock(h.chain, keyA)
		for chain.CheckProofOfWork(bad.BlockHash(), bad.Header.Bits, h.params.PowLimit) == nil {
			bad.Header.Nonce++
		}
		reason, err = c.SubmitBlock(ctx, bad)
		if err != nil || !strings.HasPrefix(reason, string(chain.ErrHighHash)) {
			t.Fatalf("high hash: %q, %v", reason, err)
		}
		orphan := newBlock(h.chain, keyA)
		orphan.Header.Prev = chain.Hash{7}
		reason, err = c.SubmitBlock(ctx, solve(orphan))
		if err != nil || reason != SubmitInconclusive {
			t.Fatalf("orphan: %q, %v", reason, err)
		}
		wantCode(t, c.Call(ctx, "submitblock", []any{"zz"}, nil), CodeDeserialization)
		wantCode(t, c.Call(ctx, "submitblock", []any{"0100"}, nil), CodeDeserialization)
	})
	t.Run("invalidateblock and reconsiderblock", func(t *testing.T) {
		if err := c.InvalidateBlock(ctx, blocks[1].BlockHash()); err != nil {
			t.Fatal(err)
		}
		if n, _ := c.GetBlockCount(ctx); n != 1 {
			t.Fatalf("after invalidateblock the height is %d, want 1", n)
		}
		hdr, err := c.GetBlockHeader(ctx, tip)
		if err != nil || hdr.Confirmations != -1 {
			t.Fatalf("off-chain header: %+v, %v", hdr, err)
		}
		if err := c.ReconsiderBlock(ctx, blocks[1].BlockHash()); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.GetBestBlockHash(ctx); got != tip {
			t.Fatalf("after reconsiderblock the tip is %v, want %v", got, tip)
		}
		wantCode(t, c.InvalidateBlock(ctx, chain.Hash{9}), CodeInvalidAddressOrKey)
		wantCode(t, c.ReconsiderBlock(ctx, chain.Hash{9}), CodeInvalidAddressOrKey)
		wantCode(t, c.InvalidateBlock(ctx, h.params.GenesisHash), CodeInvalidParameter)
	})
}

// TestBlockchainInfoHeadersAhead reports headers and blocks apart, as
// Bitcoin Core does, while bodies are still missing.
func TestBlockchainInfoHeadersAhead(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	h.mine(keyA)
	b := solve(newBlock(h.chain, keyA))
	if _, err := h.chain.ProcessHeaders(ctx, []chain.Header{b.Header}); err != nil {
		t.Fatal(err)
	}
	info, err := h.client.GetBlockchainInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Blocks != 1 || info.Headers != 2 {
		t.Fatalf("blocks %d headers %d, want 1 and 2", info.Blocks, info.Headers)
	}
}

// TestGetTxOutSetInfo checks gettxoutsetinfo against what was mined: the
// total is the subsidies, the hash is the chain's.
func TestGetTxOutSetInfo(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	var tip chain.Hash
	for range 4 {
		tip = h.mine(keyA).BlockHash()
	}
	got, err := h.client.GetTxOutSetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := h.chain.UtxoSetInfo()
	if err != nil {
		t.Fatal(err)
	}
	if got.Height != 4 || got.BestBlock != tip || got.TxOuts != 4 || got.Transactions != 4 ||
		got.TotalAmount.Units() != 4*h.params.CalcBlockSubsidy(1) || got.HashSerialized != want.SetHash {
		t.Fatalf("gettxoutsetinfo: %+v, want height 4 at %v, 4 outputs totalling %d, hash %v",
			got, tip, 4*h.params.CalcBlockSubsidy(1), want.SetHash)
	}
}
