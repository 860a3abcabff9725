package wallet

import (
	"errors"
	"fmt"
	"os"

	"github.com/flint-chain/flint/chain"
)

// DevPassphrase is the passphrase of the dev node's wallet. It is public:
// anyone who can read a dev wallet can spend from it, which is what a
// development chain wants and nothing else should. The wallet commands try
// it on regtest when no passphrase is given, so the dev wallet needs none.
const DevPassphrase = "flint-dev-insecure"

// OpenOrCreateDev opens the dev wallet at path, creating it with a fresh
// mnemonic if the file does not exist. It refuses any network but regtest.
func OpenOrCreateDev(path string, p *chain.Params, opts ...Option) (w *Wallet, created bool, err error) {
	if !p.NoRetarget {
		return nil, false, fmt.Errorf("the dev wallet is for regtest only, not %s", p.Name)
	}
	if _, err := os.Stat(path); err == nil {
		w, err := Open(path, p, []byte(DevPassphrase), opts...)
		return w, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	mnemonic, err := NewMnemonic()
	if err != nil {
		return nil, false, err
	}
	w, err = Create(path, p, mnemonic, "", []byte(DevPassphrase), opts...)
	return w, err == nil, err
}
