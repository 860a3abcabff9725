package rpc

import (
	"context"

	"github.com/flint-chain/flint/chain"
)

// ChainTip is one entry of getchaintips, as Bitcoin Core's.
type ChainTip struct {
	Height uint32     `json:"height"`
	Hash   chain.Hash `json:"hash"`
	// BranchLen is the number of blocks from the tip down to the main
	// chain; 0 for the active tip.
	BranchLen uint32 `json:"branchlen"`
	// Status is "active", "valid-fork", "valid-headers", "headers-only"
	// or "invalid".
	Status string `json:"status"`
}

func getChainTips(_ context.Context, s *Server, _ args) (any, error) {
	tips := s.cfg.Chain.ChainTips()
	out := make([]ChainTip, len(tips))
	for i, t := range tips {
		out[i] = ChainTip{Height: t.Height, Hash: t.Hash, BranchLen: t.BranchLen, Status: string(t.Status)}
	}
	return out, nil
}

// GetChainTips calls getchaintips.
func (c *Client) GetChainTips(ctx context.Context) ([]ChainTip, error) {
	var r []ChainTip
	return r, c.Call(ctx, "getchaintips", nil, &r)
}
