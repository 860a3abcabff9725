package mempool

import (
	"errors"
	"log/slog"
	"math/bits"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/sigverify"
)

// FeeRate is a fee per size in base units per 1000 bytes: 1 unit per byte
// is FeeRate(1000).
type FeeRate uint64

// Fee returns the fee this rate asks of size bytes, rounded down.
func (r FeeRate) Fee(size int) uint64 {
	hi, lo := bits.Mul64(uint64(r), uint64(size))
	if hi != 0 {
		return chain.MaxMoney + 1 // no transaction can pay it
	}
	return lo / 1000
}

// UnitsPerByte returns the rate in base units per byte.
func (r FeeRate) UnitsPerByte() float64 { return float64(r) / 1000 }

// NewFeeRate returns the rate of fee units over size bytes.
func NewFeeRate(fee uint64, size int) FeeRate {
	if size <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(fee, 1000)
	if hi != 0 {
		return FeeRate(^uint64(0))
	}
	return FeeRate(lo / uint64(size))
}

// Policy defaults (docs/mempool.md).
const (
	// DefaultMinRelayFeeRate is 1 base unit per byte.
	DefaultMinRelayFeeRate = FeeRate(1000)
	// DefaultDustLimit is the smallest output value relayed, in base units.
	DefaultDustLimit = 1000
	// DefaultMaxPoolBytes is the pool's byte budget (serialized sizes).
	DefaultMaxPoolBytes = 64 << 20
	// DefaultExpiry is how long a transaction may wait in the pool.
	DefaultExpiry = 14 * 24 * time.Hour
	// DefaultMaxOrphans bounds the orphan pool.
	DefaultMaxOrphans = 100
	// DefaultOrphanExpiry is how long an orphan waits for its parents.
	DefaultOrphanExpiry = 15 * time.Minute
	// DefaultMaxAncestors bounds a transaction's unconfirmed ancestors,
	// itself included.
	DefaultMaxAncestors = 25
	// DefaultMaxDescendants bounds a transaction's unconfirmed
	// descendants, itself included.
	DefaultMaxDescendants = 25
	// DefaultMaxAncestorBytes bounds the size of a transaction and its
	// unconfirmed ancestors together.
	DefaultMaxAncestorBytes = 101_000
	// DefaultMaxReplacements bounds how many transactions one replacement
	// may evict (conflicts and their descendants).
	DefaultMaxReplacements = 100
)

// Policy holds the pool's relay policy. A zero field takes its default.
type Policy struct {
	// MinRelayFeeRate is the lowest fee rate accepted, and the increment a
	// replacement or an eviction adds to the minimum.
	MinRelayFeeRate FeeRate
	// DustLimit is the smallest output value accepted (consensus allows
	// zero; policy does not relay outputs worth less than spending them).
	DustLimit uint64
	// MaxPoolBytes is the byte budget of the pool, over serialized sizes.
	MaxPoolBytes int64
	// Expiry is the age at which a pool transaction is dropped.
	Expiry time.Duration
	// MaxOrphans bounds the orphan pool; OrphanExpiry is an orphan's life.
	MaxOrphans   int
	OrphanExpiry time.Duration
	// MaxAncestors, MaxDescendants and MaxAncestorBytes bound unconfirmed
	// chains (each count includes the transaction itself).
	MaxAncestors, MaxDescendants, MaxAncestorBytes int
	// MaxReplacements bounds the transactions one replacement evicts.
	MaxReplacements int
}

// withDefaults returns p with every zero field set to its default.
func (p Policy) withDefaults() Policy {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if p.MinRelayFeeRate == 0 {
		p.MinRelayFeeRate = DefaultMinRelayFeeRate
	}
	if p.DustLimit == 0 {
		p.DustLimit = DefaultDustLimit
	}
	if p.MaxPoolBytes <= 0 {
		p.MaxPoolBytes = DefaultMaxPoolBytes
	}
	if p.Expiry <= 0 {
		p.Expiry = DefaultExpiry
	}
	if p.OrphanExpiry <= 0 {
		p.OrphanExpiry = DefaultOrphanExpiry
	}
	set(&p.MaxOrphans, DefaultMaxOrphans)
	set(&p.MaxAncestors, DefaultMaxAncestors)
	set(&p.MaxDescendants, DefaultMaxDescendants)
	set(&p.MaxAncestorBytes, DefaultMaxAncestorBytes)
	set(&p.MaxReplacements, DefaultMaxReplacements)
	return p
}

// Config holds what a TxPool needs from the node. The pool knows the chain
// only through these fields, so tests can hand in a real chain or fakes.
type Config struct {
	// Params are the network's parameters (genesis hash for signatures,
	// coinbase maturity, block size). Required.
	Params *chain.Params
	// FetchUtxo returns the confirmed unspent output at an outpoint, ok
	// false if there is none (chain.BlockChain.FetchUtxo). Required.
	FetchUtxo func(chain.OutPoint) (chain.UtxoEntry, bool, error)
	// BestState returns the tip of the main chain
	// (chain.BlockChain.BestState); the pool uses its Height and
	// MedianTime. Required.
	BestState func() chain.BestState
	// SigCache receives every signature the pool verifies and is shared
	// with the chain, so block connection does not verify them again. Nil
	// means a private cache.
	SigCache *chain.SigCache
	// SigVerifier checks signatures, as the chain's does;
	// sigverify.Default() if nil.
	SigVerifier sigverify.Verifier
	// Policy is the relay policy; zero fields take their defaults.
	Policy Policy
	// OnAdded, if set, is told of every transaction that enters the pool,
	// with its fee, however it came (accepted, an orphan unlocked, put back
	// after a reorganisation). OnAdded and OnRemoved are called in the
	// order the pool changed.
	OnAdded func(tx *chain.Tx, fee uint64)
	// OnRemoved, if set, is told of every transaction that leaves the pool
	// and why (for the node's event stream). It is called outside the pool
	// lock, after the call that removed the transaction, and may query the
	// pool but should return quickly.
	OnRemoved func(tx *chain.Tx, reason RemovalReason)
	// Now is the clock for expiry; time.Now if nil.
	Now func() time.Time
	// Logger receives the pool's log lines; slog.Default() if nil.
	Logger *slog.Logger
}

// check validates the required fields.
func (c *Config) check() error {
	if c.Params == nil || c.FetchUtxo == nil || c.BestState == nil {
		return errors.New("mempool: Config needs Params, FetchUtxo and BestState")
	}
	return nil
}

// cmpRate compares fee rates f1/s1 and f2/s2 exactly (sizes > 0): -1, 0 or
// +1.
func cmpRate(f1 uint64, s1 int, f2 uint64, s2 int) int {
	h1, l1 := bits.Mul64(f1, uint64(s2))
	h2, l2 := bits.Mul64(f2, uint64(s1))
	switch {
	case h1 < h2 || (h1 == h2 && l1 < l2):
		return -1
	case h1 == h2 && l1 == l2:
		return 0
	}
	return 1
}
