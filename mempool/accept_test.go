package mempool

import (
	"errors"
	"sync"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestAcceptConfirmedSpend(t *testing.T) {
	env := newEnv(t, Policy{})
	c := env.takeCoins(1)
	tx := env.spend(c, 2, 1000)
	before := env.mp.LastUpdated()
	res := env.accept(tx)
	if len(res.Accepted) != 1 || res.Accepted[0] != tx || res.Orphan || len(res.Replaced) != 0 {
		t.Fatalf("result %+v", res)
	}
	if env.mp.LastUpdated() == before {
		t.Fatal("LastUpdated did not move on a new transaction")
	}
	d, ok := env.mp.Lookup(tx.TxID())
	if !ok || d.Fee != 1000 || d.Size != tx.SerializeSize() || d.AncestorCount != 1 || d.DescendantCount != 1 {
		t.Fatalf("lookup %+v %v", d, ok)
	}
	if id, ok := env.mp.SpentBy(c[0].op); !ok || id != tx.TxID() {
		t.Fatal("SpentBy does not name the spender")
	}
	// The signature is in the cache shared with the chain.
	h := chain.CalcSigHash(env.params.GenesisHash, tx.TxID(), 0, []chain.TxOut{c[0].out})
	if !env.cache.Contains(h, c[0].out.PubKey, tx.Inputs[0].Witness) {
		t.Fatal("verified signature not added to the shared cache")
	}
	env.checkConsistent()
}

func TestAcceptUnconfirmedChain(t *testing.T) {
	env := newEnv(t, Policy{})
	a := env.spend(env.takeCoins(1), 2, 1000)
	b := env.spend([]coin{coinOf(a, 0)}, 1, 1000)
	c := env.spend([]coin{coinOf(b, 0), coinOf(a, 1)}, 1, 2000)
	for _, tx := range []*chain.Tx{a, b, c} {
		env.accept(tx)
	}
	d, _ := env.mp.Lookup(c.TxID())
	if d.AncestorCount != 3 {
		t.Fatalf("c has %d ancestors, want 3", d.AncestorCount)
	}
	if d, _ := env.mp.Lookup(a.TxID()); d.DescendantCount != 3 {
		t.Fatalf("a has %d descendants, want 3", d.DescendantCount)
	}
	env.checkConsistent()
}

// chainOf accepts a chain of n transactions, each spending the previous,
// starting from a fresh coin; it returns them.
func (env *testEnv) chainOf(n int, fee uint64) []*chain.Tx {
	env.t.Helper()
	in := env.takeCoins(1)
	var txs []*chain.Tx
	for range n {
		tx := env.spend(in, 1, fee)
		env.accept(tx)
		txs = append(txs, tx)
		in = []coin{coinOf(tx, 0)}
	}
	return txs
}

func TestAncestorLimit(t *testing.T) {
	env := newEnv(t, Policy{})
	txs := env.chainOf(DefaultMaxAncestors, 1000)
	next := env.spend([]coin{coinOf(txs[len(txs)-1], 0)}, 1, 1000)
	env.refuse(next, ErrAncestorLimit, ClassPolicy)
	env.checkConsistent()
}

func TestAncestorSizeLimit(t *testing.T) {
	env := newEnv(t, Policy{MaxAncestorBytes: 400})
	txs := env.chainOf(2, 1000) // 151 bytes each
	next := env.spend([]coin{coinOf(txs[1], 0)}, 1, 1000)
	env.refuse(next, ErrAncestorLimit, ClassPolicy)
}

func TestDescendantLimit(t *testing.T) {
	env := newEnv(t, Policy{})
	parent := env.spend(env.takeCoins(1), 30, 5000)
	env.accept(parent)
	for i := range DefaultMaxDescendants - 1 {
		env.accept(env.spend([]coin{coinOf(parent, i)}, 1, 1000))
	}
	last := env.spend([]coin{coinOf(parent, 25)}, 1, 1000)
	env.refuse(last, ErrDescendantLimit, ClassPolicy)
	env.checkConsistent()
}

// TestRefusals sends one transaction for every refusal path that needs no
// special pool state and checks its kind, its class and that the pool is
// unchanged.
func TestRefusals(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(4)
	inPool := env.spend(coins[:1], 2, 1000)
	env.accept(inPool)
	good := func() *chain.Tx { return env.spend(coins[1:2], 1, 1000) }
	// An immature coinbase output: from the block just mined.
	immature := env.mine()
	confirmed := env.spend(coins[3:4], 1, 1000)
	env.mine(confirmed)

	tests := []struct {
		name  string
		tx    func() *chain.Tx
		kind  error
		class Class
	}{
		{"version", func() *chain.Tx { tx := good(); tx.Version = 2; return tx }, chain.ErrBadTxVersion, ClassConsensus},
		{"no outputs", func() *chain.Tx { tx := good(); tx.Outputs = nil; return tx }, chain.ErrNoTxOutputs, ClassConsensus},
		{"duplicate input", func() *chain.Tx {
			tx := good()
			tx.Inputs = append(tx.Inputs, tx.Inputs[0])
			return tx
		}, chain.ErrDuplicateInput, ClassConsensus},
		{"output above MaxMoney", func() *chain.Tx {
			tx := good()
			tx.Outputs[0].Value = chain.MaxMoney + 1
			return tx
		}, chain.ErrBadTxOutValue, ClassConsensus},
		{"negative-looking output", func() *chain.Tx {
			tx := good()
			tx.Outputs[0].Value = ^uint64(0)
			return tx
		}, chain.ErrBadTxOutValue, ClassConsensus},
		{"outputs overflow", func() *chain.Tx {
			tx := good()
			tx.Outputs = []chain.TxOut{{Value: chain.MaxMoney, PubKey: env.pub}, {Value: chain.MaxMoney, PubKey: env.pub}}
			return tx
		}, chain.ErrTotalOutValue, ClassConsensus},
		{"witness size", func() *chain.Tx { tx := good(); tx.Inputs[0].Witness = tx.Inputs[0].Witness[:63]; return tx },
			chain.ErrBadWitnessSize, ClassConsensus},
		{"signature encoding", func() *chain.Tx {
			tx := good()
			for i := 32; i < 64; i++ {
				tx.Inputs[0].Witness[i] = 0xff
			}
			return tx
		}, chain.ErrBadSignatureEncoding, ClassConsensus},
		{"bad signature", func() *chain.Tx { tx := good(); tx.Inputs[0].Witness[5] ^= 1; return tx },
			chain.ErrBadSignature, ClassConsensus},
		{"signature for another tx", func() *chain.Tx {
			tx := good()
			other := env.spend(coins[1:2], 1, 2000)
			tx.Inputs[0].Witness = other.Inputs[0].Witness
			return tx
		}, chain.ErrBadSignature, ClassConsensus},
		{"coinbase", func() *chain.Tx { return immature.Txs[0] }, chain.ErrMultipleCoinbases, ClassConsensus},
		{"spends more than inputs", func() *chain.Tx {
			tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: coins[1].op}},
				Outputs: []chain.TxOut{{Value: coins[1].out.Value + 1, PubKey: env.pub}}}
			env.sign(tx, []chain.TxOut{coins[1].out})
			return tx
		}, chain.ErrSpendTooHigh, ClassConsensus},
		{"missing output of pool parent", func() *chain.Tx {
			return env.spend([]coin{{op: chain.OutPoint{TxID: inPool.TxID(), Index: 7}, out: inPool.Outputs[0]}}, 1, 1000)
		}, chain.ErrMissingInput, ClassConsensus},
		{"not final", func() *chain.Tx {
			tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: coins[1].op}},
				Outputs: []chain.TxOut{{Value: coins[1].out.Value - 1000, PubKey: env.pub}}, LockTime: 1000}
			env.sign(tx, []chain.TxOut{coins[1].out})
			return tx
		}, chain.ErrUnfinalizedTx, ClassPolicy},
		{"immature coinbase", func() *chain.Tx { return env.spend([]coin{coinOf(immature.Txs[0], 0)}, 1, 1000) },
			chain.ErrImmatureSpend, ClassPolicy},
		{"fee below relay", func() *chain.Tx { return env.spend(coins[1:2], 1, 150) }, ErrInsufficientFee, ClassPolicy},
		{"no fee", func() *chain.Tx { return env.spend(coins[1:2], 1, 0) }, ErrInsufficientFee, ClassPolicy},
		{"dust", func() *chain.Tx {
			tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: coins[1].op}}, Outputs: []chain.TxOut{
				{Value: coins[1].out.Value - 2000, PubKey: env.pub}, {Value: 999, PubKey: env.pub}}}
			env.sign(tx, []chain.TxOut{coins[1].out})
			return tx
		}, ErrDust, ClassPolicy},
		{"zero output", func() *chain.Tx {
			tx := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: coins[1].op}}, Outputs: []chain.TxOut{
				{Value: coins[1].out.Value - 2000, PubKey: env.pub}, {Value: 0, PubKey: env.pub}}}
			env.sign(tx, []chain.TxOut{coins[1].out})
			return tx
		}, ErrDust, ClassPolicy},
		{"duplicate", func() *chain.Tx { return inPool }, ErrDuplicate, ClassPolicy},
		{"already confirmed", func() *chain.Tx { return confirmed }, ErrAlreadyConfirmed, ClassPolicy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.t = t
			re := env.refuse(tc.tx(), tc.kind, tc.class)
			if tc.class == ClassConsensus && !errors.Is(re, ErrInvalid) {
				t.Fatalf("consensus refusal of kind %v", re.Kind)
			}
		})
	}
	env.t = t
	env.checkConsistent()
}

// TestAcceptRawBadInput sends malformed and oversize bytes.
func TestAcceptRawBadInput(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(1)
	good := env.spend(coins, 1, 1000).Serialize()
	big := env.spend(coins, 1, 1000)
	big.Inputs[0].Witness = make([]byte, chain.MaxTxSize)
	tests := []struct {
		name string
		raw  []byte
		kind error
	}{
		{"empty", nil, chain.ErrShortRead},
		{"truncated witness", good[:len(good)-1], chain.ErrCountTooLarge},
		{"truncated", good[:3], chain.ErrShortRead},
		{"trailing", append(append([]byte(nil), good...), 0), chain.ErrTrailingBytes},
		{"non-minimal varint", append(append(append([]byte(nil), good[:4]...), 0xfd, 1, 0), good[5:]...), chain.ErrNonMinimalVarint},
		{"huge count", append(append([]byte(nil), good[:4]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), chain.ErrCountTooLarge},
		{"oversize", big.Serialize(), chain.ErrTxTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.t = t
			before := env.state()
			_, err := env.mp.AcceptRaw(tc.raw, "peer")
			env.checkRefusal(err, tc.kind, ClassConsensus, before)
		})
	}
	env.t = t
	if res, err := env.mp.AcceptRaw(good, "peer"); err != nil || len(res.Accepted) != 1 {
		t.Fatalf("good raw transaction: %+v %v", res, err)
	}
}

// TestMultiInputSignatures checks a transaction whose inputs are verified
// in parallel, with one bad signature and then all good.
func TestMultiInputSignatures(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(8)
	tx := env.spend(coins, 2, 3000)
	bad := *tx
	bad.Inputs = append([]chain.TxIn(nil), tx.Inputs...)
	bad.Inputs[5].Witness = append([]byte(nil), tx.Inputs[5].Witness...)
	bad.Inputs[5].Witness[10] ^= 0x80
	env.refuse(&bad, chain.ErrBadSignature, ClassConsensus)
	env.accept(tx)
	for i := range tx.Inputs {
		spent := make([]chain.TxOut, len(coins))
		for j := range coins {
			spent[j] = coins[j].out
		}
		h := chain.CalcSigHash(env.params.GenesisHash, tx.TxID(), i, spent)
		if !env.cache.Contains(h, coins[i].out.PubKey, tx.Inputs[i].Witness) {
			t.Fatalf("input %d signature not cached", i)
		}
	}
}

// TestConcurrentAccept accepts independent transactions and double spends
// from many goroutines: each coin ends up spent once and the pool is
// consistent.
func TestConcurrentAccept(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(40)
	var txs []*chain.Tx
	for _, c := range coins {
		// Two spends of each coin with the same fee: only one can win.
		txs = append(txs, env.spend([]coin{c}, 1, 1000), env.spend([]coin{c}, 2, 1000))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for _, tx := range txs {
		wg.Go(func() {
			_, err := env.mp.AcceptTx(tx, "peer")
			if err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			} else if !errors.Is(err, ErrReplaceFeeRate) && !errors.Is(err, ErrReplaceFee) {
				t.Errorf("unexpected refusal: %v", err)
			}
		})
	}
	wg.Wait()
	if accepted != len(coins) || env.mp.Count() != len(coins) {
		t.Fatalf("accepted %d, pool %d, want %d", accepted, env.mp.Count(), len(coins))
	}
	env.checkConsistent()
}

// TestAcceptWhileMining accepts transactions on several goroutines while
// blocks are mined from the pool's own templates: every template is valid
// for the chain, and the pool ends consistent.
func TestAcceptWhileMining(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(60)
	var txs []*chain.Tx
	for _, c := range coins {
		parent := env.spend([]coin{c}, 2, 1000)
		txs = append(txs, parent, env.spend([]coin{coinOf(parent, 0)}, 1, 2000))
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := w; i < len(txs); i += 3 {
				env.mp.AcceptTx(txs[i], "peer") // orphans and refusals are fine here
			}
		})
	}
	for range 5 {
		block, _ := env.mp.MiningTxs(env.params.MaxBlockSize / 2)
		env.mine(block...) // fails the test if the chain refuses the block
	}
	wg.Wait()
	env.mine()
	env.checkConsistent()
}

// TestHasWTx: the pool holds a transaction by its witness too, so a copy
// with another witness (SPEC §10 names gossip duplicates by wtxid) is
// not taken for the pooled one.
func TestHasWTx(t *testing.T) {
	env := newEnv(t, Policy{})
	tx := env.spend(env.takeCoins(1), 1, 1000)
	other := *tx
	other.Inputs = append([]chain.TxIn(nil), tx.Inputs...)
	other.Inputs[0].Witness = append([]byte(nil), tx.Inputs[0].Witness...)
	other.Inputs[0].Witness[0] ^= 1
	if other.TxID() != tx.TxID() || other.WTxID() == tx.WTxID() {
		t.Fatal("the copy should share the txid and not the wtxid")
	}
	if env.mp.HasWTx(tx) {
		t.Fatal("HasWTx before the transaction entered the pool")
	}
	env.accept(tx)
	if !env.mp.HasWTx(tx) {
		t.Error("HasWTx of a pooled transaction is false")
	}
	if env.mp.HasWTx(&other) {
		t.Error("HasWTx of a copy with another witness is true")
	}
}
