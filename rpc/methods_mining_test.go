package rpc

import (
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// mineAt connects a block on the tip with the given header time.
func mineAt(t *testing.T, c *chain.BlockChain, tm uint32) *chain.Block {
	t.Helper()
	b := newBlock(c, keyA)
	b.Header.Time = tm
	if _, err := c.ProcessBlock(ctxT(t), solve(b)); err != nil {
		t.Fatalf("block at time %d: %v", tm, err)
	}
	return b
}

// TestBlockTemplateMinTimeFollowsParent: a block that connects while a
// template is being built must not change the template's mintime, which
// belongs to the template's parent; getblockheader reports the same
// median time past.
func TestBlockTemplateMinTimeFollowsParent(t *testing.T) {
	base := uint32(time.Now().Unix()) - 7200
	var race bool
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.BlockTemplate = func(payTo [32]byte) (*chain.Block, error) {
			b := newBlock(h.chain, payTo)
			if race {
				mineAt(t, h.chain, base+1300) // the tip moves on meanwhile
			}
			return b, nil
		}
	})
	var tip *chain.Block
	for i := uint32(1); i <= 12; i++ {
		tip = mineAt(t, h.chain, base+i*100)
	}
	// Heights 2..12 carry base+200 … base+1200: the median is base+700.
	const want = 700 + 1
	ctx := ctxT(t)
	hdr, err := h.client.GetBlockHeader(ctx, tip.BlockHash())
	if err != nil {
		t.Fatal(err)
	}
	if hdr.MedianTime != int64(base)+700 {
		t.Fatalf("getblockheader mediantime %d, want %d", hdr.MedianTime, int64(base)+700)
	}

	race = true
	tmpl, err := h.client.GetBlockTemplate(ctx, chain.EncodeAddress(h.params, keyB))
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.PreviousBlockHash != tip.BlockHash() {
		t.Fatalf("template on %v, want %v", tmpl.PreviousBlockHash, tip.BlockHash())
	}
	if h.chain.BestState().Hash == tip.BlockHash() {
		t.Fatal("the tip did not move while the template was built")
	}
	if tmpl.MinTime != int64(base)+want {
		t.Fatalf("mintime %d, want the parent's median time past + 1 = %d", tmpl.MinTime, int64(base)+want)
	}
}
