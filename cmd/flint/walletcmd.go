package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
		Name:  "amount",
		Usage: "amount in FLT, up to 8 decimals (e.g. 1.5); required unless --all",
	}
	walletSendAllFlag = &cli.BoolFlag{
		Name:  "all",
		Usage: "send every spendable coin, the fee taken from the total, with no change",
	}
	walletSubtractFeeFlag = &cli.BoolFlag{
		Name:  "subtract-fee",
		Usage: "take the fee from --amount: the recipient receives the amount less the fee",
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
			Name:  "send",
			Usage: "pay an address: shows amount, fee and change, and asks to confirm",
			Description: `Pays --amount to --to, the fee on top, change to a new address of the
wallet. --subtract-fee takes the fee from the amount instead: the wallet
spends the amount and the recipient receives it less the fee (as Bitcoin
Core's subtractfeefromamount; a remainder below the 1,000-unit dust limit
goes to the recipient rather than to change). --all sends every spendable
coin, confirmed and unconfirmed change, with no change output, the fee
taken from the total; it takes no --amount.`,
			Flags: walletFlags(walletSendToFlag, walletSendAmountFlag, walletSendAllFlag, walletSubtractFeeFlag,
				walletFeeRateFlag, walletYesFlag),
			Action: runWalletSend,
		},
		{
			Name:   "history",
			Usage:  "list the payments sent and the coins received, newest first, with block times",
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
	log, _, err := newLogger(ctx) // the wallet takes no --log.file: nothing to close
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

// walletOutput is what a wallet command prints: json with --json, else
// what text writes.
type walletOutput struct {
	json any
	text func(out io.Writer) error
}

// print writes out as --json asks.
func (e *walletEnv) print(out walletOutput) error {
	if e.json {
		return e.printJSON(out.json)
	}
	return out.text(e.out)
}

// walletSession is what a command on an existing wallet runs with: the
// open wallet, its node and, when the command syncs, its coins.
type walletSession struct {
	*walletEnv
	wallet *wallet.Wallet
	// node is nil only for a walletOp with nodeOptional whose node could
	// not be set up.
	node wallet.Node
	// snap is the wallet's coins, for a walletOp with sync.
	snap *wallet.Snapshot
	// rctx bounds the command's node calls.
	rctx context.Context
}

// walletOp is the skeleton every command on an existing wallet shares:
// check its flags, connect to the node, open the keystore, sync against
// the node, run, and print text or JSON.
type walletOp struct {
	// check validates the flags before anything is opened, so that a bad
	// flag costs no passphrase prompt. Optional.
	check func(e *walletEnv) error
	// sync brings the wallet's view of its coins up to date with the
	// node before run, in walletSession.snap.
	sync bool
	// nodeOptional opens the wallet first and goes on without a node
	// when none can be set up; by default the node comes first, so that
	// an unreachable node costs no passphrase prompt.
	nodeOptional bool
	// run does the command's work and returns what to print.
	run func(s *walletSession) (walletOutput, error)
}

// action runs the op as a command's Action.
func (op walletOp) action(ctx *cli.Context) error {
	e, err := newWalletEnv(ctx)
	if err != nil {
		return err
	}
	if op.check != nil {
		if err := op.check(e); err != nil {
			return err
		}
	}
	var node wallet.Node
	if !op.nodeOptional {
		if node, err = e.node(); err != nil {
			return err
		}
	}
	w, err := e.open()
	if err != nil {
		return err
	}
	defer w.Close()
	if op.nodeOptional {
		if n, err := newWalletNode(ctx); err == nil {
			node = n
		}
	}
	rctx, cancel := rpcContext()
	defer cancel()
	s := &walletSession{walletEnv: e, wallet: w, node: node, rctx: rctx}
	if op.sync && node != nil {
		if s.snap, err = w.Sync(rctx, node); err != nil {
			if op.nodeOptional {
				return fmt.Errorf("cannot reach the node: %w", err)
			}
			return err
		}
	}
	out, err := op.run(s)
	if err != nil {
		return err
	}
	return e.print(out)
}

// defaultWalletFile is the wallet's file name in the network's data
// directory, where the dev node also keeps its dev wallet.
const defaultWalletFile = "wallet.flw"
