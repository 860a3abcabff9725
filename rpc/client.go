package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
)

// ErrUnauthorized is returned (wrapped) by the Client when the server
// refuses its credentials (HTTP 401).
var ErrUnauthorized = errors.New("rpc: unauthorized: wrong or missing credentials")

// Client calls a Flint node's JSON-RPC server. It is safe for concurrent
// use. Errors the server answers are *Error (use errors.As to read the
// code); transport failures are other errors.
type Client struct {
	url  string
	auth Auth
	http *http.Client
	id   atomic.Uint64
}

// NewClient returns a client of the server at url (for example
// "http://127.0.0.1:28331") with the given credentials.
func NewClient(url string, auth Auth) *Client {
	return &Client{url: url, auth: auth, http: &http.Client{}}
}

// SetHTTPClient replaces the HTTP client (for timeouts or transports of the
// caller's choosing). Call it before the first call.
func (c *Client) SetHTTPClient(h *http.Client) { c.http = h }

// Call calls method with params (a slice for positional params, a map or
// struct for named ones, nil for none) and decodes the result into result
// (which may be nil to discard it).
func (c *Client) Call(ctx context.Context, method string, params any, result any) error {
	id := c.id.Add(1)
	body, err := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		ID      uint64 `json:"id"`
		Method  string `json:"method"`
		Params  any    `json:"params,omitempty"`
	}{"2.0", id, method, params})
	if err != nil {
		return fmt.Errorf("rpc: encode %s params: %w", method, err)
	}
	resp, err := c.post(ctx, "/", body)
	if err != nil {
		return err
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *Error          `json:"error"`
		ID     json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return fmt.Errorf("rpc: %s: malformed response: %w", method, err)
	}
	if out.Error != nil {
		return out.Error
	}
	if string(out.ID) != strconv.FormatUint(id, 10) {
		return fmt.Errorf("rpc: %s: response id %s does not match request id %d", method, out.ID, id)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(out.Result, result); err != nil {
		return fmt.Errorf("rpc: %s: cannot decode result: %w", method, err)
	}
	return nil
}

// post sends one JSON body and returns the response body. An HTTP error
// whose body is a JSON-RPC error comes back as that *Error.
func (c *Client) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("rpc: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.auth.User, c.auth.Password)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rpc: cannot reach the node at %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("rpc: read response: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, ErrUnauthorized
	case resp.StatusCode != http.StatusOK:
		var e struct{ Error *Error }
		if json.Unmarshal(data, &e) == nil && e.Error != nil {
			return nil, e.Error
		}
		return nil, fmt.Errorf("rpc: HTTP %s: %s", resp.Status, bytes.TrimSpace(data))
	}
	return data, nil
}

// GetBlockchainInfo calls getblockchaininfo.
func (c *Client) GetBlockchainInfo(ctx context.Context) (*BlockchainInfo, error) {
	var r BlockchainInfo
	return &r, c.Call(ctx, "getblockchaininfo", nil, &r)
}

// GetBlockCount calls getblockcount.
func (c *Client) GetBlockCount(ctx context.Context) (uint32, error) {
	var n uint32
	return n, c.Call(ctx, "getblockcount", nil, &n)
}

// GetTxOutSetInfo calls gettxoutsetinfo.
func (c *Client) GetTxOutSetInfo(ctx context.Context) (*TxOutSetInfo, error) {
	var r TxOutSetInfo
	return &r, c.Call(ctx, "gettxoutsetinfo", nil, &r)
}

// GetBestBlockHash calls getbestblockhash.
func (c *Client) GetBestBlockHash(ctx context.Context) (chain.Hash, error) {
	var h chain.Hash
	return h, c.Call(ctx, "getbestblockhash", nil, &h)
}

// GetBlockHash calls getblockhash.
func (c *Client) GetBlockHash(ctx context.Context, height uint32) (chain.Hash, error) {
	var h chain.Hash
	return h, c.Call(ctx, "getblockhash", []any{height}, &h)
}

// GetBlock calls getblock with verbosity 0 and decodes the block.
func (c *Client) GetBlock(ctx context.Context, h chain.Hash) (*chain.Block, error) {
	var raw HexBytes
	if err := c.Call(ctx, "getblock", []any{h, 0}, &raw); err != nil {
		return nil, err
	}
	return chain.DecodeBlock(raw, len(raw))
}

// GetBlockVerbose calls getblock with verbosity 1.
func (c *Client) GetBlockVerbose(ctx context.Context, h chain.Hash) (*BlockResult, error) {
	var r BlockResult
	return &r, c.Call(ctx, "getblock", []any{h, 1}, &r)
}

// GetBlockHeader calls getblockheader (verbose).
func (c *Client) GetBlockHeader(ctx context.Context, h chain.Hash) (*BlockHeaderResult, error) {
	var r BlockHeaderResult
	return &r, c.Call(ctx, "getblockheader", []any{h, true}, &r)
}

// GetRawTransaction calls getrawtransaction and decodes the transaction.
func (c *Client) GetRawTransaction(ctx context.Context, txid chain.Hash) (*chain.Tx, error) {
	var raw HexBytes
	if err := c.Call(ctx, "getrawtransaction", []any{txid, false}, &raw); err != nil {
		return nil, err
	}
	return chain.DecodeTx(raw)
}

// GetRawTransactionVerbose calls getrawtransaction with verbose true.
func (c *Client) GetRawTransactionVerbose(ctx context.Context, txid chain.Hash) (*TxResult, error) {
	var r TxResult
	return &r, c.Call(ctx, "getrawtransaction", []any{txid, true}, &r)
}

// SendRawTransaction calls sendrawtransaction with the serialized tx and
// returns the txid the node accepted.
func (c *Client) SendRawTransaction(ctx context.Context, tx *chain.Tx) (chain.Hash, error) {
	var h chain.Hash
	return h, c.Call(ctx, "sendrawtransaction", []any{HexBytes(tx.Serialize())}, &h)
}

// GetMempoolInfo calls getmempoolinfo.
func (c *Client) GetMempoolInfo(ctx context.Context) (*MempoolInfo, error) {
	var r MempoolInfo
	return &r, c.Call(ctx, "getmempoolinfo", nil, &r)
}

// GetRawMempool calls getrawmempool (txids only).
func (c *Client) GetRawMempool(ctx context.Context) ([]chain.Hash, error) {
	var r []chain.Hash
	return r, c.Call(ctx, "getrawmempool", nil, &r)
}

// EstimateFee calls estimatefee for confirmation within targetBlocks.
func (c *Client) EstimateFee(ctx context.Context, targetBlocks int) (*FeeEstimate, error) {
	var r FeeEstimate
	return &r, c.Call(ctx, "estimatefee", []any{targetBlocks}, &r)
}

// GetNetworkInfo calls getnetworkinfo.
func (c *Client) GetNetworkInfo(ctx context.Context) (*NetworkInfo, error) {
	var r NetworkInfo
	return &r, c.Call(ctx, "getnetworkinfo", nil, &r)
}

// GetMiningInfo calls getmininginfo.
func (c *Client) GetMiningInfo(ctx context.Context) (*MiningInfo, error) {
	var r MiningInfo
	return &r, c.Call(ctx, "getmininginfo", nil, &r)
}

// GetBlockTemplate calls getblocktemplate for a block paying address.
func (c *Client) GetBlockTemplate(ctx context.Context, address string) (*BlockTemplate, error) {
	var r BlockTemplate
	return &r, c.Call(ctx, "getblocktemplate", []any{address}, &r)
}

// SubmitBlock calls submitblock. It returns "" when the block extended the
// main chain, otherwise the server's reason (SubmitDuplicate,
// SubmitInconclusive, or a rule error's kind and description).
func (c *Client) SubmitBlock(ctx context.Context, b *chain.Block) (string, error) {
	var reason *string
	if err := c.Call(ctx, "submitblock", []any{HexBytes(b.Serialize())}, &reason); err != nil {
		return "", err
	}
	if reason == nil {
		return "", nil
	}
	return *reason, nil
}

// GenerateToAddress calls generatetoaddress (regtest and dev mode).
func (c *Client) GenerateToAddress(ctx context.Context, n int, address string) ([]chain.Hash, error) {
	var r []chain.Hash
	return r, c.Call(ctx, "generatetoaddress", []any{n, address}, &r)
}

// ListUnspent calls listunspent for address (minimum one confirmation).
func (c *Client) ListUnspent(ctx context.Context, address string) ([]Unspent, error) {
	var r []Unspent
	return r, c.Call(ctx, "listunspent", []any{address}, &r)
}

// GetBalance calls getbalance for address (minimum one confirmation).
func (c *Client) GetBalance(ctx context.Context, address string) (chain.Amount, error) {
	var a chain.Amount
	return a, c.Call(ctx, "getbalance", []any{address}, &a)
}

// ValidateAddress calls validateaddress.
func (c *Client) ValidateAddress(ctx context.Context, address string) (*AddressInfo, error) {
	var r AddressInfo
	return &r, c.Call(ctx, "validateaddress", []any{address}, &r)
}

// InvalidateBlock calls invalidateblock.
func (c *Client) InvalidateBlock(ctx context.Context, h chain.Hash) error {
	return c.Call(ctx, "invalidateblock", []any{h}, nil)
}

// ReconsiderBlock calls reconsiderblock.
func (c *Client) ReconsiderBlock(ctx context.Context, h chain.Hash) error {
	return c.Call(ctx, "reconsiderblock", []any{h}, nil)
}

// Stop calls stop.
func (c *Client) Stop(ctx context.Context) error {
	return c.Call(ctx, "stop", nil, nil)
}

// WaitReady polls getblockcount until the server answers or ctx ends; for
// scripts that start a node and then talk to it.
func (c *Client) WaitReady(ctx context.Context) error {
	for {
		_, err := c.GetBlockCount(ctx)
		if err == nil || errors.Is(err, ErrUnauthorized) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rpc: node not ready: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
