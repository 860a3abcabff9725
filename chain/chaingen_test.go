package chain

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// This file holds a block generator with a script-like harness in the manner
// of dcrd's chaingen: tests name blocks, build each on the generator's tip,
// and say what the chain must do with it.
//
//	g := newHarness(t)
//	g.NextBlock("b1", nil)
//	g.AcceptTipBlock()
//	g.NextBlock("b2", g.CoinbaseOut("b1"), func(b *Block) { ... })
//	g.RejectTipBlock(ErrImmatureSpend)
//	g.ExpectTip("b1")

// harnessSpacing is the block spacing the generator keeps, on the ASERT
// schedule, so targets stay at the (easy) limit.
const harnessSpacing = 60

// harnessParams are regtest parameters with ASERT switched on and a short
// coinbase maturity, so that every header rule is live and tests are quick.
func harnessParams() *Params {
	p := RegTestParams()
	p.NoRetarget = false
	p.TargetSpacing = harnessSpacing * time.Second
	p.ASERTHalfLife = 2 * time.Hour
	p.CoinbaseMaturity = 10
	return p
}

// testClock is an injectable clock.
type testClock struct{ unix atomic.Int64 }

func (c *testClock) Now() time.Time  { return time.Unix(c.unix.Load(), 0) }
func (c *testClock) Set(unix int64)  { c.unix.Store(unix) }
func (c *testClock) Advance(d int64) { c.unix.Add(d) }
func (c *testClock) Unix() int64     { return c.unix.Load() }

// spendableOut is an output the harness key can spend.
type spendableOut struct {
	op  OutPoint
	out TxOut
}

type harness struct {
	t      testing.TB
	params *Params
	chain  *BlockChain
	dir    string
	clock  *testClock
	priv   *btcec.PrivateKey
	pubKey [32]byte

	blocks  map[string]*Block
	heights map[string]uint32
	names   map[Hash]string
	tipName string
}

// newHarness returns a harness with a fresh chain on badger in a temporary
// directory. The clock starts a long way after genesis.
func newHarness(t testing.TB) *harness {
	return newHarnessWithParams(t, harnessParams())
}

func newHarnessWithParams(t testing.TB, p *Params) *harness {
	t.Helper()
	seed := DoubleSHA256([]byte("flint chain harness key"))
	priv, _ := btcec.PrivKeyFromBytes(seed[:])
	g := &harness{
		t:       t,
		params:  p,
		dir:     t.TempDir(),
		clock:   &testClock{},
		priv:    priv,
		blocks:  map[string]*Block{"genesis": p.GenesisBlock},
		heights: map[string]uint32{"genesis": 0},
		names:   map[Hash]string{p.GenesisHash: "genesis"},
		tipName: "genesis",
	}
	copy(g.pubKey[:], schnorr.SerializePubKey(priv.PubKey()))
	g.clock.Set(int64(p.GenesisBlock.Header.Time) + 10_000_000)
	g.open()
	t.Cleanup(func() {
		if g.chain != nil {
			g.chain.Close()
		}
	})
	return g
}

// open (re)opens the chain on the harness directory.
func (g *harness) open() {
	g.t.Helper()
	c, err := New(Config{Params: g.params, DataDir: g.dir, Now: g.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		g.t.Fatalf("open chain: %v", err)
	}
	g.chain = c
}

// reopen closes and opens the chain again, as a node restart does.
func (g *harness) reopen() {
	g.t.Helper()
	if err := g.chain.Close(); err != nil {
		g.t.Fatalf("close chain: %v", err)
	}
	g.open()
}

// Block returns the named block.
func (g *harness) Block(name string) *Block {
	g.t.Helper()
	b := g.blocks[name]
	if b == nil {
		g.t.Fatalf("no block named %q", name)
	}
	return b
}

// SetTip makes the named block the parent of the next generated block.
func (g *harness) SetTip(name string) {
	g.Block(name)
	g.tipName = name
}

// CoinbaseOut returns the coinbase output of the named block.
func (g *harness) CoinbaseOut(name string) *spendableOut {
	b := g.Block(name)
	return &spendableOut{op: OutPoint{TxID: b.Txs[0].TxID()}, out: b.Txs[0].Outputs[0]}
}

// TxOut returns output idx of transaction txIdx of the named block.
func (g *harness) TxOut(name string, txIdx, idx int) *spendableOut {
	tx := g.Block(name).Txs[txIdx]
	return &spendableOut{op: OutPoint{TxID: tx.TxID(), Index: uint32(idx)}, out: tx.Outputs[idx]}
}

// CreateSpendTx returns a signed transaction spending spend to the harness
// key, paying fee.
func (g *harness) CreateSpendTx(spend *spendableOut, fee uint64) *Tx {
	tx := &Tx{
		Version:  1,
		Inputs:   []TxIn{{Prev: spend.op}},
		Outputs:  []TxOut{{Value: spend.out.Value - fee, PubKey: g.pubKey}},
		LockTime: 0,
	}
	g.Sign(tx, []TxOut{spend.out})
	return tx
}

// Sign signs every input of tx with the harness key for this network.
func (g *harness) Sign(tx *Tx, spent []TxOut) {
	g.SignFor(tx, spent, g.params.GenesisHash)
}

// SignFor signs every input of tx over the sighash of the given genesis.
func (g *harness) SignFor(tx *Tx, spent []TxOut, genesis Hash) {
	g.t.Helper()
	txid := tx.TxID()
	for i := range tx.Inputs {
		h := CalcSigHash(genesis, txid, i, spent)
		sig, err := schnorr.Sign(g.priv, h[:])
		if err != nil {
			g.t.Fatalf("sign: %v", err)
		}
		tx.Inputs[i].Witness = sig.Serialize()
	}
}

// medianTimePast returns the MTP of the named block from the generator's
// own records.
func (g *harness) medianTimePast(name string) int64 {
	var times []int64
	for b := g.Block(name); b != nil && len(times) < MedianTimeBlocks; b = g.blocks[g.names[b.Header.Prev]] {
		times = append(times, int64(b.Header.Time))
		if b.Header.Prev.IsZero() {
			break
		}
	}
	return medianTime(times)
}

// nextBits returns the ASERT bits for a child of the named block.
func (g *harness) nextBits(parent string) uint32 {
	if g.params.NoRetarget {
		return g.params.PowLimitBits
	}
	gen := &g.params.GenesisBlock.Header
	p := g.Block(parent)
	return CalcASERTBits(gen.Bits, g.params.PowLimit, harnessSpacing,
		int64(p.Header.Time)-int64(gen.Time), int64(g.heights[parent]), int64(g.params.ASERTHalfLife/time.Second))
}

// NextBlock builds a block named name on the generator tip and makes it the
// new generator tip. The coinbase pays subsidy plus fees to the harness key
// with locktime = height; if spend is non-nil, a transaction spends it with
// a fee of 1000. Mungers then change the block at will; afterwards the merkle
// root is recomputed and the header solved. A munger that must leave a wrong
// merkle root or bad proof of work in place should be applied to the result
// instead, followed by g.solve or g.unsolve.
func (g *harness) NextBlock(name string, spend *spendableOut, mungers ...func(*Block)) *Block {
	g.t.Helper()
	if _, dup := g.blocks[name]; dup {
		g.t.Fatalf("block name %q used twice", name)
	}
	parent := g.Block(g.tipName)
	height := g.heights[g.tipName] + 1
	var txs []*Tx
	var fees uint64
	if spend != nil {
		txs = append(txs, g.CreateSpendTx(spend, 1000))
		fees = 1000
	}
	coinbase := &Tx{
		Version:  1,
		Inputs:   []TxIn{{Prev: NullOutPoint, Witness: []byte(name)}},
		Outputs:  []TxOut{{Value: g.params.CalcBlockSubsidy(height) + fees, PubKey: g.pubKey}},
		LockTime: height,
	}
	b := &Block{
		Header: Header{
			Version: 1,
			Prev:    parent.BlockHash(),
			Time:    parent.Header.Time + harnessSpacing,
			Bits:    g.nextBits(g.tipName),
		},
		Txs: append([]*Tx{coinbase}, txs...),
	}
	for _, m := range mungers {
		m(b)
	}
	b.Header.MerkleRoot = BlockMerkleRoot(b.Txs)
	g.solve(b)
	g.blocks[name] = b
	g.heights[name] = height
	g.names[b.BlockHash()] = name
	g.tipName = name
	return b
}

// solve finds a nonce that meets the header's bits.
func (g *harness) solve(b *Block) {
	g.t.Helper()
	for b.Header.Nonce = 0; ; b.Header.Nonce++ {
		if CheckProofOfWork(b.BlockHash(), b.Header.Bits, nil) == nil {
			return
		}
		if b.Header.Nonce == 1<<32-1 {
			g.t.Fatal("no nonce meets the target")
		}
	}
}

// unsolve finds a nonce that does not meet the header's bits.
func (g *harness) unsolve(b *Block) {
	for b.Header.Nonce = 0; CheckProofOfWork(b.BlockHash(), b.Header.Bits, nil) == nil; b.Header.Nonce++ {
	}
}

// rename records b (changed after NextBlock) under the generator tip's name.
func (g *harness) rename(b *Block) {
	g.names[b.BlockHash()] = g.tipName
}

func (g *harness) process(b *Block) (ProcessResult, error) {
	return g.chain.ProcessBlock(context.Background(), b)
}

// AcceptTipBlock processes the generator tip and expects it to become the
// main chain's tip.
func (g *harness) AcceptTipBlock() {
	g.t.Helper()
	g.AcceptBlock(g.tipName)
	g.ExpectTip(g.tipName)
}

// AcceptBlock processes the named block and expects no error.
func (g *harness) AcceptBlock(name string) ProcessResult {
	g.t.Helper()
	res, err := g.process(g.Block(name))
	if err != nil {
		g.t.Fatalf("block %q refused: %v", name, err)
	}
	if res.Orphan {
		g.t.Fatalf("block %q unexpectedly orphaned", name)
	}
	return res
}

// AcceptedToSideChain processes the generator tip and expects it stored but
// off the main chain.
func (g *harness) AcceptedToSideChain() {
	g.t.Helper()
	if res := g.AcceptBlock(g.tipName); res.MainChain {
		g.t.Fatalf("block %q went to the main chain, want a side chain", g.tipName)
	}
}

// RejectTipBlock processes the generator tip and expects an error of kind.
func (g *harness) RejectTipBlock(kind ErrorKind) {
	g.t.Helper()
	g.RejectBlock(g.tipName, kind)
}

// RejectBlock processes the named block and expects an error of kind.
func (g *harness) RejectBlock(name string, kind ErrorKind) {
	g.t.Helper()
	tip := g.chain.BestState().Hash
	_, err := g.process(g.Block(name))
	if !errors.Is(err, kind) {
		g.t.Fatalf("block %q: got error %v, want %v", name, err, kind)
	}
	var re RuleError
	if !errors.As(err, &re) {
		g.t.Fatalf("block %q: error %v is not a RuleError", name, err)
	}
	if now := g.chain.BestState().Hash; now != tip && g.names[now] == name {
		g.t.Fatalf("refused block %q became the tip", name)
	}
}

// ExpectTip checks that the main chain's tip is the named block.
func (g *harness) ExpectTip(name string) {
	g.t.Helper()
	best := g.chain.BestState()
	want := g.Block(name).BlockHash()
	if best.Hash != want {
		g.t.Fatalf("tip is %q (%v) at height %d, want %q at height %d",
			g.names[best.Hash], best.Hash, best.Height, name, g.heights[name])
	}
	if best.Height != g.heights[name] {
		g.t.Fatalf("tip height %d, want %d", best.Height, g.heights[name])
	}
}

// extend builds and accepts n blocks on the tip named prefix1..prefixN.
func (g *harness) extend(prefix string, n int) {
	g.t.Helper()
	for i := 1; i <= n; i++ {
		g.NextBlock(prefix+itoa(i), nil)
		g.AcceptTipBlock()
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }
