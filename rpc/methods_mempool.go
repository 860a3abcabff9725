package rpc

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/flint-chain/flint/chain"
)

// maxFeeTarget is the largest confirmation target estimatefee takes, as
// Bitcoin Core's.
const maxFeeTarget = 1008

// mempoolMethods submit transactions and describe the mempool.
var mempoolMethods = []*method{
	{name: "sendrawtransaction", params: []string{"hexstring"}, required: 1, summary: "Offers a signed transaction (hex) to the mempool and relays it; returns its txid.", fn: sendRawTransaction},
	{name: "getmempoolinfo", summary: "Describes the mempool: transactions, bytes, fees, limits.", fn: getMempoolInfo},
	{name: "getrawmempool", params: []string{"verbose"}, summary: "Lists the mempool's txids, or with verbose true a map of txid to size, fee and time.", fn: getRawMempool},
	{name: "estimatesmartfee", params: []string{"conf_target", "estimate_mode"}, required: 1, summary: "Estimates the fee rate for confirmation within conf_target blocks, in Bitcoin Core's shape.", fn: estimateSmartFee},
	{name: "estimatefee", params: []string{"conf_target"}, summary: "Estimates the fee rate for confirmation within conf_target blocks (default 6).", fn: estimateFee},
}

// errNoMempool is the answer of a mempool method on a node without one.
var errNoMempool = unavailable(CodeMempoolDisabled, "mempool not available: this node runs without a mempool")

func sendRawTransaction(ctx context.Context, s *Server, a args) (any, error) {
	raw, perr := a.hexBytes(0)
	if perr != nil {
		return nil, perr
	}
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		return nil, errorf(CodeDeserialization, "transaction decode failed: %v", err)
	}
	txid := tx.TxID()
	if _, _, err := s.cfg.Chain.TxByID(txid); err == nil {
		return nil, errorf(CodeVerifyAlreadyInChain, "transaction %v is already in the block chain", txid)
	}
	if s.cfg.SendTx == nil {
		return nil, errNoMempool
	}
	got, err := s.cfg.SendTx(ctx, tx)
	if err != nil {
		var rerr *Error
		switch {
		case errors.As(err, &rerr):
			return nil, rerr
		case errors.Is(err, chain.ErrMissingInput):
			return nil, errorf(CodeVerify, "transaction %v spends missing or spent outputs: %v", txid, err)
		default:
			return nil, errorf(CodeVerifyRejected, "transaction %v rejected: %v", txid, err)
		}
	}
	s.log.Info("transaction accepted by RPC", "txid", got)
	return got, nil
}

func getMempoolInfo(_ context.Context, s *Server, _ args) (any, error) {
	if s.cfg.MempoolInfo == nil {
		return nil, errNoMempool
	}
	return s.cfg.MempoolInfo(), nil
}

func getRawMempool(_ context.Context, s *Server, a args) (any, error) {
	verbose, perr := a.boolean(0, false)
	if perr != nil {
		return nil, perr
	}
	if s.cfg.MempoolTxs == nil {
		return nil, errNoMempool
	}
	entries := s.cfg.MempoolTxs()
	if verbose {
		m := make(map[string]MempoolEntryResult, len(entries))
		for _, e := range entries {
			m[e.Tx.TxID().String()] = MempoolEntryResult{
				Size:   e.Tx.SerializeSize(),
				Fee:    chain.Amount(e.Fee),
				Time:   e.Time.Unix(),
				Height: e.Height,
				WTxID:  e.Tx.WTxID(),
			}
		}
		return m, nil
	}
	ids := make([]chain.Hash, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.Tx.TxID())
	}
	// A stable order, so that two calls on an unchanged pool agree.
	slices.SortFunc(ids, func(x, y chain.Hash) int { return compareHashes(x, y) })
	return ids, nil
}

func estimateFee(_ context.Context, s *Server, a args) (any, error) {
	target, perr := a.int(0, 6, 1, maxFeeTarget)
	if perr != nil {
		return nil, perr
	}
	if s.cfg.EstimateFee == nil {
		return nil, errNoMempool
	}
	rate := s.cfg.EstimateFee(int(target))
	return FeeEstimate{UnitsPerByte: rate, FeeRate: chain.Amount(rate * 1000), Blocks: int(target)}, nil
}

// estimateSmartFee is Bitcoin Core's estimatesmartfee over the same
// estimator as estimatefee: feerate in FLT per 1000 bytes. estimate_mode
// (unset, conservative or economical) is accepted and does not change the
// answer.
func estimateSmartFee(_ context.Context, s *Server, a args) (any, error) {
	target, perr := a.int(0, 0, 1, maxFeeTarget)
	if perr != nil {
		return nil, perr
	}
	if a.given(1) {
		mode, perr := a.str(1)
		if perr != nil {
			return nil, perr
		}
		switch strings.ToLower(mode) {
		case "unset", "conservative", "economical":
		default:
			return nil, errorf(CodeInvalidParameter, "invalid estimate_mode %q: use unset, conservative or economical", mode)
		}
	}
	if s.cfg.EstimateFee == nil {
		return nil, errNoMempool
	}
	rate := s.cfg.EstimateFee(int(target))
	return SmartFeeEstimate{FeeRate: chain.Amount(rate * 1000), Blocks: int(target)}, nil
}

// compareHashes orders hashes by their printed form.
func compareHashes(x, y chain.Hash) int {
	for i := chain.HashSize - 1; i >= 0; i-- {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
