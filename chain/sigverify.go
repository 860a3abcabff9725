package chain

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// DefaultSigCacheSize is the number of verified signatures a SigCache
// remembers unless told otherwise (about 3 MB).
const DefaultSigCacheSize = 100_000

// SigCache remembers signatures already verified, so that a transaction the
// mempool accepted is not verified again when its block connects. Only the
// mempool adds to it: block validation reads it but does not fill it with
// signatures that will never be seen again. An entry
// is the hash of (sighash, public key, signature): a hit proves that exact
// triple verified. It is bounded: when full, an arbitrary entry is evicted.
// Safe for concurrent access.
type SigCache struct {
	mu      sync.RWMutex
	entries map[Hash]struct{}
	max     int
}

// NewSigCache returns a cache of at most max entries.
func NewSigCache(max int) *SigCache {
	return &SigCache{entries: make(map[Hash]struct{}, min(max, 1024)), max: max}
}

func sigCacheKey(sigHash Hash, pubKey [32]byte, sig []byte) Hash {
	var buf [HashSize + 32 + SignatureSize]byte
	copy(buf[:], sigHash[:])
	copy(buf[HashSize:], pubKey[:])
	copy(buf[HashSize+32:], sig)
	return sha256.Sum256(buf[:])
}

// Contains reports whether the triple was verified before.
func (s *SigCache) Contains(sigHash Hash, pubKey [32]byte, sig []byte) bool {
	if s.max == 0 {
		return false
	}
	k := sigCacheKey(sigHash, pubKey, sig)
	s.mu.RLock()
	_, ok := s.entries[k]
	s.mu.RUnlock()
	return ok
}

// Add records a triple that verified.
func (s *SigCache) Add(sigHash Hash, pubKey [32]byte, sig []byte) {
	if s.max == 0 {
		return
	}
	k := sigCacheKey(sigHash, pubKey, sig)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= s.max {
		for old := range s.entries { // map order is random: a random eviction
			delete(s.entries, old)
			break
		}
	}
	s.entries[k] = struct{}{}
}

// Len returns the number of cached entries.
func (s *SigCache) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// sigJob is one signature check of a block.
type sigJob struct {
	sigHash Hash
	pubKey  [32]byte
	sig     []byte
	txid    Hash
	input   int
}

// VerifySignature checks a BIP-340 signature of sigHash by the x-only
// pubKey. The encoding (r < p, s < n) must have been checked already, as
// CheckTransactionSanity does. A key that is not a valid x coordinate makes
// its output unspendable: every signature fails.
func VerifySignature(sigHash Hash, pubKey [32]byte, sig []byte) bool {
	pk, err := schnorr.ParsePubKey(pubKey[:])
	if err != nil {
		return false
	}
	s, err := schnorr.ParseSignature(sig)
	if err != nil {
		return false
	}
	return s.Verify(sigHash[:], pk)
}

// verifySignatures checks every job on all cores, skipping those in the
// signature cache, and returns an ErrBadSignature RuleError for the first
// failure found.
func (c *BlockChain) verifySignatures(jobs []sigJob) error {
	if len(jobs) == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var next atomic.Int64
	var failed atomic.Pointer[sigJob]
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for failed.Load() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				j := &jobs[i]
				if c.sigCache.Contains(j.sigHash, j.pubKey, j.sig) {
					continue
				}
				if !VerifySignature(j.sigHash, j.pubKey, j.sig) {
					failed.CompareAndSwap(nil, j)
					return
				}
			}
		}()
	}
	wg.Wait()
	if j := failed.Load(); j != nil {
		return ruleError(ErrBadSignature, "transaction %v input %d: signature does not verify", j.txid, j.input)
	}
	return nil
}
