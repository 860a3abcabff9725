package node

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/bits"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// rawClient speaks JSON-RPC over HTTP with nothing of Flint's but the
// cookie file's format: the getwork client below is written against the
// wire format alone, as an old miner would be.
type rawClient struct {
	url, user, pass string
}

func newRawClient(t testing.TB, n *Node, dir string) *rawClient {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		raw, err := os.ReadFile(filepath.Join(dir, rpc.CookieFile))
		if user, pass, ok := strings.Cut(strings.TrimSpace(string(raw)), ":"); err == nil && ok {
			return &rawClient{url: "http://" + n.RPCAddr(), user: user, pass: pass}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cookie written: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// call makes one JSON-RPC 1.0-style call and decodes the result into out;
// a JSON-RPC error is returned as an error holding its message.
func (c *rawClient) call(method string, params []any, out any) error {
	body, _ := json.Marshal(map[string]any{"id": 1, "method": method, "params": params})
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: HTTP %d: %v", method, resp.StatusCode, err)
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %d %s", method, r.Error.Code, r.Error.Message)
	}
	return json.Unmarshal(r.Result, out)
}

// sha256Block is FIPS 180-4's compression function on sixteen message
// words: what a getwork miner runs on midstate and data.
func sha256Block(state [8]uint32, w16 []uint32) [8]uint32 {
	k := [64]uint32{
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
		0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
		0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
		0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
		0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
		0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
		0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	}
	ror := func(x uint32, n int) uint32 { return bits.RotateLeft32(x, -n) }
	var w [64]uint32
	copy(w[:], w16)
	for i := 16; i < 64; i++ {
		s0 := ror(w[i-15], 7) ^ ror(w[i-15], 18) ^ w[i-15]>>3
		s1 := ror(w[i-2], 17) ^ ror(w[i-2], 19) ^ w[i-2]>>10
		w[i] = w[i-16] + s0 + w[i-7] + s1
	}
	a, b, c, d, e, f, g, h := state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
	for i := 0; i < 64; i++ {
		t1 := h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + (e&f ^ ^e&g) + k[i] + w[i]
		t2 := (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + (a&b ^ a&c ^ b&c)
		h, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	return [8]uint32{state[0] + a, state[1] + b, state[2] + c, state[3] + d,
		state[4] + e, state[5] + f, state[6] + g, state[7] + h}
}

// leWords reads hex as little-endian 32-bit words, as getwork miners do.
func leWords(t testing.TB, s string, n int) []uint32 {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4*n {
		t.Fatalf("getwork field %q: %d bytes, %v; want %d", s, len(b), err, 4*n)
	}
	w := make([]uint32, n)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

// getworkSolve is a getwork miner: it asks for work, hashes the second
// block from the midstate and the hash of the hash with hash1 for nonces
// 0, 1, ... until the hash meets the target, and returns the solved data
// and the block hash. Everything comes from the four fields alone.
func getworkSolve(t testing.TB, c *rawClient) (data string, hash chain.Hash, prev chain.Hash) {
	t.Helper()
	var work struct{ Data, Target, Midstate, Hash1 string }
	if err := c.call("getwork", []any{}, &work); err != nil {
		t.Fatal(err)
	}
	d := leWords(t, work.Data, 32)
	mid := [8]uint32(leWords(t, work.Midstate, 8))
	h1 := leWords(t, work.Hash1, 16)
	target, err := hex.DecodeString(work.Target)
	if err != nil || len(target) != 32 {
		t.Fatalf("getwork target %q", work.Target)
	}
	iv := [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
	for w := uint32(0); ; w++ {
		d[19] = w
		first := sha256Block(mid, d[16:32])
		copy(h1, first[:])
		final := sha256Block(iv, h1)
		var digest [32]byte
		for i, v := range final {
			binary.BigEndian.PutUint32(digest[4*i:], v)
		}
		if leLessEq(digest[:], target) {
			out := make([]byte, 128)
			for i, v := range d {
				binary.LittleEndian.PutUint32(out[4*i:], v)
			}
			for i := range prev {
				prev[i] = out[4+i^3] // words 1..8 hold the previous hash, each byte-swapped
			}
			return hex.EncodeToString(out), chain.Hash(digest), prev
		}
		if w == 1<<20 {
			t.Fatalf("no nonce below 2^20 meets target %s", work.Target)
		}
	}
}

// leLessEq compares two little-endian 256-bit integers.
func leLessEq(a, b []byte) bool {
	for i := 31; i >= 0; i-- {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return true
}

// startRPCNode runs a regtest node with JSON-RPC on a free loopback port
// until the test ends.
func startGetworkNode(t testing.TB, payTo [32]byte) (*Node, *rawClient) {
	t.Helper()
	dir := t.TempDir()
	cfg := devConfig(dir)
	cfg.DevPeriod = 0
	cfg.RPCAddr = "127.0.0.1:0"
	cfg.MinePayTo = payTo
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runInBackground(t, n)
	c := newRawClient(t, n, dir)
	deadline := time.Now().Add(30 * time.Second)
	var height int
	for c.call("getblockcount", []any{}, &height) != nil {
		if time.Now().After(deadline) {
			t.Fatal("RPC server never answered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return n, c
}

func TestGetWorkClientLoop(t *testing.T) {
	n, c := startGetworkNode(t, testKey())
	for i := 1; i <= 5; i++ {
		data, hash, prev := getworkSolve(t, c)
		if prev != n.Chain().BestState().Hash {
			t.Fatalf("work %d builds on %s, the tip is %s", i, prev, n.Chain().BestState().Hash)
		}
		var ok bool
		if err := c.call("getwork", []any{data}, &ok); err != nil || !ok {
			t.Fatalf("submitting solved work %d: %v, %v", i, ok, err)
		}
		best := n.Chain().BestState()
		if best.Height != uint32(i) || best.Hash != hash {
			t.Fatalf("after work %d the tip is %s at %d, want %s at %d", i, best.Hash, best.Height, hash, i)
		}
		b, err := n.Chain().BlockByHash(hash)
		if err != nil || b.Txs[0].Outputs[0].PubKey != testKey() {
			t.Fatalf("block %d does not pay the node's address: %v", i, err)
		}
		// The same solution again is no longer work of the current tip.
		if err := c.call("getwork", []any{data}, &ok); err != nil || ok {
			t.Fatalf("resubmitting work %d: %v, %v", i, ok, err)
		}
	}
}

func TestGetWorkUniqueAndNeverStale(t *testing.T) {
	n, c := startGetworkNode(t, testKey())
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		var work struct{ Data string }
		if err := c.call("getwork", []any{}, &work); err != nil {
			t.Fatal(err)
		}
		// Bytes 0..71 of the header: all but time, bits and nonce.
		key := work.Data[:2*72]
		if seen[key] {
			t.Fatalf("getwork call %d handed out a header already handed out", i)
		}
		seen[key] = true
	}

	data, _, _ := getworkSolve(t, c)
	var hashes []chain.Hash
	if err := c.call("generatetoaddress", []any{1, chain.EncodeAddress(n.cfg.Params, testKey())}, &hashes); err != nil {
		t.Fatal(err)
	}
	_, _, prev := getworkSolve(t, c)
	if prev != hashes[0] {
		t.Fatalf("work after a new tip builds on %s, not the tip %s", prev, hashes[0])
	}
	var ok bool
	if err := c.call("getwork", []any{data}, &ok); err != nil || ok {
		t.Fatalf("work solved on the old tip: %v, %v; want false", ok, err)
	}
	if h := n.Chain().BestState().Height; h != 1 {
		t.Fatalf("height %d after a stale submission, want 1", h)
	}

	// An unsolved header is refused; malformed data is an error.
	unsolved, _, _ := getworkSolve(t, c)
	raw, _ := hex.DecodeString(unsolved)
	raw[4*19]++ // another nonce: meets the regtest target about half the time
	for ; ; raw[4*19]++ {
		hdr, _ := rpc.DecodeGetWorkData(raw)
		h := chain.DoubleSHA256(hdr[:])
		if chain.CheckProofOfWork(h, binary.LittleEndian.Uint32(hdr[72:]), n.cfg.Params.PowLimit) != nil {
			break
		}
	}
	if err := c.call("getwork", []any{hex.EncodeToString(raw)}, &ok); err != nil || ok {
		t.Fatalf("unsolved work: %v, %v; want false", ok, err)
	}
	if err := c.call("getwork", []any{"00ff"}, &ok); err == nil || !strings.Contains(err.Error(), "-8") {
		t.Fatalf("short getwork data: %v", err)
	}
	if n.Chain().BestState().Height != 1 {
		t.Fatal("a refused submission changed the tip")
	}
}

func TestGetBlockTemplateRequests(t *testing.T) {
	n, c := startGetworkNode(t, testKey())
	for _, params := range [][]any{
		{},
		{map[string]any{"rules": []string{"segwit"}, "capabilities": []string{"coinbasetxn", "workid"}}},
		{chain.EncodeAddress(n.cfg.Params, testKey())},
	} {
		var tmpl rpc.BlockTemplate
		if err := c.call("getblocktemplate", params, &tmpl); err != nil {
			t.Fatalf("getblocktemplate %v: %v", params, err)
		}
		b, err := tmpl.DecodeBlock()
		if err != nil || b.Txs[0].Outputs[0].PubKey != testKey() {
			t.Fatalf("getblocktemplate %v: block %v, does not pay the node's address", params, err)
		}
		if tmpl.LongPollID != n.Chain().BestState().Hash.String() {
			t.Fatalf("longpollid %q, tip %s", tmpl.LongPollID, n.Chain().BestState().Hash)
		}
	}
	var tmpl rpc.BlockTemplate
	if err := c.call("getblocktemplate", []any{map[string]any{"mode": "proposal"}}, &tmpl); err == nil {
		t.Fatal("proposal mode accepted")
	}

	// A long poll with the current id returns once a block arrives.
	id := n.Chain().BestState().Hash.String()
	got := make(chan error, 1)
	go func() {
		var tmpl rpc.BlockTemplate
		err := c.call("getblocktemplate", []any{map[string]any{"longpollid": id}}, &tmpl)
		if err == nil && tmpl.PreviousBlockHash.String() == id {
			err = fmt.Errorf("long poll answered on the same tip %s", id)
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("long poll returned before a new block: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	var hashes []chain.Hash
	if err := c.call("generatetoaddress", []any{1, chain.EncodeAddress(n.cfg.Params, testKey())}, &hashes); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("long poll did not return after a new block")
	}
}

func TestMiningWithoutPayoutAddress(t *testing.T) {
	_, c := startGetworkNode(t, [32]byte{})
	var out any
	for _, call := range []struct {
		method string
		params []any
	}{
		{"getwork", []any{}},
		{"getblocktemplate", []any{}},
		{"getblocktemplate", []any{map[string]any{"rules": []string{}}}},
	} {
		err := c.call(call.method, call.params, &out)
		if err == nil || !strings.Contains(err.Error(), "--mining.address") {
			t.Errorf("%s %v without a payout address: %v", call.method, call.params, err)
		}
	}
}

// BenchmarkGetWorkRoundTrip is a getwork miner's round trip on loopback:
// fetch work, solve it (about two hashes on regtest), submit it, and the
// node connects the block.
func BenchmarkGetWorkRoundTrip(b *testing.B) {
	_, c := startGetworkNode(b, testKey())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, _, _ := getworkSolve(b, c)
		var ok bool
		if err := c.call("getwork", []any{data}, &ok); err != nil || !ok {
			b.Fatalf("submit: %v, %v", ok, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/roundtrip")
}
