package chain

import (
	"context"
	"testing"
)

func TestChainTips(t *testing.T) {
	g := newHarness(t)
	g.extend("b", 3) // b1 b2 b3
	tipOf := func(name string) ChainTip {
		t.Helper()
		want := g.Block(name).BlockHash()
		for _, tip := range g.chain.ChainTips() {
			if tip.Hash == want {
				return tip
			}
		}
		t.Fatalf("%s is not among the chain tips %+v", name, g.chain.ChainTips())
		return ChainTip{}
	}
	if tips := g.chain.ChainTips(); len(tips) != 1 || tips[0] != (ChainTip{Hash: g.Block("b3").BlockHash(), Height: 3, ForkHeight: 3, Status: TipActive}) {
		t.Fatalf("one straight chain: tips %+v", tips)
	}

	// A shorter branch off b1, stored but never connected.
	g.SetTip("b1")
	g.NextBlock("s2", nil)
	g.AcceptedToSideChain()
	if got := tipOf("s2"); got.Status != TipValidHeaders || got.BranchLen != 1 || got.ForkHeight != 1 || got.Height != 2 {
		t.Errorf("side branch: %+v", got)
	}

	// The branch overtakes: b2..b3 become a valid fork of length 2.
	g.NextBlock("s3", nil)
	g.AcceptedToSideChain() // equal work: first seen stays
	g.NextBlock("s4", nil)
	g.AcceptTipBlock()
	if got := tipOf("b3"); got.Status != TipValidFork || got.BranchLen != 2 || got.ForkHeight != 1 {
		t.Errorf("old main chain: %+v", got)
	}
	if got := tipOf("s4"); got.Status != TipActive || got.BranchLen != 0 {
		t.Errorf("new main chain: %+v", got)
	}
	tips := g.chain.ChainTips()
	if len(tips) != 2 || tips[0].Height < tips[1].Height {
		t.Errorf("want two tips, highest first: %+v", tips)
	}

	// An invalidated block makes its branch invalid.
	if err := g.chain.InvalidateBlock(context.Background(), g.Block("b3").BlockHash()); err != nil {
		t.Fatal(err)
	}
	if got := tipOf("b3"); got.Status != TipInvalid {
		t.Errorf("invalidated branch: %+v", got)
	}
}
