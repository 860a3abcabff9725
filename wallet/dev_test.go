package wallet

import (
	"path/filepath"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestDevWallet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.flw")
	p := chain.RegTestParams()
	w, created, err := OpenOrCreateDev(path, p, WithKDFParams(testKDF))
	if err != nil || !created {
		t.Fatalf("create: %v (created %v)", err, created)
	}
	addr, err := w.ReceiveAddress()
	if err != nil {
		t.Fatal(err)
	}
	w.Close()

	w, created, err = OpenOrCreateDev(path, p, WithKDFParams(testKDF))
	if err != nil || created {
		t.Fatalf("reopen: %v (created %v)", err, created)
	}
	if again, _ := w.ReceiveAddress(); again != addr {
		t.Fatalf("reopened dev wallet has address %s, want %s", again, addr)
	}
	w.Close()
	if _, err := Open(path, p, []byte(DevPassphrase)); err != nil {
		t.Fatalf("dev wallet does not open with the dev passphrase: %v", err)
	}
	if _, _, err := OpenOrCreateDev(filepath.Join(t.TempDir(), "main.flw"), chain.MainNetParams()); err == nil {
		t.Fatal("a dev wallet on the main network")
	}
}
