package mempool

import (
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// smallTx is the size of a one-in, one-out transaction.
const smallTx = 151

func TestEvictionRaisesMinFee(t *testing.T) {
	env := newEnv(t, Policy{MaxPoolBytes: 3 * smallTx})
	coins := env.takeCoins(6)
	low := env.spend(coins[0:1], 1, 1000)
	for i, fee := range []uint64{3000, 5000} {
		env.accept(env.spend(coins[i+1:i+2], 1, fee))
	}
	env.accept(low)
	if env.mp.Count() != 3 || env.mp.MinFeeRate() != DefaultMinRelayFeeRate {
		t.Fatalf("pool %d, min fee %d", env.mp.Count(), env.mp.MinFeeRate())
	}
	env.accept(env.spend(coins[3:4], 1, 4000))
	if env.mp.Count() != 3 || env.mp.Has(low.TxID()) {
		t.Fatal("lowest fee rate transaction not evicted")
	}
	if env.mp.Bytes() > 3*smallTx {
		t.Fatalf("pool over budget: %d bytes", env.mp.Bytes())
	}
	want := NewFeeRate(1000, smallTx) + DefaultMinRelayFeeRate
	if got := env.mp.MinFeeRate(); got != want {
		t.Fatalf("min fee rate %d, want %d", got, want)
	}
	// The evicted fee rate, and a little more, is not taken again at once.
	env.refuse(env.spend(coins[4:5], 1, 1100), ErrInsufficientFee, ClassPolicy)
	if got := env.mp.EstimateFeeRate(1); got < want {
		t.Fatalf("estimate %d below the pool minimum %d", got, want)
	}
	env.checkConsistent()
}

func TestEvictionByPackage(t *testing.T) {
	env := newEnv(t, Policy{MaxPoolBytes: 3 * smallTx})
	coins := env.takeCoins(3)
	parent := env.spend(coins[0:1], 1, 1000) // 6.6 units/byte alone
	child := env.spend([]coin{coinOf(parent, 0)}, 1, 10_000)
	single := env.spend(coins[1:2], 1, 3020) // 20 units/byte
	env.accept(parent)
	env.accept(child)
	env.accept(single)
	// The parent's descendant score is its package's, 36 units/byte: the
	// single transaction goes first.
	env.accept(env.spend(coins[2:3], 1, 7550)) // 50 units/byte
	if env.mp.Has(single.TxID()) || !env.mp.Has(parent.TxID()) || !env.mp.Has(child.TxID()) {
		t.Fatal("eviction did not take the lowest descendant score")
	}
	env.checkConsistent()
	// Now the package is lowest: parent and child go together.
	c := env.takeCoins(1)
	env.accept(env.spend(c, 1, 9060)) // 60 units/byte
	if env.mp.Has(parent.TxID()) || env.mp.Has(child.TxID()) || env.mp.Count() != 2 {
		t.Fatalf("package not evicted whole: pool %d", env.mp.Count())
	}
	env.checkConsistent()
}

func TestPoolFullRefusesLowest(t *testing.T) {
	env := newEnv(t, Policy{MaxPoolBytes: 3 * smallTx})
	coins := env.takeCoins(4)
	for i, fee := range []uint64{3000, 4000, 5000} {
		env.accept(env.spend(coins[i:i+1], 1, fee))
	}
	env.refuse(env.spend(coins[3:4], 1, 2000), ErrPoolFull, ClassPolicy)
	env.checkConsistent()
}

func TestRollingMinFeeDecays(t *testing.T) {
	env := newEnv(t, Policy{MaxPoolBytes: 3 * smallTx})
	coins := env.takeCoins(4)
	for i, fee := range []uint64{1000, 3000, 5000, 4000} {
		env.accept(env.spend(coins[i:i+1], 1, fee))
	}
	raised := env.mp.MinFeeRate()
	if raised <= DefaultMinRelayFeeRate {
		t.Fatal("min fee did not rise")
	}
	env.clock.Advance(48 * time.Hour)
	if env.mp.MinFeeRate() != raised {
		t.Fatal("min fee decayed before any block arrived")
	}
	env.mine()
	env.clock.Advance(6 * time.Hour)
	if got := env.mp.MinFeeRate(); got >= raised {
		t.Fatalf("min fee %d did not decay from %d", got, raised)
	}
	env.clock.Advance(72 * time.Hour)
	env.mine()
	if got := env.mp.MinFeeRate(); got != DefaultMinRelayFeeRate {
		t.Fatalf("min fee %d did not return to the relay minimum", got)
	}
}

func TestExpiry(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(2)
	old := env.spend(coins[:1], 1, 1000)
	env.accept(old)
	oldChild := env.spend([]coin{coinOf(old, 0)}, 1, 1000)
	env.clock.Advance(DefaultExpiry - time.Hour)
	env.accept(oldChild) // young, but goes with its expired parent
	young := env.spend(coins[1:], 1, 1000)
	env.accept(young)
	env.clock.Advance(2 * time.Hour)
	env.mine()
	if env.mp.Has(old.TxID()) || env.mp.Has(oldChild.TxID()) || !env.mp.Has(young.TxID()) {
		t.Fatal("expiry removed the wrong transactions")
	}
	env.checkConsistent()
}

func TestFeeRate(t *testing.T) {
	if got := DefaultMinRelayFeeRate.Fee(191); got != 191 {
		t.Fatalf("1 unit/byte of 191 bytes = %d", got)
	}
	if got := NewFeeRate(1000, 151); got != 6622 {
		t.Fatalf("rate %d", got)
	}
	if FeeRate(^uint64(0)).Fee(1000) <= chain.MaxMoney {
		t.Fatal("overflowing fee not above MaxMoney")
	}
	if cmpRate(^uint64(0), 3, ^uint64(0)-1, 3) != 1 || cmpRate(1, 2, 2, 4) != 0 {
		t.Fatal("cmpRate")
	}
}
