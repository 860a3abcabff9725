package rpc

import (
	"context"
	"testing"

	"github.com/flint-chain/flint/chain"
)

// TestGetChainTips: a rival block off the tip's parent is a second tip,
// and a longer rival branch makes the old tip a valid fork.
func TestGetChainTips(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	for range 3 {
		h.mine(keyA)
	}
	tips, err := h.client.GetChainTips(ctx)
	if err != nil || len(tips) != 1 || tips[0].Status != "active" || tips[0].Height != 3 || tips[0].BranchLen != 0 {
		t.Fatalf("straight chain: %+v %v", tips, err)
	}
	// A rival of block 3, on block 2: equal work, seen second.
	parent, err := h.chain.BlockHashByHeight(2)
	if err != nil {
		t.Fatal(err)
	}
	rival := newBlock(h.chain, keyA)
	rival.Header.Prev = parent
	rival.Txs[0].LockTime = 3
	rival.Txs[0].Inputs[0].Witness = []byte("rival")
	rival.Header.MerkleRoot = chain.BlockMerkleRoot(rival.Txs)
	solve(rival)
	if _, err := h.chain.ProcessBlock(context.Background(), rival); err != nil {
		t.Fatal(err)
	}
	tips, err = h.client.GetChainTips(ctx)
	if err != nil || len(tips) != 2 {
		t.Fatalf("two tips: %+v %v", tips, err)
	}
	var stale ChainTip
	for _, tip := range tips {
		if tip.Hash == rival.BlockHash() {
			stale = tip
		}
	}
	if stale.Status != "valid-headers" || stale.BranchLen != 1 || stale.Height != 3 {
		t.Errorf("rival tip %+v", stale)
	}
}
