package chain

import (
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/flint-chain/flint/sigverify"
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

// SigChecks collects the signature checks of a block or a transaction,
// leaving out those the cache has seen, for one call to a batch verifier:
// each check is a (key, message, signature) triple whose key the verifier
// parses once. Block validation and the mempool both use it.
type SigChecks struct {
	cache   *SigCache
	triples []sigverify.Triple
	refs    []SigRef

	// Set by Stream: every chunk checks are handed to verifier as soon as
	// they are queued, each on its own goroutine.
	verifier sigverify.Verifier
	chunk    int
	sent     int // checks [0, sent) are handed over
	chunks   []*sigChunk
	wg       sync.WaitGroup
}

// sigChunk is one VerifyBatch call of a streaming SigChecks.
type sigChunk struct {
	lo  int    // index of its first check
	bad []bool // written by the verifying goroutine
}

// SigRef names the input whose signature a check is.
type SigRef struct {
	TxID  Hash
	Input int
}

// NewSigChecks returns an empty set of checks that skips what cache holds.
func NewSigChecks(cache *SigCache) *SigChecks { return &SigChecks{cache: cache} }

// Add queues the check of sig, a BIP-340 signature of sigHash by the x-only
// pubKey, for input of txid, unless the cache has seen the triple. sig
// must be SignatureSize bytes (CheckTransactionSanity).
func (s *SigChecks) Add(sigHash Hash, pubKey [32]byte, sig []byte, txid Hash, input int) {
	if s.cache.Contains(sigHash, pubKey, sig) {
		return
	}
	t := sigverify.Triple{PubKey: pubKey, Msg: sigHash}
	copy(t.Sig[:], sig)
	s.triples = append(s.triples, t)
	s.refs = append(s.refs, SigRef{TxID: txid, Input: input})
	if s.chunk > 0 && len(s.triples)-s.sent >= s.chunk {
		s.send()
	}
}

// Stream makes the checks go to v in chunks of the given size as they are
// queued, so that verifying overlaps with whatever the caller does between
// Adds (a block's input lookups); Wait collects the verdicts.
func (s *SigChecks) Stream(v sigverify.Verifier, chunk int) {
	s.verifier, s.chunk = v, max(1, chunk)
}

// send hands the checks not yet handed over to the verifier as one batch.
func (s *SigChecks) send() {
	lo, hi := s.sent, len(s.triples)
	if lo == hi {
		return
	}
	// The full slice expression keeps later appends out of the chunk.
	ts := s.triples[lo:hi:hi]
	c := &sigChunk{lo: lo, bad: make([]bool, hi-lo)}
	s.chunks = append(s.chunks, c)
	s.sent = hi
	s.wg.Go(func() { s.verifier.VerifyBatch(ts, c.bad) })
}

// Wait sends the last chunk of a streaming SigChecks, waits for every chunk
// and returns the inputs whose signatures fail, in the order they were
// added.
func (s *SigChecks) Wait() []SigRef {
	s.send()
	s.wg.Wait()
	var failed []SigRef
	for _, c := range s.chunks {
		for i, b := range c.bad {
			if b {
				failed = append(failed, s.refs[c.lo+i])
			}
		}
	}
	return failed
}

// Len is the number of checks queued.
func (s *SigChecks) Len() int { return len(s.triples) }

// Verify runs the queued checks with v on up to workers goroutines and
// returns the inputs whose signatures fail, in the order they were added.
func (s *SigChecks) Verify(v sigverify.Verifier, workers int) []SigRef {
	bad := make([]bool, len(s.triples))
	if sigverify.VerifyParallel(v, s.triples, bad, workers) {
		return nil
	}
	var failed []SigRef
	for i, b := range bad {
		if b {
			failed = append(failed, s.refs[i])
		}
	}
	return failed
}

// Remember adds every queued triple to the cache: for the mempool, after
// Verify found them all good.
func (s *SigChecks) Remember() {
	for _, t := range s.triples {
		s.cache.Add(t.Msg, t.PubKey, t.Sig[:])
	}
}

// VerifySignature checks a BIP-340 signature of sigHash by the x-only
// pubKey with the default verifier. A key that is not a valid x coordinate
// makes its output unspendable: every signature fails.
func VerifySignature(sigHash Hash, pubKey [32]byte, sig []byte) bool {
	if len(sig) != SignatureSize {
		return false
	}
	t := sigverify.Triple{PubKey: pubKey, Msg: sigHash}
	copy(t.Sig[:], sig)
	return sigverify.Default().Verify(&t)
}

// blockSigChecks returns the SigChecks for b's signatures, streaming to the
// chain's verifier in one chunk per core (at most sigverify.MaxChunk), so
// that the first chunks are verified while the block's later inputs are
// still being looked up.
func (c *BlockChain) blockSigChecks(b *Block) *SigChecks {
	inputs := 0
	for _, tx := range b.Txs[1:] {
		inputs += len(tx.Inputs)
	}
	cores := runtime.GOMAXPROCS(0)
	checks := NewSigChecks(c.sigCache)
	checks.Stream(c.sigVerifier, min(sigverify.MaxChunk, (inputs+cores-1)/cores))
	return checks
}

// verifyBlockSigs finishes checking a block's signatures (streamed by
// blockSigChecks) on another goroutine, so that the caller can stage the
// block's writes meanwhile, and returns a channel that delivers nil or an
// ErrBadSignature RuleError naming the first input, in block order, whose
// signature fails.
func (c *BlockChain) verifyBlockSigs(checks *SigChecks) <-chan error {
	done := make(chan error, 1)
	go func() {
		failed := checks.Wait()
		if len(failed) == 0 {
			done <- nil
			return
		}
		f := failed[0]
		done <- ruleError(ErrBadSignature, "transaction %v input %d: signature does not verify", f.TxID, f.Input)
	}()
	return done
}
