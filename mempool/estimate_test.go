package mempool

import (
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestEstimateFallback(t *testing.T) {
	env := newEnv(t, Policy{})
	for _, target := range []int{0, 1, 6, 1000} {
		if got := env.mp.EstimateFeeRate(target); got != DefaultMinRelayFeeRate {
			t.Fatalf("target %d on a fresh pool: %d, want the relay minimum", target, got)
		}
	}
}

// TestEstimateFromConfirmations feeds the estimator blocks where
// transactions at 50 units/byte confirm in one block and those at 2 units
// per byte take ten.
func TestEstimateFromConfirmations(t *testing.T) {
	fe := newFeeEstimator()
	for h := uint32(1); h <= 20; h++ {
		var seen []confirmation
		for range 10 {
			seen = append(seen, confirmation{rate: 50_000, blocks: 1}, confirmation{rate: 2000, blocks: 10})
		}
		fe.blockConnected(h, seen)
	}
	fast := fe.estimate(1)
	if fast < 40_000 || fast > 60_000 {
		t.Fatalf("estimate for 1 block: %d, want about 50,000", fast)
	}
	if slow := fe.estimate(12); slow < 1500 || slow > 2500 {
		t.Fatalf("estimate for 12 blocks: %d, want about 2,000", slow)
	}
	if mid := fe.estimate(5); mid != fast {
		t.Fatalf("estimate for 5 blocks: %d, want the 1-block rate %d", mid, fast)
	}
	if fe.estimate(100) != fe.estimate(MaxEstimateTarget) {
		t.Fatal("target above the maximum not clamped")
	}
}

func TestEstimateTooFewSamples(t *testing.T) {
	fe := newFeeEstimator()
	fe.blockConnected(1, []confirmation{{rate: 50_000, blocks: 1}})
	if got := fe.estimate(1); got != 0 {
		t.Fatalf("estimate from one sample: %d", got)
	}
}

// TestEstimateThroughBlocks runs the estimator on real blocks: pool
// transactions that confirm in the next block.
func TestEstimateThroughBlocks(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(24)
	for round := range 3 {
		var txs []*chain.Tx
		for _, c := range coins[round*8 : round*8+8] {
			tx := env.spend([]coin{c}, 1, 30*smallTx) // 30 units/byte
			env.accept(tx)
			txs = append(txs, tx)
		}
		env.mine(txs...)
	}
	got := env.mp.EstimateFeeRate(2)
	if got < 25_000 || got > 35_000 {
		t.Fatalf("estimate %d, want about 30,000", got)
	}
}
