package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/wallet"
)

// fakeWalletNode is a node that holds one mature coin for the first
// address it is asked about and records what it is sent.
type fakeWalletNode struct {
	params  *chain.Params
	coinTo  [32]byte
	hasCoin bool
	sent    []*chain.Tx
}

func (n *fakeWalletNode) ListUnspent(ctx context.Context, addrs []string) ([]wallet.Unspent, error) {
	var out []wallet.Unspent
	for _, a := range addrs {
		pk, err := chain.DecodeAddress(n.params, a)
		if err != nil {
			return nil, err
		}
		if n.hasCoin && pk == n.coinTo {
			out = append(out, wallet.Unspent{OutPoint: chain.OutPoint{TxID: chain.Hash{1}}, Value: 50 * chain.UnitsPerFLT,
				PubKey: pk, Height: 1, Coinbase: true, Confirmations: 200, BlockTime: 1_700_000_000})
		}
	}
	return out, nil
}
func (n *fakeWalletNode) BestHeight(context.Context) (uint32, error)           { return 200, nil }
func (n *fakeWalletNode) EstimateFeeRate(context.Context, int) (uint64, error) { return 2, nil }
func (n *fakeWalletNode) SendRawTransaction(_ context.Context, tx *chain.Tx) (chain.Hash, error) {
	n.sent = append(n.sent, tx)
	return tx.TxID(), nil
}

// TxState says a sent transaction waits in the mempool.
func (n *fakeWalletNode) TxState(_ context.Context, txid chain.Hash) (wallet.TxState, error) {
	for _, tx := range n.sent {
		if tx.TxID() == txid {
			return wallet.TxState{Status: wallet.TxInMempool}, nil
		}
	}
	return wallet.TxState{}, nil
}

// runWallet runs "flint wallet ARGS..." with stdout captured and stdin
// empty (not a terminal).
func runWallet(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{Name: "flint", Commands: []*cli.Command{walletCommand}, Writer: &out, ErrWriter: &errOut,
		Reader: strings.NewReader("")}
	err := app.Run(append([]string{"flint", "wallet"}, args...))
	return out.String(), err
}

func TestWalletCommands(t *testing.T) {
	p := chain.RegTestParams()
	node := &fakeWalletNode{params: p}
	old := newWalletNode
	newWalletNode = func(*cli.Context) (wallet.Node, error) { return node, nil }
	t.Cleanup(func() { newWalletNode = old })
	t.Setenv(walletPassphraseEnv, "test passphrase")

	dir := t.TempDir()
	path := filepath.Join(dir, "w.flw")
	common := []string{"--network", "regtest", "--wallet", path, "--log.level", "error"}
	args := func(cmd string, extra ...string) []string {
		return append(append([]string{cmd}, common...), extra...)
	}

	// Interactive confirmation is needed without --yes.
	if _, err := runWallet(t, args("create")...); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("create without a terminal: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused create wrote a file")
	}
	if testing.Short() {
		t.Skip("creating a wallet runs Argon2id with 64 MiB")
	}
	out, err := runWallet(t, args("create", "--yes", "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Address, Mnemonic string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(strings.Fields(created.Mnemonic)) != 24 {
		t.Fatalf("create output %q: %v", out, err)
	}
	if _, err := runWallet(t, args("create", "--yes")...); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second create: %v", err)
	}

	out, err = runWallet(t, args("address")...)
	if err != nil || strings.TrimSpace(out) != created.Address {
		t.Fatalf("address = %q, %v; want %s", out, err, created.Address)
	}
	node.coinTo, node.hasCoin = mustDecode(t, p, created.Address), true

	out, err = runWallet(t, args("balance", "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"confirmed": 50.00000000,`) || !strings.Contains(out, `"immature": 0.00000000,`) {
		t.Fatalf("balance: %s", out)
	}

	// JSON fields are typed: counts, heights, times and amounts are
	// numbers (amounts of FLT with eight decimals), statuses one word.
	out, err = runWallet(t, args("history", "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var history []map[string]any
	if err := json.Unmarshal([]byte(out), &history); err != nil || len(history) != 1 {
		t.Fatalf("history --json: %v\n%s", err, out)
	}
	if h := history[0]; h["kind"] != "received" || h["confirmations"] != float64(200) || h["status"] != "confirmed" ||
		h["amount"] != float64(50) || !strings.Contains(out, `"amount": 50.00000000,`) || h["address"] != created.Address || h["time"] != float64(1_700_000_000) ||
		h["blockheight"] != float64(1) {
		t.Fatalf("history --json entry: %v", h)
	}
	out, err = runWallet(t, args("history")...)
	if want := "2023-11-14T22:13:20Z  received 50.00000000 FLT  200 confirmations  " + created.Address + "  " + (chain.Hash{1}).String() + "\n"; err != nil || out != want {
		t.Fatalf("history = %q, %v; want %q", out, err, want)
	}
	out, err = runWallet(t, args("list-unspent", "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var unspent []map[string]any
	if err := json.Unmarshal([]byte(out), &unspent); err != nil || len(unspent) != 1 {
		t.Fatalf("list-unspent --json: %v\n%s", err, out)
	}
	if u := unspent[0]; u["confirmations"] != float64(200) || u["vout"] != float64(0) || u["status"] != "confirmed" ||
		u["coinbase"] != true || u["spendable"] != true {
		t.Fatalf("list-unspent --json entry: %v", u)
	}
	out, err = runWallet(t, args("balance", "--json")...)
	var balance map[string]chain.Amount
	if err != nil || json.Unmarshal([]byte(out), &balance) != nil || balance["total"] != 50*chain.UnitsPerFLT {
		t.Fatalf("balance --json: %v\n%s", err, out)
	}

	before, _ := os.ReadFile(path)
	other := chain.EncodeAddress(chain.MainNetParams(), node.coinTo)
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"nine decimals", args("send", "--yes", "--to", created.Address, "--amount", "1.123456789"), "more than 8 decimal places"},
		{"negative", args("send", "--yes", "--to", created.Address, "--amount", "-1"), "negative"},
		{"zero", args("send", "--yes", "--to", created.Address, "--amount", "0"), "greater than zero"},
		{"above balance", args("send", "--yes", "--to", created.Address, "--amount", "60"), "missing"},
		{"other network", args("send", "--yes", "--to", other, "--amount", "1"), "invalid address"},
		{"junk address", args("send", "--yes", "--to", "hello", "--amount", "1"), "invalid address"},
		{"no confirmation", args("send", "--to", created.Address, "--amount", "1"), "--yes"},
		{"zero fee rate", args("send", "--yes", "--to", created.Address, "--amount", "1", "--fee-rate", "0"), "--fee-rate"},
		{"amount and all", args("send", "--yes", "--to", created.Address, "--amount", "1", "--all"),
			"--amount and --all do not go together: --all sends every spendable coin"},
		{"no amount", args("send", "--yes", "--to", created.Address), "--amount is required (or --all to send every spendable coin)"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := runWallet(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one sentence: %q", err)
			}
		})
	}
	t.Setenv(walletPassphraseEnv, "wrong")
	if _, err := runWallet(t, args("balance")...); err == nil || err.Error() != "wrong passphrase for "+path+" (it came from $FLINT_WALLET_PASSPHRASE)" {
		t.Fatalf("wrong passphrase: %v", err)
	}
	t.Setenv(walletPassphraseEnv, "test passphrase")
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) || len(node.sent) != 0 {
		t.Fatal("a refused command wrote the wallet or broadcast")
	}

	out, err = runWallet(t, args("send", "--yes", "--json", "--to", created.Address, "--amount", "1.5")...)
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(out), &sent); err != nil || len(node.sent) != 1 || sent["amount"] != 1.5 ||
		!strings.Contains(out, `"amount": 1.50000000,`) ||
		sent["fee_rate"] != float64(2) || sent["size"] != float64(node.sent[0].SerializeSize()) {
		t.Fatalf("send: %s (sent %d)", out, len(node.sent))
	}
	out, err = runWallet(t, args("history", "--json")...)
	if err != nil || !strings.Contains(out, `"kind": "sent"`) {
		t.Fatalf("history: %s %v", out, err)
	}
	out, err = runWallet(t, args("list-unspent")...)
	if err != nil || !strings.Contains(out, "unconfirmed") {
		t.Fatalf("list-unspent: %s %v", out, err)
	}

	os.Chmod(path, 0o644)
	if _, err := runWallet(t, args("balance")...); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("open file: %v", err)
	}
	os.Chmod(path, 0o600)

	newWalletNode = old
	if _, err := runWallet(t, args("balance")...); err == nil || !strings.Contains(err.Error(), "cannot reach the node") {
		t.Fatalf("no node: %v", err)
	}
}

func mustDecode(t *testing.T, p *chain.Params, addr string) [32]byte {
	t.Helper()
	pk, err := chain.DecodeAddress(p, addr)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// TestDevWalletIgnoresPassphraseEnv checks that the dev node's wallet opens
// with FLINT_WALLET_PASSPHRASE exported for the user's other wallets.
func TestDevWalletIgnoresPassphraseEnv(t *testing.T) {
	p := chain.RegTestParams()
	node := &fakeWalletNode{params: p}
	old := newWalletNode
	newWalletNode = func(*cli.Context) (wallet.Node, error) { return node, nil }
	t.Cleanup(func() { newWalletNode = old })

	path := filepath.Join(t.TempDir(), defaultWalletFile)
	w, _, err := wallet.OpenOrCreateDev(path, p, wallet.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Setenv(walletPassphraseEnv, "correct horse battery staple")
	if out, err := runWallet(t, "balance", "--network", "regtest", "--wallet", path, "--log.level", "error"); err != nil || !strings.Contains(out, "confirmed:") {
		t.Fatalf("dev wallet with $%s set: %v\n%s", walletPassphraseEnv, err, out)
	}
}

// TestHistoryOrder checks that history lists what is in no block first,
// then by block height from the tip down, then dropped payments, with the
// block's time on every row in a block.
func TestHistoryOrder(t *testing.T) {
	recv := func(txid byte, height, conf uint32, blockTime int64) wallet.Coin {
		return wallet.Coin{Unspent: wallet.Unspent{OutPoint: chain.OutPoint{TxID: chain.Hash{txid}}, Value: 1000,
			Height: height, Confirmations: conf, BlockTime: blockTime}, Branch: wallet.ReceiveBranch}
	}
	sent := []wallet.SentTx{ // oldest first, as the wallet keeps them
		{TxID: chain.Hash{0xd}, Time: 150, Confirmed: true}, // confirmed before block times were kept
		{TxID: chain.Hash{0xc}, Time: 300},                  // dropped
		{TxID: chain.Hash{0xa}, Time: 490, Confirmed: true, Height: 5, BlockTime: 500},
		{TxID: chain.Hash{0xb}, Time: 700, Pending: true},
	}
	snap := &wallet.Snapshot{Height: 9, Coins: []wallet.Coin{
		recv(3, 3, 7, 300),
		recv(0xb, 0, 0, 0), // a payment to itself, pending
		recv(7, 7, 3, 700),
		{Unspent: wallet.Unspent{OutPoint: chain.OutPoint{TxID: chain.Hash{0xe}}, Height: 8, Confirmations: 2, BlockTime: 800},
			Branch: wallet.ChangeBranch}, // change: not listed
	}}
	type row struct {
		kind   string
		txid   byte
		height uint32
		time   int64
	}
	want := []row{
		{"sent", 0xb, 0, 700},
		{"received", 0xb, 0, 700},
		{"received", 7, 7, 700},
		{"sent", 0xa, 5, 500},
		{"received", 3, 3, 300},
		{"sent", 0xd, 0, 150},
		{"sent", 0xc, 0, 300},
	}
	got := historyEntries(sent, snap)
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.TxID != (chain.Hash{w.txid}) || g.BlockHeight != w.height || g.Time != w.time {
			t.Errorf("entry %d: %s %x height %d time %d; want %+v", i, g.Kind, g.TxID[0], g.BlockHeight, g.Time, w)
		}
	}
	if c := got[3].Confirmations; c == nil || *c != 5 {
		t.Errorf("the confirmed payment at height 5 of 9 has confirmations %v, want 5", c)
	}
}

// TestHistoryStatusText checks the status column of `wallet history` for
// people, word for word.
func TestHistoryStatusText(t *testing.T) {
	n := func(v uint32) *uint32 { return &v }
	for _, c := range []struct {
		entry historyEntry
		want  string
	}{
		{historyEntry{Status: statusConfirmed, Confirmations: n(1)}, "1 confirmation"},
		{historyEntry{Status: statusConfirmed, Confirmations: n(2)}, "2 confirmations"},
		{historyEntry{Status: statusConfirmed}, "confirmed"},
		{historyEntry{Status: statusUnconfirmed}, "unconfirmed"},
		{historyEntry{Status: statusImmature, MatureHeight: 120}, "immature until height 120"},
		{historyEntry{Status: statusDropped}, "dropped by the node"},
	} {
		if got := c.entry.statusText(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.entry, got, c.want)
		}
	}
}
