package wallet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/flint-chain/flint/chain"
)

// FuzzDecodeKeystore hands arbitrary bytes to the keystore file decoder.
// It never panics; a file it accepts is its header's encoding followed by
// the ciphertext; a file it refuses is ErrCorruptWallet.
func FuzzDecodeKeystore(f *testing.F) {
	path := filepath.Join(f.TempDir(), "wallet.flw")
	w, err := Create(path, chain.RegTestParams(), abandonMnemonic, "", []byte("pw"), testOpts()...)
	if err != nil {
		f.Fatal(err)
	}
	w.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:fixedHeaderSize])
	f.Add(good[:len(good)-1])
	f.Add(append(append([]byte(nil), good...), 0))
	f.Add([]byte(keystoreMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		hdr, aad, ct, err := decodeKeystore(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptWallet) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if enc := hdr.encode(len(ct)); !bytes.Equal(enc, aad) {
			t.Fatalf("header encodes to %x, file has %x", enc, aad)
		}
		if !bytes.Equal(append(append([]byte(nil), aad...), ct...), b) {
			t.Fatal("header and ciphertext do not make up the file")
		}
		if err := hdr.KDF.check(); err != nil {
			t.Fatalf("accepted out-of-bounds parameters: %v", err)
		}
	})
}
