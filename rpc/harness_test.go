package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// Two valid x-only keys: the x coordinates of G and 2G on secp256k1.
var (
	keyA = mustKey("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
	keyB = mustKey("c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5")
)

func mustKey(s string) [32]byte {
	var k [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("bad test key")
	}
	copy(k[:], b)
	return k
}

const (
	testUser     = "alice"
	testPassword = "correct horse battery staple"
)

// harness is a real regtest chain on badger behind a real RPC server on
// 127.0.0.1, with a Client logged in as testUser.
type harness struct {
	t      *testing.T
	params *chain.Params
	chain  *chain.BlockChain
	srv    *Server
	cfg    Config
	url    string
	client *Client
	stop   context.CancelFunc
	done   chan error
}

// newHarness starts the server; mod may change the Config first (add fake
// neighbours, a cookie path).
func newHarness(t *testing.T, mod func(h *harness, cfg *Config)) *harness {
	t.Helper()
	params := chain.RegTestParams()
	c, err := chain.New(chain.Config{Params: params, DataDir: filepath.Join(t.TempDir(), "chain"), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, params: params, chain: c}
	cfg := Config{Params: params, Chain: c, User: testUser, Password: testPassword, Logger: quietLogger()}
	if mod != nil {
		mod(h, &cfg)
	}
	h.cfg = cfg
	h.srv, err = NewServer(cfg)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	c.Subscribe(func(n chain.Notification) { h.srv.Publish(ChainEvent(n)) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.url = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.srv.Serve(ctx, ln) }()
	h.client = NewClient(h.url, Auth{User: testUser, Password: testPassword})
	t.Cleanup(func() {
		h.shutdown()
		c.Close()
	})
	return h
}

// shutdown stops the server and waits for Serve to return; idempotent.
func (h *harness) shutdown() {
	h.t.Helper()
	if h.done == nil {
		return
	}
	h.stop()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Error("Serve did not return after cancellation")
	}
	h.done = nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newBlock builds an unsolved coinbase-only block on the tip paying payTo,
// as SPEC and the miner do: bits = NextBits, time = max(now, MTP+1),
// coinbase locktime = height.
func newBlock(c ChainBackend, payTo [32]byte) *chain.Block {
	best := c.BestState()
	height := best.Height + 1
	coinbase := &chain.Tx{
		Version:  1,
		Inputs:   []chain.TxIn{{Prev: chain.NullOutPoint, Witness: []byte("rpc test")}},
		Outputs:  []chain.TxOut{{Value: chain.RegTestParams().CalcBlockSubsidy(height), PubKey: payTo}},
		LockTime: height,
	}
	b := &chain.Block{
		Header: chain.Header{
			Version: 1,
			Prev:    best.Hash,
			Time:    uint32(max(time.Now().Unix(), best.MedianTime+1)),
			Bits:    best.NextBits,
		},
		Txs: []*chain.Tx{coinbase},
	}
	b.Header.MerkleRoot = chain.BlockMerkleRoot(b.Txs)
	return b
}

// solve increments the nonce until the header meets its target (about two
// tries on regtest).
func solve(b *chain.Block) *chain.Block {
	p := chain.RegTestParams()
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, p.PowLimit) != nil {
		b.Header.Nonce++
		if b.Header.Nonce == 0 {
			panic("nonce space exhausted")
		}
	}
	return b
}

// mine builds, solves and submits one block through submitblock.
func (h *harness) mine(payTo [32]byte) *chain.Block {
	h.t.Helper()
	b := solve(newBlock(h.chain, payTo))
	reason, err := h.client.SubmitBlock(ctxT(h.t), b)
	if err != nil || reason != "" {
		h.t.Fatalf("submitblock: reason %q, err %v", reason, err)
	}
	return b
}

// generate is a Config.Generate for tests: it mines on the real chain.
func generate(c ChainBackend) func(ctx context.Context, n int, payTo [32]byte) ([]chain.Hash, error) {
	return func(ctx context.Context, n int, payTo [32]byte) ([]chain.Hash, error) {
		var hashes []chain.Hash
		for range n {
			b := solve(newBlock(c, payTo))
			if _, err := c.ProcessBlock(ctx, b); err != nil {
				return hashes, err
			}
			hashes = append(hashes, b.BlockHash())
		}
		return hashes, nil
	}
}

// rawPost posts body with the given credentials and returns the status and
// the body.
func (h *harness) rawPost(body []byte, user, pass string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url+"/", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// wantCode checks that err is an *Error with the given code.
func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want an RPC error with code %d", err, code)
	}
	if e.Code != code {
		t.Fatalf("got code %d (%s), want %d", e.Code, e.Message, code)
	}
	if e.Message == "" {
		t.Fatalf("error %d without a message", code)
	}
}

// decodeResponse decodes one response object.
func decodeResponse(t *testing.T, b []byte) response {
	t.Helper()
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response %s: %v", b, err)
	}
	return r
}
