// Package miner builds block templates and searches for proof of work on
// all cores with the SHA-256d kernels of miner/kernel.
package miner

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/flint-chain/flint/chain"
)

// coinbaseTag follows the extra nonce in every coinbase witness Flint mines.
const coinbaseTag = "/flint/"

// extraNonceSize is the size of the extra nonce at the start of the
// coinbase witness: a u32 worker id and a u32 counter, little-endian.
const extraNonceSize = 8

// coinbaseReserve is the room kept in a block for its header, the
// transaction-count varint and the coinbase.
const coinbaseReserve = chain.HeaderSize + 9 + 200

// TxSource hands the miner the transactions to include: the mempool's
// selection maximising fees within maxSize bytes, in an order valid for a
// block, and their total fee. Until Flint has a mempool it is nil and blocks
// carry only their coinbase.
type TxSource func(maxSize int) (txs []*chain.Tx, fees uint64)

// Template is a block ready to be solved, with what the search needs.
type Template struct {
	// Block has a complete coinbase and merkle root; only the nonce and
	// the extra nonce change during the search.
	Block *chain.Block
	// Height is the height the block will have.
	Height uint32
	// Fees is the sum of the fees of the block's transactions.
	Fees uint64
	// Target is the 256-bit target of Block.Header.Bits, little-endian as
	// the kernels compare hashes.
	Target [32]byte
}

// NewTemplate builds a template on the chain's tip described by best:
// bits for the next height, a time of now but never below median time past
// + 1, the source's transactions, and a coinbase paying subsidy plus fees to
// payTo with locktime = height.
func NewTemplate(p *chain.Params, best chain.BestState, now time.Time, payTo [32]byte, source TxSource) (*Template, error) {
	height := best.Height + 1
	var txs []*chain.Tx
	var fees uint64
	if source != nil {
		txs, fees = source(p.MaxBlockSize - coinbaseReserve)
	}
	subsidy := p.CalcBlockSubsidy(height)
	if fees > chain.MaxMoney || subsidy+fees > chain.MaxMoney {
		return nil, errors.New("miner: transaction source reports fees above MaxMoney")
	}
	blockTime := max(now.Unix(), best.MedianTime+1)
	if blockTime > int64(^uint32(0)) {
		return nil, fmt.Errorf("miner: block time %d does not fit the header", blockTime)
	}
	coinbase := &chain.Tx{
		Version:  1,
		Inputs:   []chain.TxIn{{Prev: chain.NullOutPoint, Witness: coinbaseWitness(0, 0)}},
		Outputs:  []chain.TxOut{{Value: subsidy + fees, PubKey: payTo}},
		LockTime: height,
	}
	t := &Template{
		Block: &chain.Block{
			Header: chain.Header{
				Version: 1,
				Prev:    best.Hash,
				Time:    uint32(blockTime),
				Bits:    best.NextBits,
			},
			Txs: append([]*chain.Tx{coinbase}, txs...),
		},
		Height: height,
		Fees:   fees,
	}
	target, err := chain.CompactToTarget(best.NextBits, p.PowLimit)
	if err != nil {
		return nil, fmt.Errorf("miner: next bits: %w", err)
	}
	target.FillBytes(t.Target[:])
	reverse(t.Target[:])
	t.Block.Header.MerkleRoot = chain.BlockMerkleRoot(t.Block.Txs)
	return t, nil
}

// coinbaseWitness returns the extra nonce (worker, counter) followed by the
// miner tag.
func coinbaseWitness(worker, counter uint32) []byte {
	w := make([]byte, extraNonceSize, extraNonceSize+len(coinbaseTag))
	binary.LittleEndian.PutUint32(w[0:4], worker)
	binary.LittleEndian.PutUint32(w[4:8], counter)
	return append(w, coinbaseTag...)
}

// withExtraNonce returns a copy of the template's block whose coinbase
// carries the extra nonce (worker, counter) and whose merkle root is
// recomputed. Only the coinbase is copied; other transactions are shared.
func (t *Template) withExtraNonce(worker, counter uint32) *chain.Block {
	cb := *t.Block.Txs[0]
	cb.Inputs = []chain.TxIn{{Prev: chain.NullOutPoint, Witness: coinbaseWitness(worker, counter)}}
	txs := append([]*chain.Tx{&cb}, t.Block.Txs[1:]...)
	b := &chain.Block{Header: t.Block.Header, Txs: txs}
	b.Header.MerkleRoot = chain.BlockMerkleRoot(txs)
	return b
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// TemplateFromBlock makes a template of a block built elsewhere (a node's
// getblocktemplate) at the given height. The block must carry a coinbase;
// the search replaces its witness with its own extra nonces.
func TemplateFromBlock(p *chain.Params, b *chain.Block, height uint32) (*Template, error) {
	if len(b.Txs) == 0 || !b.Txs[0].IsCoinbase() {
		return nil, errors.New("miner: template block has no coinbase")
	}
	if b.Txs[0].LockTime != height {
		return nil, fmt.Errorf("miner: template coinbase locktime %d is not its height %d", b.Txs[0].LockTime, height)
	}
	target, err := chain.CompactToTarget(b.Header.Bits, p.PowLimit)
	if err != nil {
		return nil, fmt.Errorf("miner: template bits: %w", err)
	}
	t := &Template{Block: b, Height: height}
	for _, out := range b.Txs[0].Outputs {
		t.Fees += out.Value
	}
	t.Fees -= min(t.Fees, p.CalcBlockSubsidy(height))
	target.FillBytes(t.Target[:])
	reverse(t.Target[:])
	return t, nil
}
