package wallet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
)

// testKDF is a cheap Argon2id setting for tests; real wallets use
// DefaultKDFParams.
var testKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func testOpts() []Option { return []Option{WithKDFParams(testKDF), WithLogger(nil)} }

// newTestWallet creates a wallet file in a temporary directory.
func newTestWallet(t *testing.T, p *chain.Params, mnemonic string) (*Wallet, string) {
	t.Helper()
	if mnemonic == "" {
		var err error
		if mnemonic, err = NewMnemonic(); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "wallet.flw")
	w, err := Create(path, p, mnemonic, "", []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w, path
}

func TestDefaultKDFParamsAreRFC9106(t *testing.T) {
	if got := DefaultKDFParams(); got != (KDFParams{Time: 3, MemoryKiB: 65536, Threads: 4}) {
		t.Fatalf("DefaultKDFParams() = %+v, want RFC 9106's second option t=3 m=64MiB p=4", got)
	}
	if err := DefaultKDFParams().check(); err != nil {
		t.Fatal(err)
	}
}

// TestKeystoreDefaultParams creates one wallet with the real parameters,
// to show they are what lands in the file.
func TestKeystoreDefaultParams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB Argon2id")
	}
	path := filepath.Join(t.TempDir(), "w")
	w, err := Create(path, chain.RegTestParams(), abandonMnemonic, "", []byte("pw"), WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, _ := os.ReadFile(path)
	hdr, _, _, err := decodeKeystore(b)
	if err != nil || hdr.KDF != DefaultKDFParams() {
		t.Fatalf("header %+v, %v", hdr.KDF, err)
	}
}

func TestKeystoreRoundTrip(t *testing.T) {
	p := chain.RegTestParams()
	w, path := newTestWallet(t, p, abandonMnemonic)
	addr, err := w.ReceiveAddress()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o, want 600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the wallet (temporary files left?)", len(entries))
	}
	raw, _ := os.ReadFile(path)
	seed, _ := SeedFromMnemonic(abandonMnemonic, "")
	if bytes.Contains(raw, seed) || bytes.Contains(raw, []byte("abandon")) {
		t.Fatal("the file holds the seed in the clear")
	}

	w2, err := Open(path, p, []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if addr2, _ := w2.ReceiveAddress(); addr2 != addr {
		t.Fatalf("reopened wallet gives %s, want %s", addr2, addr)
	}
	if _, err := w2.NewReceiveAddress(); err != nil {
		t.Fatal(err)
	}
	w3, err := Open(path, p, []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer w3.Close()
	if w3.state.NextReceive != 1 {
		t.Fatalf("saved NextReceive %d, want 1", w3.state.NextReceive)
	}

	if _, err := Open(path, chain.MainNetParams(), []byte("correct horse"), testOpts()...); err == nil ||
		!strings.Contains(err.Error(), "regtest network, not main") {
		t.Fatalf("opening on another network: %v", err)
	}
	if _, err := Create(path, p, abandonMnemonic, "", []byte("x"), testOpts()...); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Create over an existing wallet: %v", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "w"), p, abandonMnemonic, "", nil, testOpts()...); err == nil {
		t.Fatal("Create accepted an empty passphrase")
	}
}

// TestKeystoreTamper checks that a wrong passphrase, a flipped bit anywhere
// in the file past the structural fields, and a tampered parameter all
// give the one ErrWrongPassphrase.
func TestKeystoreTamper(t *testing.T) {
	p := chain.RegTestParams()
	_, path := newTestWallet(t, p, abandonMnemonic)
	orig, _ := os.ReadFile(path)

	if _, err := Open(path, p, []byte("wrong horse"), testOpts()...); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if ErrWrongPassphrase.Error() != "wrong passphrase" {
		t.Fatal("the error text changed")
	}
	netOff := fixedHeaderSize
	tests := []struct {
		name string
		edit func(b []byte)
	}{
		{name: "time cost", edit: func(b []byte) { binary.LittleEndian.PutUint32(b[10:], 2) }},
		{name: "memory", edit: func(b []byte) { binary.LittleEndian.PutUint32(b[14:], 128) }},
		{name: "parallelism", edit: func(b []byte) { b[18] = 2 }},
		{name: "salt", edit: func(b []byte) { b[19] ^= 1 }},
		{name: "nonce", edit: func(b []byte) { b[35+23] ^= 0x80 }},
		{name: "network", edit: func(b []byte) { b[netOff] ^= 0x20 }},
		{name: "first ciphertext byte", edit: func(b []byte) { b[netOff+len("regtest")+4] ^= 1 }},
		{name: "middle ciphertext bit", edit: func(b []byte) { b[len(b)/2+40] ^= 0x10 }},
		{name: "tag", edit: func(b []byte) { b[len(b)-1] ^= 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(orig)
			tt.edit(b)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, p, []byte("correct horse"), testOpts()...)
			if !errors.Is(err, ErrWrongPassphrase) || err.Error() != ErrWrongPassphrase.Error() {
				t.Fatalf("Open = %v, want exactly %q", err, ErrWrongPassphrase)
			}
		})
	}
}

// TestKeystoreMalformed checks the structural refusals: each is
// ErrCorruptWallet with one sentence.
func TestKeystoreMalformed(t *testing.T) {
	p := chain.RegTestParams()
	_, path := newTestWallet(t, p, abandonMnemonic)
	orig, _ := os.ReadFile(path)
	tests := []struct {
		name string
		edit func(b []byte) []byte
	}{
		{name: "empty", edit: func(b []byte) []byte { return nil }},
		{name: "truncated header", edit: func(b []byte) []byte { return b[:30] }},
		{name: "truncated ciphertext", edit: func(b []byte) []byte { return b[:len(b)-5] }},
		{name: "trailing byte", edit: func(b []byte) []byte { return append(b, 0) }},
		{name: "magic", edit: func(b []byte) []byte { b[0] = 'X'; return b }},
		{name: "version", edit: func(b []byte) []byte { b[8] = 2; return b }},
		{name: "kdf", edit: func(b []byte) []byte { b[9] = 7; return b }},
		{name: "time zero", edit: func(b []byte) []byte { binary.LittleEndian.PutUint32(b[10:], 0); return b }},
		{name: "time huge", edit: func(b []byte) []byte { binary.LittleEndian.PutUint32(b[10:], 1<<31); return b }},
		{name: "threads zero", edit: func(b []byte) []byte { b[18] = 0; return b }},
		{name: "network length zero", edit: func(b []byte) []byte { b[fixedHeaderSize-1] = 0; return b }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, tt.edit(bytes.Clone(orig)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, p, []byte("correct horse"), testOpts()...)
			if !errors.Is(err, ErrCorruptWallet) {
				t.Fatalf("Open = %v, want ErrCorruptWallet", err)
			}
		})
	}
}

// TestKeystoreMemoryBound checks that a file claiming m = 4 TiB of Argon2
// memory is refused before anything near that is allocated.
func TestKeystoreMemoryBound(t *testing.T) {
	p := chain.RegTestParams()
	_, path := newTestWallet(t, p, abandonMnemonic)
	b, _ := os.ReadFile(path)
	binary.LittleEndian.PutUint32(b[14:], 0xFFFFFFFF) // 4 TiB in KiB
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Open(path, p, []byte("correct horse"), testOpts()...)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorruptWallet) || !strings.Contains(err.Error(), "Argon2 memory") {
		t.Fatalf("Open = %v, want the memory bound refusal", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("allocated %d bytes before refusing", got)
	}
	if err := (KDFParams{Time: 1, MemoryKiB: MaxKDFMemoryKiB + 1, Threads: 1}).check(); err == nil {
		t.Fatal("memory just past the bound accepted")
	}
}

func TestKeystorePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	p := chain.RegTestParams()
	_, path := newTestWallet(t, p, abandonMnemonic)
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o602} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, p, []byte("correct horse"), testOpts()...)
		if !errors.Is(err, ErrInsecurePermissions) || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Fatalf("mode %o: %v, want a refusal saying chmod 600", mode, err)
		}
	}
	os.Chmod(path, 0o600)
	if _, err := Open(path, p, []byte("correct horse"), testOpts()...); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), p, []byte("x"), testOpts()...); err == nil ||
		!strings.Contains(err.Error(), "no wallet file") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestKeystoreFailedWriteKeepsOld checks that a save that cannot complete
// leaves the old file as it was and no temporary file behind.
func TestKeystoreFailedWriteKeepsOld(t *testing.T) {
	if runtime.GOOS == "windows" || os.Getuid() == 0 {
		t.Skip("needs a directory the user cannot write")
	}
	p := chain.RegTestParams()
	w, path := newTestWallet(t, p, abandonMnemonic)
	orig, _ := os.ReadFile(path)
	dir := filepath.Dir(path)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if _, err := w.NewReceiveAddress(); err == nil {
		t.Fatal("save into a read-only directory succeeded")
	}
	now, _ := os.ReadFile(path)
	if !bytes.Equal(orig, now) {
		t.Fatal("the wallet file changed")
	}
	if w.state.NextReceive != 0 {
		t.Fatal("the failed save moved the index")
	}
}
