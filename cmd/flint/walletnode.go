package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
	"github.com/flint-chain/flint/wallet"
)

// rpcWalletNode is the wallet's view of a node, over the node's JSON-RPC
// API: the wallet holds the keys, the node only answers.
type rpcWalletNode struct {
	client *rpc.Client
}

// newRPCWalletNode connects the wallet commands to the node the RPC flags
// name.
func newRPCWalletNode(ctx *cli.Context) (wallet.Node, error) {
	client, err := newRPCClient(ctx)
	if err != nil {
		return nil, err
	}
	return rpcWalletNode{client: client}, nil
}

// ListUnspent asks for each address's unspent outputs (listunspent takes
// one address at a time).
func (n rpcWalletNode) ListUnspent(ctx context.Context, addresses []string) ([]wallet.Unspent, error) {
	var out []wallet.Unspent
	for _, addr := range addresses {
		utxos, err := n.client.ListUnspent(ctx, addr)
		if err != nil {
			return nil, err
		}
		for _, u := range utxos {
			if len(u.PubKey) != 32 {
				return nil, fmt.Errorf("node listed an output of %s with a %d-byte key", addr, len(u.PubKey))
			}
			w := wallet.Unspent{
				OutPoint:      chain.OutPoint{TxID: u.TxID, Index: u.Vout},
				Value:         u.Amount.Units(),
				Height:        u.Height,
				Coinbase:      u.Coinbase,
				Confirmations: u.Confirmations,
				BlockTime:     u.BlockTime,
			}
			copy(w.PubKey[:], u.PubKey)
			out = append(out, w)
		}
	}
	return out, nil
}

// BestHeight is getblockcount.
func (n rpcWalletNode) BestHeight(ctx context.Context) (uint32, error) {
	return n.client.GetBlockCount(ctx)
}

// EstimateFeeRate is estimatefee, in units per byte.
func (n rpcWalletNode) EstimateFeeRate(ctx context.Context, blocks int) (uint64, error) {
	est, err := n.client.EstimateFee(ctx, blocks)
	if err != nil {
		return 0, err
	}
	return est.UnitsPerByte, nil
}

// SendRawTransaction is sendrawtransaction.
func (n rpcWalletNode) SendRawTransaction(ctx context.Context, tx *chain.Tx) (chain.Hash, error) {
	return n.client.SendRawTransaction(ctx, tx)
}

// TxState asks getrawtransaction where the node holds txid.
func (n rpcWalletNode) TxState(ctx context.Context, txid chain.Hash) (wallet.TxState, error) {
	r, err := n.client.GetRawTransactionVerbose(ctx, txid)
	var rerr *rpc.Error
	switch {
	case errors.As(err, &rerr) && rerr.Code == rpc.CodeInvalidAddressOrKey:
		return wallet.TxState{}, nil // neither in a block nor in the mempool
	case err != nil:
		return wallet.TxState{}, err
	case r.InMempool:
		return wallet.TxState{Status: wallet.TxInMempool}, nil
	case r.BlockHash != nil && r.Confirmations > 0:
		return wallet.TxState{Status: wallet.TxConfirmed, Height: r.Height, BlockTime: r.BlockTime}, nil
	}
	return wallet.TxState{}, nil
}
