package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/wallet"
)

// walletPassphraseEnv is the environment variable a script puts the wallet
// passphrase in.
const walletPassphraseEnv = "FLINT_WALLET_PASSPHRASE"

var (
	walletFileFlag = &cli.StringFlag{
		Name:    "wallet",
		Usage:   "wallet file (default: wallet.flw in the network's data directory)",
		EnvVars: []string{"FLINT_WALLET"},
	}
	walletPassphraseFileFlag = &cli.StringFlag{
		Name:  "passphrase-file",
		Usage: "read the wallet passphrase from this file (else $" + walletPassphraseEnv + ", else a prompt)",
	}
	walletJSONFlag = &cli.BoolFlag{
		Name:  "json",
		Usage: "print JSON for scripts",
	}
	walletYesFlag = &cli.BoolFlag{
		Name:  "yes",
		Usage: "do not ask for confirmation",
	}
	walletMnemonicFileFlag = &cli.StringFlag{
		Name:  "mnemonic-file",
		Usage: "read the 24 words from this file instead of a prompt",
	}
	walletSendToFlag = &cli.StringFlag{
		Name:     "to",
		Usage:    "address to pay",
		Required: true,
	}
	walletSendAmountFlag = &cli.StringFlag{
		Name:     "amount",
		Usage:    "amount in FLT, up to 8 decimals (e.g. 1.5)",
		Required: true,
	}
	walletFeeRateFlag = &cli.Uint64Flag{
		Name:  "fee-rate",
		Usage: "fee rate in units per byte (default: the node's estimate)",
	}
	walletNewAddressFlag = &cli.BoolFlag{
		Name:  "new",
		Usage: "hand out a new address even if the current one is unused",
	}
)

// walletVerboseFlag turns on the wallet's log lines. Without it (or
// --log.level) only warnings and errors are logged, so that what a
// command prints is all a user sees.
var walletVerboseFlag = &cli.BoolFlag{
	Name:    "verbose",
	Aliases: []string{"v"},
	Usage:   "log what the wallet does (to standard error)",
}

// newWalletNode connects the wallet commands to a node; tests replace it.
var newWalletNode = newRPCWalletNode

// walletFlags are the flags of every wallet subcommand.
func walletFlags(extra ...cli.Flag) []cli.Flag {
	flags := append([]cli.Flag{}, rpcClientFlags...)
	flags = append(flags, walletFileFlag, walletPassphraseFileFlag, walletJSONFlag, walletVerboseFlag, logLevelFlag, logFormatFlag)
	return append(flags, extra...)
}

var walletCommand = &cli.Command{
	Name:  "wallet",
	Usage: "create a wallet, receive, see the balance and send",
	Description: `The wallet keeps its keys in one encrypted file (--wallet) and asks the
node over JSON-RPC only for its unspent outputs; transactions are signed
here and submitted with sendrawtransaction. The passphrase comes from
--passphrase-file, else $` + walletPassphraseEnv + `, else a prompt.`,
	Subcommands: []*cli.Command{
		{
			Name:   "create",
			Usage:  "create a wallet: prints a new 24-word mnemonic once and asks to confirm it",
			Flags:  walletFlags(walletYesFlag),
			Action: runWalletCreate,
		},
		{
			Name:   "restore",
			Usage:  "recreate a wallet from its mnemonic, finding its coins on the node",
			Flags:  walletFlags(walletMnemonicFileFlag),
			Action: runWalletRestore,
		},
		{
			Name:   "address",
			Usage:  "print the next unused receive address (what --mine.address takes)",
			Flags:  walletFlags(walletNewAddressFlag),
			Action: runWalletAddress,
		},
		{
			Name:   "balance",
			Usage:  "print the confirmed, unconfirmed and immature balance",
			Flags:  walletFlags(),
			Action: runWalletBalance,
		},
		{
			Name:   "send",
			Usage:  "pay an address: shows amount, fee and change, and asks to confirm",
			Flags:  walletFlags(walletSendToFlag, walletSendAmountFlag, walletFeeRateFlag, walletYesFlag),
			Action: runWalletSend,
		},
		{
			Name:   "history",
			Usage:  "list the payments sent and the coins received",
			Flags:  walletFlags(),
			Action: runWalletHistory,
		},
		{
			Name:   "list-unspent",
			Usage:  "list the wallet's unspent outputs",
			Flags:  walletFlags(),
			Action: runWalletListUnspent,
		},
	},
}

// walletEnv is what every wallet subcommand starts from.
type walletEnv struct {
	ctx    *cli.Context
	params *chain.Params
	path   string
	opts   []wallet.Option
	out    io.Writer
	json   bool
}

func newWalletEnv(ctx *cli.Context) (*walletEnv, error) {
	if ctx.Args().Present() {
		return nil, fmt.Errorf("unexpected argument %q", ctx.Args().First())
	}
	if !ctx.IsSet(logLevelFlag.Name) && !ctx.Bool(walletVerboseFlag.Name) {
		if err := ctx.Set(logLevelFlag.Name, "warn"); err != nil {
			return nil, err
		}
	}
	log, err := newLogger(ctx)
	if err != nil {
		return nil, err
	}
	params, err := chain.ParamsByName(ctx.String(networkFlag.Name))
	if err != nil {
		return nil, err
	}
	path := ctx.String(walletFileFlag.Name)
	if path == "" {
		dir := ctx.String(dataDirFlag.Name)
		if dir == "" {
			if dir, err = defaultDataDir(params); err != nil {
				return nil, err
			}
		}
		path = filepath.Join(dir, defaultWalletFile)
	}
	return &walletEnv{ctx: ctx, params: params, path: path, opts: []wallet.Option{wallet.WithLogger(log)},
		out: ctx.App.Writer, json: ctx.Bool(walletJSONFlag.Name)}, nil
}

// printJSON writes v as indented JSON.
func (e *walletEnv) printJSON(v any) error {
	enc := json.NewEncoder(e.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// stdin returns the command's input and whether it is a terminal.
func (e *walletEnv) stdin() (io.Reader, int, bool) {
	r := e.ctx.App.Reader
	if r == nil {
		r = os.Stdin
	}
	if f, ok := r.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return r, int(f.Fd()), true
	}
	return r, -1, false
}

// prompt writes a question to stderr and reads one line of input, without
// echo when hidden and the input is a terminal.
func (e *walletEnv) prompt(question string, hidden bool) (string, error) {
	r, fd, tty := e.stdin()
	fmt.Fprint(e.ctx.App.ErrWriter, question)
	if hidden && tty {
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(e.ctx.App.ErrWriter)
		if err != nil {
			return "", fmt.Errorf("read from the terminal: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", errors.New("no answer on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// passphrase returns the wallet passphrase from --passphrase-file, the
// environment or a prompt (twice, when confirm is set).
func (e *walletEnv) passphrase(confirm bool) ([]byte, error) {
	if name := e.ctx.String(walletPassphraseFileFlag.Name); name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--passphrase-file: %w", err)
		}
		b = []byte(strings.TrimRight(string(b), "\r\n"))
		if len(b) == 0 {
			return nil, fmt.Errorf("--passphrase-file %s is empty", name)
		}
		return b, nil
	}
	if v, ok := os.LookupEnv(walletPassphraseEnv); ok {
		if v == "" {
			return nil, fmt.Errorf("$%s is set but empty", walletPassphraseEnv)
		}
		return []byte(v), nil
	}
	if _, _, tty := e.stdin(); !tty {
		return nil, fmt.Errorf("no passphrase: use --passphrase-file or $%s when not running in a terminal", walletPassphraseEnv)
	}
	p, err := e.prompt("Wallet passphrase: ", true)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return nil, errors.New("the passphrase must not be empty")
	}
	if confirm {
		again, err := e.prompt("Repeat the passphrase: ", true)
		if err != nil {
			return nil, err
		}
		if again != p {
			return nil, errors.New("the two passphrases differ")
		}
	}
	return []byte(p), nil
}

// open opens the wallet with the passphrase.
func (e *walletEnv) open() (*wallet.Wallet, error) {
	if _, err := os.Stat(e.path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no wallet file at %s (create one with 'flint wallet create')", e.path)
	}
	if e.params.NoRetarget && !e.passphraseGiven() {
		// On regtest, a dev node's wallet opens with the public dev
		// passphrase: no prompt.
		w, err := wallet.Open(e.path, e.params, []byte(wallet.DevPassphrase), e.opts...)
		if err == nil {
			fmt.Fprintln(e.ctx.App.ErrWriter, "(dev wallet: its passphrase is public; for development only)")
			return w, nil
		}
		if !errors.Is(err, wallet.ErrWrongPassphrase) {
			return nil, err
		}
	}
	pass, err := e.passphrase(false)
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	w, err := wallet.Open(e.path, e.params, pass, e.opts...)
	if errors.Is(err, wallet.ErrWrongPassphrase) && e.params.NoRetarget {
		// The dev wallet needs no passphrase, whatever the environment
		// holds for the user's other wallets.
		if w, devErr := wallet.Open(e.path, e.params, []byte(wallet.DevPassphrase), e.opts...); devErr == nil {
			fmt.Fprintln(e.ctx.App.ErrWriter, "(dev wallet: its passphrase is public; for development only)")
			return w, nil
		}
	}
	if errors.Is(err, wallet.ErrWrongPassphrase) {
		return nil, fmt.Errorf("%w for %s (it came from %s)", err, e.path, e.passphraseSource())
	}
	return w, err
}

// passphraseSource names where passphrase reads from, for a message.
func (e *walletEnv) passphraseSource() string {
	if name := e.ctx.String(walletPassphraseFileFlag.Name); name != "" {
		return "--passphrase-file " + name
	}
	if _, ok := os.LookupEnv(walletPassphraseEnv); ok {
		return "$" + walletPassphraseEnv
	}
	return "the prompt"
}

// passphraseGiven reports whether --passphrase-file or the environment
// supplies a passphrase.
func (e *walletEnv) passphraseGiven() bool {
	_, env := os.LookupEnv(walletPassphraseEnv)
	return env || e.ctx.String(walletPassphraseFileFlag.Name) != ""
}

// node connects to the node.
func (e *walletEnv) node() (wallet.Node, error) {
	n, err := newWalletNode(e.ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the node: %w", err)
	}
	return n, nil
}

// rpcContext bounds one command's node calls.
func rpcContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

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
	if !ctx.Bool(walletYesFlag.Name) {
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
	if e.json {
		out := map[string]string{"wallet": e.path, "network": e.params.Name, "address": addr}
		if ctx.Bool(walletYesFlag.Name) {
			out["mnemonic"] = mnemonic // shown nowhere else: the caller must keep it
		}
		return e.printJSON(out)
	}
	if ctx.Bool(walletYesFlag.Name) {
		fmt.Fprintf(e.out, "Mnemonic (write it down; it is not shown again):\n%s\n\n", mnemonic)
	}
	fmt.Fprintf(e.out, "Wallet created at %s\nFirst receive address: %s\n", e.path, addr)
	return nil
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
	if e.json {
		return e.printJSON(map[string]any{"wallet": e.path, "network": e.params.Name, "balance": balanceJSON(bal)})
	}
	fmt.Fprintf(e.out, "Wallet restored at %s\n", e.path)
	return printBalance(e.out, bal)
}

func runWalletAddress(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	w, err := e.open()
	if err != nil {
		return err
	}
	defer w.Close()
	// With a node the wallet first moves past addresses that received
	// funds; without one it hands out the stored next address.
	if node, err := newWalletNode(ctx); err == nil {
		rctx, cancel := rpcContext()
		defer cancel()
		if _, err := w.Sync(rctx, node); err != nil {
			return fmt.Errorf("cannot reach the node: %w", err)
		}
	}
	var addr string
	if ctx.Bool(walletNewAddressFlag.Name) {
		addr, err = w.NewReceiveAddress()
	} else {
		addr, err = w.ReceiveAddress()
	}
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(map[string]string{"address": addr})
	}
	fmt.Fprintln(e.out, addr)
	return nil
}

// openWithNode opens the wallet and connects to the node; the node first,
// so that an unreachable node costs no passphrase prompt.
func (e *walletEnv) openWithNode() (*wallet.Wallet, wallet.Node, error) {
	node, err := e.node()
	if err != nil {
		return nil, nil, err
	}
	w, err := e.open()
	if err != nil {
		return nil, nil, err
	}
	return w, node, nil
}

// openSynced opens the wallet and brings its view of its coins up to date
// with the node.
func (e *walletEnv) openSynced() (*wallet.Wallet, *wallet.Snapshot, error) {
	w, node, err := e.openWithNode()
	if err != nil {
		return nil, nil, err
	}
	rctx, cancel := rpcContext()
	defer cancel()
	snap, err := w.Sync(rctx, node)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return w, snap, nil
}

func runWalletBalance(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	w, node, err := e.openWithNode()
	if err != nil {
		return err
	}
	defer w.Close()
	rctx, cancel := rpcContext()
	defer cancel()
	bal, err := w.Balance(rctx, node)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(balanceJSON(bal))
	}
	return printBalance(e.out, bal)
}

// balanceJSON is the balance as balance --json and restore --json print it.
func balanceJSON(b wallet.Balance) map[string]wallet.Amount {
	return map[string]wallet.Amount{"confirmed": b.Confirmed, "unconfirmed": b.Unconfirmed,
		"immature": b.Immature, "total": b.Total()}
}

func printBalance(out io.Writer, b wallet.Balance) error {
	_, err := fmt.Fprintf(out, "confirmed:   %s FLT\nunconfirmed: %s FLT\nimmature:    %s FLT\ntotal:       %s FLT\n",
		b.Confirmed, b.Unconfirmed, b.Immature, b.Total())
	return err
}

func runWalletSend(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(ctx.String(walletSendToFlag.Name))
	if _, err := chain.DecodeAddress(e.params, to); err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	amount, err := wallet.ParseAmount(ctx.String(walletSendAmountFlag.Name))
	if err != nil {
		return fmt.Errorf("--amount: %w", err)
	}
	feeRate := ctx.Uint64(walletFeeRateFlag.Name)
	if ctx.IsSet(walletFeeRateFlag.Name) && feeRate == 0 {
		return errors.New("--fee-rate must be at least 1 unit per byte")
	}
	yes := ctx.Bool(walletYesFlag.Name)
	if _, _, tty := e.stdin(); !yes && !tty {
		return errors.New("refusing to send without confirmation: pass --yes when not running in a terminal")
	}
	w, node, err := e.openWithNode()
	if err != nil {
		return err
	}
	defer w.Close()
	rctx, cancel := rpcContext()
	defer cancel()
	d, err := w.CreateTransaction(rctx, node, wallet.Payment{To: to, Amount: amount, FeeRate: feeRate})
	if err != nil {
		return err
	}
	if !yes {
		fmt.Fprintf(ctx.App.ErrWriter, "Pay        %s FLT\nto         %s\nfee        %s FLT (%d units/byte, %d bytes)\nchange     %s FLT\n",
			d.Amount, d.To, d.Fee, d.FeeRate, d.Size, d.Change)
		answer, err := e.prompt("Send? [y/N] ", false)
		if err != nil {
			return err
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errors.New("not sent")
		}
	}
	// The question may have waited long: the broadcast gets a fresh
	// deadline of its own.
	sctx, scancel := rpcContext()
	defer scancel()
	txid, err := w.Send(sctx, node, d)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(map[string]any{"txid": txid, "amount": d.Amount, "fee": d.Fee, "change": d.Change,
			"change_address": d.ChangeAddress, "size": d.Size, "fee_rate": d.FeeRate})
	}
	fmt.Fprintln(e.out, txid)
	return nil
}

// historyEntry is one line of history. In JSON every field has one type:
// amounts are decimal strings of FLT, counts and heights numbers.
type historyEntry struct {
	Kind    string        `json:"kind"` // "sent" or "received"
	TxID    chain.Hash    `json:"txid"`
	Address string        `json:"address"`
	Amount  wallet.Amount `json:"amount"`
	Fee     wallet.Amount `json:"fee,omitempty"`
	// Status is "confirmed", "unconfirmed", "immature" (a mining reward
	// spendable from MatureHeight) or "dropped" (a payment the node no
	// longer holds).
	Status string `json:"status"`
	// Confirmations is known for received coins only.
	Confirmations *uint32 `json:"confirmations,omitempty"`
	MatureHeight  uint32  `json:"mature_height,omitempty"`
	Time          int64   `json:"time,omitempty"`
}

// Statuses of history entries and unspent outputs.
const (
	statusConfirmed   = "confirmed"
	statusUnconfirmed = "unconfirmed"
	statusImmature    = "immature"
	statusDropped     = "dropped"
)

// statusText is the entry's status for people.
func (h historyEntry) statusText() string {
	switch {
	case h.Status == statusDropped:
		return "dropped by the node"
	case h.Status == statusImmature:
		return fmt.Sprintf("immature until height %d", h.MatureHeight)
	case h.Confirmations != nil && *h.Confirmations > 0:
		return fmt.Sprintf("%d confirmations", *h.Confirmations)
	}
	return h.Status
}

func runWalletHistory(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	w, snap, err := e.openSynced()
	if err != nil {
		return err
	}
	defer w.Close()
	var entries []historyEntry
	for _, s := range w.History() {
		status := statusDropped
		switch {
		case s.Pending:
			status = statusUnconfirmed
		case s.Confirmed:
			status = statusConfirmed
		}
		entries = append(entries, historyEntry{Kind: "sent", TxID: s.TxID, Address: s.To, Amount: s.Amount,
			Fee: s.Fee, Status: status, Time: s.Time})
	}
	// The node reports unspent outputs only: money received and still
	// held. Change is not income and is left out.
	for _, c := range snap.Coins {
		if c.Branch != wallet.ReceiveBranch {
			continue
		}
		entries = append(entries, historyEntry{Kind: "received", TxID: c.OutPoint.TxID, Address: c.Address,
			Amount: wallet.Amount(c.Value), Status: coinStatus(c), Confirmations: &c.Confirmations,
			MatureHeight: c.MatureHeight})
	}
	if e.json {
		if entries == nil {
			entries = []historyEntry{}
		}
		return e.printJSON(entries)
	}
	for _, h := range entries {
		fee := ""
		if h.Kind == "sent" {
			fee = "  fee " + h.Fee.String()
		}
		fmt.Fprintf(e.out, "%-8s %s FLT%s  %s  %s  %s\n", h.Kind, h.Amount, fee, h.statusText(), h.Address, h.TxID)
	}
	return nil
}

// coinStatus is a coin's status: immature, unconfirmed or confirmed.
func coinStatus(c wallet.Coin) string {
	switch {
	case c.Immature:
		return statusImmature
	case c.Confirmations == 0:
		return statusUnconfirmed
	}
	return statusConfirmed
}

// coinStatusText is a coin's status for people.
func coinStatusText(c wallet.Coin) string {
	return historyEntry{Status: coinStatus(c), Confirmations: &c.Confirmations, MatureHeight: c.MatureHeight}.statusText()
}

// unspentEntry is one coin in list-unspent's JSON.
type unspentEntry struct {
	TxID          chain.Hash    `json:"txid"`
	Vout          uint32        `json:"vout"`
	Address       string        `json:"address"`
	Amount        wallet.Amount `json:"amount"`
	Confirmations uint32        `json:"confirmations"`
	Status        string        `json:"status"`
	MatureHeight  uint32        `json:"mature_height,omitempty"`
	Coinbase      bool          `json:"coinbase"`
	Spendable     bool          `json:"spendable"`
	Change        bool          `json:"change"`
}

func runWalletListUnspent(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	w, snap, err := e.openSynced()
	if err != nil {
		return err
	}
	defer w.Close()
	entries := []unspentEntry{}
	for _, c := range snap.Coins {
		entries = append(entries, unspentEntry{TxID: c.OutPoint.TxID, Vout: c.OutPoint.Index, Address: c.Address,
			Amount: wallet.Amount(c.Value), Confirmations: c.Confirmations, Status: coinStatus(c),
			MatureHeight: c.MatureHeight, Coinbase: c.Coinbase,
			Spendable: !c.Immature, Change: c.Branch == wallet.ChangeBranch})
	}
	if e.json {
		return e.printJSON(entries)
	}
	for _, c := range snap.Coins {
		fmt.Fprintf(e.out, "%s:%d  %s FLT  %s  %s\n", c.OutPoint.TxID, c.OutPoint.Index, wallet.Amount(c.Value), c.Address, coinStatusText(c))
	}
	return nil
}

// defaultWalletFile is the wallet's file name in the network's data
// directory, where the dev node also keeps its dev wallet.
const defaultWalletFile = "wallet.flw"
