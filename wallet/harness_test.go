package wallet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// testMaturity is the coinbase maturity of the test chain, short so that
// tests mine few blocks.
const testMaturity = 5

// chainNode implements Node over a real chain.BlockChain on badger, so that
// what the wallet builds is checked by the consensus code: a transaction
// handed to SendRawTransaction waits in a list and is put in the next
// block mine makes, which ProcessBlock must accept onto the main chain.
type chainNode struct {
	t      testing.TB
	params *chain.Params
	chain  *chain.BlockChain

	mu       sync.Mutex
	mempool  []*chain.Tx
	feeRate  uint64
	sent     int
	states   int   // TxState calls
	unusable error // when set, every call fails with it (node unreachable)
}

func newChainNode(t testing.TB) *chainNode {
	t.Helper()
	p := chain.RegTestParams()
	p.CoinbaseMaturity = testMaturity
	c, err := chain.New(chain.Config{Params: p, DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &chainNode{t: t, params: p, chain: c, feeRate: 1}
}

func (n *chainNode) ListUnspent(ctx context.Context, addresses []string) ([]Unspent, error) {
	if n.unusable != nil {
		return nil, n.unusable
	}
	tip := n.chain.BestState().Height
	var out []Unspent
	for _, a := range addresses {
		pk, err := chain.DecodeAddress(n.params, a)
		if err != nil {
			return nil, err
		}
		utxos, err := n.chain.UtxosByPubKey(pk)
		if err != nil {
			return nil, err
		}
		for _, u := range utxos {
			if n.spentInMempool(u.OutPoint) {
				continue // as the real node does: listunspent leaves these out
			}
			out = append(out, Unspent{OutPoint: u.OutPoint, Value: u.Entry.Output.Value, PubKey: pk,
				Height: u.Entry.Height, Coinbase: u.Entry.IsCoinbase, Confirmations: tip - u.Entry.Height + 1,
				BlockTime: n.blockTime(u.Entry.Height)})
		}
	}
	return out, nil
}

// spentInMempool reports whether a waiting transaction spends op.
func (n *chainNode) spentInMempool(op chain.OutPoint) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, tx := range n.mempool {
		for _, in := range tx.Inputs {
			if in.Prev == op {
				return true
			}
		}
	}
	return false
}

func (n *chainNode) TxState(ctx context.Context, txid chain.Hash) (TxState, error) {
	if n.unusable != nil {
		return TxState{}, n.unusable
	}
	n.mu.Lock()
	n.states++
	for _, tx := range n.mempool {
		if tx.TxID() == txid {
			n.mu.Unlock()
			return TxState{Status: TxInMempool}, nil
		}
	}
	n.mu.Unlock()
	_, loc, err := n.chain.TxByID(txid)
	if errors.Is(err, chain.ErrNotFound) {
		return TxState{}, nil
	} else if err != nil {
		return TxState{}, err
	}
	return TxState{Status: TxConfirmed, Height: loc.Height, BlockTime: n.blockTime(loc.Height)}, nil
}

// blockTime is the header time of the main-chain block at height.
func (n *chainNode) blockTime(height uint32) int64 {
	n.t.Helper()
	h, err := n.chain.BlockHashByHeight(height)
	if err != nil {
		n.t.Fatal(err)
	}
	info, err := n.chain.HeaderByHash(h)
	if err != nil {
		n.t.Fatal(err)
	}
	return int64(info.Header.Time)
}

func (n *chainNode) BestHeight(ctx context.Context) (uint32, error) {
	if n.unusable != nil {
		return 0, n.unusable
	}
	return n.chain.BestState().Height, nil
}

func (n *chainNode) EstimateFeeRate(ctx context.Context, blocks int) (uint64, error) {
	if n.unusable != nil {
		return 0, n.unusable
	}
	return n.feeRate, nil
}

func (n *chainNode) SendRawTransaction(ctx context.Context, tx *chain.Tx) (chain.Hash, error) {
	if n.unusable != nil {
		return chain.Hash{}, n.unusable
	}
	// What goes over the wire is the serialisation: decode it as the
	// node would.
	decoded, err := chain.DecodeTx(tx.Serialize())
	if err != nil {
		return chain.Hash{}, err
	}
	if err := chain.CheckTransactionSanity(decoded); err != nil {
		return chain.Hash{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.mempool = append(n.mempool, decoded)
	n.sent++
	return decoded.TxID(), nil
}

// mine makes the next block, with the waiting transactions, paying the
// subsidy to payee, and requires the chain to make it the tip.
func (n *chainNode) mine(payee [32]byte) *chain.Block {
	n.t.Helper()
	best := n.chain.BestState()
	height := best.Height + 1
	n.mu.Lock()
	txs := n.mempool
	n.mempool = nil
	n.mu.Unlock()
	coinbase := &chain.Tx{
		Version:  1,
		Inputs:   []chain.TxIn{{Prev: chain.NullOutPoint, Witness: []byte("wallet test")}},
		Outputs:  []chain.TxOut{{Value: n.params.CalcBlockSubsidy(height), PubKey: payee}},
		LockTime: height,
	}
	b := &chain.Block{Txs: append([]*chain.Tx{coinbase}, txs...)}
	b.Header = chain.Header{
		Version:    1,
		Prev:       best.Hash,
		MerkleRoot: chain.BlockMerkleRoot(b.Txs),
		Time:       uint32(max(time.Now().Unix(), best.MedianTime+1)),
		Bits:       best.NextBits,
	}
	for chain.CheckProofOfWork(b.Header.BlockHash(), b.Header.Bits, n.params.PowLimit) != nil {
		b.Header.Nonce++
	}
	res, err := n.chain.ProcessBlock(context.Background(), b)
	if err != nil {
		n.t.Fatalf("the chain refused block %d: %v", height, err)
	}
	if !res.MainChain || res.Height != height {
		n.t.Fatalf("block %d did not become the tip: %+v", height, res)
	}
	return b
}

// disconnect takes block b out of the main chain, as a reorganisation
// would; with toMempool its transactions go back to the waiting list, as
// the node's mempool takes back a disconnected block's transactions.
func (n *chainNode) disconnect(b *chain.Block, toMempool bool) {
	n.t.Helper()
	if err := n.chain.InvalidateBlock(context.Background(), b.Header.BlockHash()); err != nil {
		n.t.Fatal(err)
	}
	if toMempool {
		n.mu.Lock()
		n.mempool = append(n.mempool, b.Txs[1:]...)
		n.mu.Unlock()
	}
}

// stateCalls is how many times TxState was asked.
func (n *chainNode) stateCalls() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.states
}

// mineTo mines blocks until the tip is at height.
func (n *chainNode) mineTo(height uint32, payee [32]byte) {
	n.t.Helper()
	for n.chain.BestState().Height < height {
		n.mine(payee)
	}
}

// burnKey is a key no test wallet owns, for blocks whose reward does not
// matter.
var burnKey = burnKeyAt(0)

// burnKeyAt is the index'th key of burnKey's chain: blocks that must differ
// from one another pay different ones.
func burnKeyAt(index uint32) [32]byte {
	seed, _ := SeedFromMnemonic(abandonMnemonic, "burn")
	kc, _ := newKeyChain(seed, 1)
	pk, _ := kc.pubKey(keyPath{0, index})
	return pk
}

// errUnreachable stands for a node that cannot be reached.
var errUnreachable = errors.New("dial tcp 127.0.0.1:28331: connect: connection refused")

// pubKeyOf decodes an address of the test network.
func (n *chainNode) pubKeyOf(addr string) [32]byte {
	n.t.Helper()
	pk, err := chain.DecodeAddress(n.params, addr)
	if err != nil {
		n.t.Fatal(err)
	}
	return pk
}

func (n *chainNode) String() string {
	return fmt.Sprintf("chainNode(height %d)", n.chain.BestState().Height)
}
