package wallet

import (
	"context"

	"github.com/flint-chain/flint/chain"
)

// Node is what the wallet needs from a Flint node. The command line
// implements it over JSON-RPC; tests implement it over a chain in memory.
// Implementations must be safe for use by one goroutine at a time.
type Node interface {
	// ListUnspent returns the unspent outputs paying any of the addresses.
	// Outputs of transactions still in the mempool may be included with
	// Confirmations zero; the wallet also tracks its own unconfirmed
	// change, so a node that lists only confirmed outputs is fine.
	ListUnspent(ctx context.Context, addresses []string) ([]Unspent, error)
	// BestHeight returns the height of the node's best chain tip.
	BestHeight(ctx context.Context) (uint32, error)
	// EstimateFeeRate returns a fee rate in base units per byte that
	// should confirm a transaction within blocks blocks.
	EstimateFeeRate(ctx context.Context, blocks int) (uint64, error)
	// SendRawTransaction submits a signed transaction and returns its
	// txid. An error means the node refused it.
	SendRawTransaction(ctx context.Context, tx *chain.Tx) (chain.Hash, error)
	// TxState says whether the node has the transaction in a main-chain
	// block (and which), in its mempool, or neither (never seen, or
	// dropped).
	TxState(ctx context.Context, txid chain.Hash) (TxState, error)
}

// TxState is where a node holds a transaction.
type TxState struct {
	Status TxStatus
	// Height and BlockTime (unix seconds, the header's time) are those of
	// the main-chain block holding the transaction, when Status is
	// TxConfirmed; zero otherwise, or when the node does not say.
	Height    uint32
	BlockTime int64
}

// TxStatus is where a node holds a transaction.
type TxStatus int

const (
	// TxUnknown: neither in the main chain nor in the mempool.
	TxUnknown TxStatus = iota
	// TxInMempool: waiting in the node's mempool.
	TxInMempool
	// TxConfirmed: in a block of the main chain.
	TxConfirmed
)

// Unspent is an unspent output as the node reports it.
type Unspent struct {
	// OutPoint names the output.
	OutPoint chain.OutPoint
	// Value is the output's value in base units.
	Value uint64
	// PubKey is the x-only key the output pays.
	PubKey [32]byte
	// Height is the height of the block that created the output; zero
	// when unconfirmed.
	Height uint32
	// Coinbase is set when the output belongs to a coinbase transaction,
	// which is spendable only once mature.
	Coinbase bool
	// Confirmations is tip height - Height + 1, zero when unconfirmed.
	Confirmations uint32
	// BlockTime is the time in the header of the block that created the
	// output, in unix seconds; zero when unconfirmed or not known.
	BlockTime int64
}
