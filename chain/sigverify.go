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

// sigVerifier checks a block's signatures on all cores while the block's
// inputs are still being looked up, so that database work and curve
// arithmetic overlap. Jobs are sent with add; wait returns the first
// failure.
type sigVerifier struct {
	cache  *SigCache
	jobs   chan sigJob
	wg     sync.WaitGroup
	failed atomic.Pointer[sigJob]
}

// newSigVerifier starts one worker per core.
func newSigVerifier(cache *SigCache) *sigVerifier {
	v := &sigVerifier{cache: cache, jobs: make(chan sigJob, 256)}
	for range runtime.GOMAXPROCS(0) {
		v.wg.Add(1)
		go v.work()
	}
	return v
}

func (v *sigVerifier) work() {
	defer v.wg.Done()
	for j := range v.jobs {
		if v.failed.Load() != nil || v.cache.Contains(j.sigHash, j.pubKey, j.sig) {
			continue // after a failure, drain without working
		}
		if !VerifySignature(j.sigHash, j.pubKey, j.sig) {
			v.failed.CompareAndSwap(nil, &j)
		}
	}
}

// add queues one signature check.
func (v *sigVerifier) add(j sigJob) { v.jobs <- j }

// wait ends the job queue, waits for the workers and returns an
// ErrBadSignature RuleError for a signature that did not verify. It must be
// called exactly once, also when the block failed for another reason.
func (v *sigVerifier) wait() error {
	close(v.jobs)
	v.wg.Wait()
	if j := v.failed.Load(); j != nil {
		return ruleError(ErrBadSignature, "transaction %v input %d: signature does not verify", j.txid, j.input)
	}
	return nil
}
