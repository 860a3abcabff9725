package explorer

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/mempool"
	"github.com/flint-chain/flint/miner"
)

// fixture is a real regtest chain on badger with a real mempool and the
// explorer over them.
type fixture struct {
	t      testing.TB
	params *chain.Params
	chain  *chain.BlockChain
	pool   *mempool.TxPool
	ex     *Explorer
	srv    *httptest.Server
	priv   *btcec.PrivateKey
	key    [32]byte
	// clock is the next block's time, one target spacing (or a second)
	// after the last.
	clock time.Time
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newFixture opens a chain in a temporary directory with the explorer
// subscribed to it.
func newFixture(t testing.TB, p *chain.Params) *fixture {
	t.Helper()
	c, err := chain.New(chain.Config{Params: p, DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	pool, err := mempool.New(mempool.Config{Params: p, FetchUtxo: c.FetchUtxo, BestState: c.BestState, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c.Subscribe(pool.HandleChainNotification)
	priv, _ := btcec.PrivKeyFromBytes([]byte("flint explorer test key 32 bytes"))
	f := &fixture{t: t, params: p, chain: c, pool: pool, priv: priv,
		clock: time.Unix(int64(p.GenesisBlock.Header.Time), 0)}
	copy(f.key[:], schnorr.SerializePubKey(priv.PubKey()))
	f.ex, err = New(f.config())
	if err != nil {
		t.Fatal(err)
	}
	c.Subscribe(f.ex.HandleChainNotification)
	f.srv = httptest.NewServer(f.ex.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// config is the explorer's Config over the fixture's chain and pool, as
// the node builds it.
func (f *fixture) config() Config {
	return Config{
		Params: f.params,
		Chain:  f.chain,
		Mempool: func() []MempoolTx {
			var out []MempoolTx
			for _, d := range f.pool.Txs() {
				out = append(out, MempoolTx{Tx: d.Tx, TxID: d.TxID, Size: d.Size, Fee: d.Fee, Added: d.Added})
			}
			return out
		},
		MempoolTx: func(txid chain.Hash) (MempoolTx, bool) {
			d, ok := f.pool.Lookup(txid)
			return MempoolTx{Tx: d.Tx, TxID: d.TxID, Size: d.Size, Fee: d.Fee, Added: d.Added}, ok
		},
		NextBlock: func() (*chain.Block, error) {
			t, err := miner.NewTemplate(f.params, f.chain.BestState(), f.clock, [32]byte{}, f.pool.MiningTxs)
			if err != nil {
				return nil, err
			}
			return t.Block, nil
		},
		Logger: quietLogger(),
		Now:    func() time.Time { return f.clock },
	}
}

// block builds and solves a block on parent with the mempool's
// transactions (when withPool) paying the fixture's key.
func (f *fixture) block(parent chain.Hash, withPool bool) *chain.Block {
	f.t.Helper()
	info, err := f.chain.HeaderByHash(parent)
	if err != nil {
		f.t.Fatal(err)
	}
	step := f.params.TargetSpacing
	if step == 0 {
		step = time.Second
	}
	f.clock = f.clock.Add(step)
	best := chain.BestState{Hash: parent, Height: info.Height, Header: info.Header, MedianTime: int64(info.Header.Time) - 1,
		NextBits: f.chain.BestState().NextBits}
	if f.params.NoRetarget {
		best.NextBits = f.params.PowLimitBits
	}
	var src miner.TxSource
	if withPool {
		src = f.pool.MiningTxs
	}
	tmpl, err := miner.NewTemplate(f.params, best, f.clock, f.key, src)
	if err != nil {
		f.t.Fatal(err)
	}
	b := tmpl.Block
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, f.params.PowLimit) != nil {
		b.Header.Nonce++
	}
	return b
}

// mine extends the main chain by n blocks, the first carrying the pool.
func (f *fixture) mine(n int) []*chain.Block {
	f.t.Helper()
	var out []*chain.Block
	for i := range n {
		b := f.block(f.chain.BestState().Hash, i == 0)
		f.process(b)
		out = append(out, b)
	}
	return out
}

func (f *fixture) process(b *chain.Block) chain.ProcessResult {
	f.t.Helper()
	res, err := f.chain.ProcessBlock(context.Background(), b)
	if err != nil {
		f.t.Fatalf("block %v refused: %v", b.BlockHash(), err)
	}
	return res
}

// spend signs a transaction spending the outputs ops (paying the fixture's
// key) to the given outputs.
func (f *fixture) spend(spent []chain.TxOut, ops []chain.OutPoint, outs []chain.TxOut) *chain.Tx {
	f.t.Helper()
	tx := &chain.Tx{Version: 1, Outputs: outs}
	for _, op := range ops {
		tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: op})
	}
	for i := range tx.Inputs {
		h := chain.CalcSigHash(f.params.GenesisHash, tx.TxID(), i, spent)
		sig, err := schnorr.Sign(f.priv, h[:])
		if err != nil {
			f.t.Fatal(err)
		}
		tx.Inputs[i].Witness = sig.Serialize()
	}
	return tx
}

// accept puts tx in the mempool.
func (f *fixture) accept(tx *chain.Tx) {
	f.t.Helper()
	if _, err := f.pool.AcceptTx(tx, ""); err != nil {
		f.t.Fatalf("mempool refused %v: %v", tx.TxID(), err)
	}
}

// get fetches path and returns the status and body.
func (f *fixture) get(path string) (int, string) {
	f.t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// page fetches path, expects status, and returns the body.
func (f *fixture) page(path string, status int, wants ...string) string {
	f.t.Helper()
	got, body := f.get(path)
	if got != status {
		f.t.Fatalf("GET %s: status %d, want %d\n%s", path, got, status, excerpt(body))
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			f.t.Errorf("GET %s: the page lacks %q\n%s", path, w, excerpt(body))
		}
	}
	return body
}

func excerpt(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// otherKey is the x-only key of a second party.
func otherKey() (k [32]byte) {
	priv, _ := btcec.PrivKeyFromBytes([]byte("flint explorer payee key 32 byte"))
	copy(k[:], schnorr.SerializePubKey(priv.PubKey()))
	return k
}
