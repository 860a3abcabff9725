package wallet

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/flint-chain/flint/internal/atomicfile"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// The keystore file layout (all integers little-endian):
//
//	offset  size  field
//	0       8     magic "FLINTWAL"
//	8       1     format version, 1
//	9       1     KDF, 1 = Argon2id (v1.3)
//	10      4     Argon2 time cost t (passes)
//	14      4     Argon2 memory m in KiB
//	18      1     Argon2 parallelism p
//	19      16    salt
//	35      24    XChaCha20-Poly1305 nonce
//	59      1     length n of the network name (1..16)
//	60      n     network name ("main", "test", "regtest")
//	60+n    4     length c of the ciphertext
//	64+n    c     ciphertext of the JSON wallet state, with its 16-byte tag
//
// Everything before the ciphertext is the header; it is the AEAD's
// associated data, so a changed parameter, salt, nonce or network fails
// authentication exactly as a wrong passphrase does. Every field is
// bounds-checked before the KDF allocates its memory or anything is read
// past the header.
const (
	keystoreMagic   = "FLINTWAL"
	keystoreVersion = 1
	kdfArgon2id     = 1
	saltSize        = 16
	keySize         = chacha20poly1305.KeySize
	maxNetworkName  = 16
	// fixedHeaderSize is the header up to and including the network name
	// length byte.
	fixedHeaderSize = 8 + 1 + 1 + 4 + 4 + 1 + saltSize + chacha20poly1305.NonceSizeX + 1
	// MaxKeystoreSize bounds a keystore file; a larger file is refused
	// before it is read.
	MaxKeystoreSize = 8 << 20
)

// Argon2id parameter bounds a keystore may claim. The upper bounds keep a
// corrupted or hostile file from making the wallet allocate gigabytes or
// spin for minutes; RFC 9106's first recommended option (m = 2 GiB, t = 1)
// is the largest memory accepted.
const (
	MinKDFTime      = 1
	MaxKDFTime      = 16
	MaxKDFMemoryKiB = 2 << 20 // 2 GiB
	MinKDFThreads   = 1
	MaxKDFThreads   = 16
)

// KDFParams are the Argon2id parameters of a keystore.
type KDFParams struct {
	// Time is the number of passes over the memory.
	Time uint32
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// DefaultKDFParams returns RFC 9106's second recommended option for
// Argon2id: t = 3, m = 64 MiB, p = 4. Every wallet uses it unless a test
// asks for cheaper parameters with WithKDFParams.
func DefaultKDFParams() KDFParams {
	return KDFParams{Time: 3, MemoryKiB: 64 << 10, Threads: 4}
}

// check refuses parameters outside the bounds, before anything is
// allocated for them.
func (p KDFParams) check() error {
	switch {
	case p.Time < MinKDFTime || p.Time > MaxKDFTime:
		return fmt.Errorf("Argon2 time cost %d is outside %d..%d", p.Time, MinKDFTime, MaxKDFTime)
	case p.Threads < MinKDFThreads || p.Threads > MaxKDFThreads:
		return fmt.Errorf("Argon2 parallelism %d is outside %d..%d", p.Threads, MinKDFThreads, MaxKDFThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > MaxKDFMemoryKiB:
		return fmt.Errorf("Argon2 memory of %d KiB is outside %d..%d KiB", p.MemoryKiB, 8*uint32(p.Threads), MaxKDFMemoryKiB)
	}
	return nil
}

// ErrWrongPassphrase is returned when the keystore does not decrypt: the
// passphrase is wrong, or the file was changed (a flipped bit, a tampered
// parameter). The two cannot be told apart, by design; the message names
// the far likelier cause, and a file that is not a keystore at all is
// ErrCorruptWallet.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// ErrCorruptWallet is returned (wrapped, with the reason) for a file that
// is not a well-formed keystore: wrong magic, truncated, out-of-bounds
// parameters, trailing bytes.
var ErrCorruptWallet = errors.New("corrupted wallet file")

// ErrInsecurePermissions is returned (wrapped) for a keystore that group or
// others may read or write.
var ErrInsecurePermissions = errors.New("wallet file permissions are too open")

// keystoreHeader is the clear part of a keystore file.
type keystoreHeader struct {
	KDF     KDFParams
	Salt    [saltSize]byte
	Nonce   [chacha20poly1305.NonceSizeX]byte
	Network string
}

// encode returns the header bytes for a ciphertext of length ctLen.
func (h *keystoreHeader) encode(ctLen int) []byte {
	b := make([]byte, 0, fixedHeaderSize+len(h.Network)+4)
	b = append(b, keystoreMagic...)
	b = append(b, keystoreVersion, kdfArgon2id)
	b = binary.LittleEndian.AppendUint32(b, h.KDF.Time)
	b = binary.LittleEndian.AppendUint32(b, h.KDF.MemoryKiB)
	b = append(b, h.KDF.Threads)
	b = append(b, h.Salt[:]...)
	b = append(b, h.Nonce[:]...)
	b = append(b, byte(len(h.Network)))
	b = append(b, h.Network...)
	return binary.LittleEndian.AppendUint32(b, uint32(ctLen))
}

// decodeKeystore splits a keystore file into its header, the header bytes
// (the associated data) and the ciphertext, checking every bound. It
// allocates nothing that depends on the file's claims.
func decodeKeystore(b []byte) (hdr keystoreHeader, aad, ct []byte, err error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrCorruptWallet, fmt.Sprintf(format, args...))
	}
	if len(b) < fixedHeaderSize {
		return hdr, nil, nil, corrupt("file is truncated (%d bytes)", len(b))
	}
	if string(b[:8]) != keystoreMagic {
		return hdr, nil, nil, corrupt("not a Flint wallet file")
	}
	if b[8] != keystoreVersion {
		return hdr, nil, nil, corrupt("unknown format version %d", b[8])
	}
	if b[9] != kdfArgon2id {
		return hdr, nil, nil, corrupt("unknown key derivation function %d", b[9])
	}
	hdr.KDF = KDFParams{
		Time:      binary.LittleEndian.Uint32(b[10:14]),
		MemoryKiB: binary.LittleEndian.Uint32(b[14:18]),
		Threads:   b[18],
	}
	if err := hdr.KDF.check(); err != nil {
		return hdr, nil, nil, corrupt("%v", err)
	}
	copy(hdr.Salt[:], b[19:19+saltSize])
	copy(hdr.Nonce[:], b[19+saltSize:fixedHeaderSize-1])
	n := int(b[fixedHeaderSize-1])
	if n == 0 || n > maxNetworkName {
		return hdr, nil, nil, corrupt("network name of %d bytes", n)
	}
	end := fixedHeaderSize + n + 4
	if len(b) < end {
		return hdr, nil, nil, corrupt("file is truncated (%d bytes)", len(b))
	}
	hdr.Network = string(b[fixedHeaderSize : fixedHeaderSize+n])
	ctLen := binary.LittleEndian.Uint32(b[end-4 : end])
	if ctLen < chacha20poly1305.Overhead || uint64(ctLen) != uint64(len(b)-end) {
		return hdr, nil, nil, corrupt("ciphertext length %d does not match the %d bytes that follow", ctLen, len(b)-end)
	}
	return hdr, b[:end], b[end:], nil
}

// deriveKey stretches a passphrase with the header's Argon2id parameters,
// which must have passed check.
func deriveKey(passphrase []byte, hdr *keystoreHeader) [keySize]byte {
	var key [keySize]byte
	k := argon2.IDKey(passphrase, hdr.Salt[:], hdr.KDF.Time, hdr.KDF.MemoryKiB, hdr.KDF.Threads, keySize)
	copy(key[:], k)
	clear(k)
	return key
}

// seal encrypts plaintext under key with a fresh random nonce, which it
// stores in hdr, and returns the whole file.
func seal(hdr *keystoreHeader, key *[keySize]byte, plaintext []byte) ([]byte, error) {
	if _, err := rand.Read(hdr.Nonce[:]); err != nil {
		return nil, fmt.Errorf("read randomness: %w", err)
	}
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	aad := hdr.encode(len(plaintext) + aead.Overhead())
	out := make([]byte, len(aad), len(aad)+len(plaintext)+aead.Overhead())
	copy(out, aad) // a separate copy: Seal's dst must not overlap the associated data
	return aead.Seal(out, hdr.Nonce[:], plaintext, aad), nil
}

// open decrypts a keystore file with key; any failure is ErrWrongPassphrase.
func open(hdr *keystoreHeader, key *[keySize]byte, aad, ct []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, hdr.Nonce[:], ct, aad)
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return pt, nil
}

// readKeystoreFile reads a keystore file after checking its permissions
// and size.
func readKeystoreFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no wallet file at %s (create one with 'flint wallet create')", path)
		}
		return nil, fmt.Errorf("open wallet file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open wallet file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrCorruptWallet, path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s may be read by group or others (mode %04o); fix it with: chmod 600 %s",
			ErrInsecurePermissions, path, fi.Mode().Perm(), path)
	}
	if fi.Size() > MaxKeystoreSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than a wallet file can be (%d)", ErrCorruptWallet, path, fi.Size(), MaxKeystoreSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxKeystoreSize+1))
	if err != nil {
		return nil, fmt.Errorf("read wallet file: %w", err)
	}
	return b, nil
}

// writeKeystoreFile writes data to path atomically: a temporary file in the
// same directory with mode 0600, fsynced, verified by decrypting it once
// with key, then renamed over path (or, when create is set, linked to path
// so that an existing wallet is never replaced), and the directory fsynced.
// On any error the temporary file is removed and path is unchanged.
func writeKeystoreFile(path string, data []byte, key *[keySize]byte, create bool) error {
	err := atomicfile.Write(path, data, atomicfile.Options{
		Mode:      0o600,
		Verify:    func(tmp string) error { return verifyKeystoreFile(tmp, data, key) },
		NoReplace: create,
	})
	switch {
	case errors.Is(err, atomicfile.ErrExists):
		return fmt.Errorf("a wallet file already exists at %s; refusing to overwrite it", path)
	case err != nil:
		return fmt.Errorf("write wallet file: %w", err)
	}
	return nil
}

// verifyKeystoreFile reads the written file back and decrypts it once.
func verifyKeystoreFile(name string, want []byte, key *[keySize]byte) error {
	got, err := readKeystoreFile(name)
	if err != nil {
		return fmt.Errorf("verify written wallet file: %w", err)
	}
	if !bytes.Equal(got, want) {
		return errors.New("verify written wallet file: contents differ from what was written")
	}
	hdr, aad, ct, err := decodeKeystore(got)
	if err != nil {
		return fmt.Errorf("verify written wallet file: %w", err)
	}
	pt, err := open(&hdr, key, aad, ct)
	if err != nil {
		return fmt.Errorf("verify written wallet file: %w", err)
	}
	clear(pt)
	return nil
}
