package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the size in bytes of every hash Flint uses.
const HashSize = 32

// Hash is a SHA-256 digest in internal (digest) byte order, the order used
// inside every preimage. Its String form is the byte-reversed hex that users
// see, as in Bitcoin: a block hash that meets a target prints with leading
// zeros.
type Hash [HashSize]byte

// String returns the hash as byte-reversed hex.
func (h Hash) String() string {
	var r [HashSize]byte
	for i := range h {
		r[i] = h[HashSize-1-i]
	}
	return hex.EncodeToString(r[:])
}

// IsZero reports whether every byte of h is zero: the prev of a genesis
// header and the txid of the null outpoint.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText encodes the hash in its printed (byte-reversed hex) form, so
// hashes in JSON read as users expect.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes a hash from its printed form.
func (h *Hash) UnmarshalText(text []byte) error {
	parsed, err := NewHashFromStr(string(text))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

// NewHashFromStr parses the printed (byte-reversed hex) form of a hash. It
// requires exactly 64 hex digits.
func NewHashFromStr(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("hash must be %d hex digits, got %d", 2*HashSize, len(s))
	}
	var b [HashSize]byte
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return h, fmt.Errorf("hash is not hex: %w", err)
	}
	for i := range b {
		h[i] = b[HashSize-1-i]
	}
	return h, nil
}

// DoubleSHA256 returns SHA256(SHA256(b)).
func DoubleSHA256(b []byte) Hash {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}

// TaggedHash returns the BIP-340 style tagged hash
// SHA256(SHA256(tag) || SHA256(tag) || parts...).
func TaggedHash(tag string, parts ...[]byte) Hash {
	tagHash := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(tagHash[:])
	h.Write(tagHash[:])
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}
