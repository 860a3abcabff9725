package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/wallet"
)

// The key commands: create, restore and address.

func runWalletCreate(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	if _, err := os.Stat(e.path); err == nil {
		return fmt.Errorf("a wallet file already exists at %s; refusing to overwrite it", e.path)
	}
	pass, err := e.passphrase(true)
	if err != nil {
		return err
	}
	defer clear(pass)
	mnemonic, err := wallet.NewMnemonic()
	if err != nil {
		return err
	}
	yes := ctx.Bool(walletYesFlag.Name)
	if !yes {
		if err := e.confirmMnemonic(mnemonic); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(e.path), 0o700); err != nil {
		return fmt.Errorf("create the wallet directory: %w", err)
	}
	w, err := wallet.Create(e.path, e.params, mnemonic, "", pass, e.opts...)
	if err != nil {
		return err
	}
	defer w.Close()
	addr, err := w.ReceiveAddress()
	if err != nil {
		return err
	}
	js := map[string]string{"wallet": e.path, "network": e.params.Name, "address": addr}
	if yes {
		js["mnemonic"] = mnemonic // shown nowhere else: the caller must keep it
	}
	return e.print(walletOutput{json: js, text: func(out io.Writer) error {
		if yes {
			fmt.Fprintf(out, "Mnemonic (write it down; it is not shown again):\n%s\n\n", mnemonic)
		}
		_, err := fmt.Fprintf(out, "Wallet created at %s\nFirst receive address: %s\n", e.path, addr)
		return err
	}})
}

// confirmMnemonic shows the mnemonic once on stderr and asks for two of its
// words back, so that a user who did not write it down finds out now.
func (e *walletEnv) confirmMnemonic(mnemonic string) error {
	if _, _, tty := e.stdin(); !tty {
		return errors.New("creating a wallet needs a terminal to confirm the mnemonic; pass --yes to print it and skip the check")
	}
	words := strings.Fields(mnemonic)
	w := e.ctx.App.ErrWriter
	fmt.Fprintln(w, "Write down these 24 words in order. They are the only way to recover the wallet")
	fmt.Fprintln(w, "and they will not be shown again:")
	fmt.Fprintln(w)
	for i, word := range words {
		fmt.Fprintf(w, "%2d. %-10s", i+1, word)
		if i%4 == 3 {
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w)
	a, b := randomIndex(len(words)), randomIndex(len(words))
	for b == a {
		b = randomIndex(len(words))
	}
	for _, i := range []int{min(a, b), max(a, b)} {
		got, err := e.prompt(fmt.Sprintf("To confirm, type word #%d: ", i+1), false)
		if err != nil {
			return err
		}
		if strings.ToLower(strings.TrimSpace(got)) != words[i] {
			return fmt.Errorf("word #%d does not match; nothing was written, run create again", i+1)
		}
	}
	fmt.Fprint(w, "\033[2J\033[H") // clear the screen the words were on
	return nil
}

func randomIndex(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return int(v.Int64())
}

func runWalletRestore(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	if _, err := os.Stat(e.path); err == nil {
		return fmt.Errorf("a wallet file already exists at %s; refusing to overwrite it", e.path)
	}
	var mnemonic string
	if name := ctx.String(walletMnemonicFileFlag.Name); name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("--mnemonic-file: %w", err)
		}
		mnemonic = string(b)
	} else if mnemonic, err = e.prompt("Mnemonic (24 words): ", true); err != nil {
		return err
	}
	if mnemonic, err = wallet.NormalizeMnemonic(mnemonic); err != nil {
		return err
	}
	node, err := e.node()
	if err != nil {
		return err
	}
	pass, err := e.passphrase(true)
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := os.MkdirAll(filepath.Dir(e.path), 0o700); err != nil {
		return fmt.Errorf("create the wallet directory: %w", err)
	}
	rctx, cancel := rpcContext()
	defer cancel()
	w, err := wallet.Restore(rctx, e.path, e.params, mnemonic, "", pass, node, e.opts...)
	if err != nil {
		return err
	}
	defer w.Close()
	bal, err := w.Balance(rctx, node)
	if err != nil {
		return err
	}
	return e.print(walletOutput{
		json: map[string]any{"wallet": e.path, "network": e.params.Name, "balance": balanceJSON(bal)},
		text: func(out io.Writer) error {
			fmt.Fprintf(out, "Wallet restored at %s\n", e.path)
			return printBalance(out, bal)
		},
	})
}

// runWalletAddress prints the next unused receive address. With a node
// the wallet first moves past addresses that received funds; without one
// it hands out the stored next address.
func runWalletAddress(ctx *cli.Context) error {
	return walletOp{sync: true, nodeOptional: true, run: func(s *walletSession) (walletOutput, error) {
		var addr string
		var err error
		if s.ctx.Bool(walletNewAddressFlag.Name) {
			addr, err = s.wallet.NewReceiveAddress()
		} else {
			addr, err = s.wallet.ReceiveAddress()
		}
		if err != nil {
			return walletOutput{}, err
		}
		return walletOutput{json: map[string]string{"address": addr}, text: func(out io.Writer) error {
			_, err := fmt.Fprintln(out, addr)
			return err
		}}, nil
	}}.action(ctx)
}
