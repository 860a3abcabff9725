package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
	"github.com/flint-chain/flint/rpc"
	"github.com/flint-chain/flint/wallet"
)

var (
	mineFlag = &cli.BoolFlag{
		Name:    "mine",
		Usage:   "mine continuously on all --mine.threads",
		EnvVars: []string{"FLINT_MINE"},
	}
	mineAddressFlag = &cli.StringFlag{
		Name:    "mining.address",
		Aliases: []string{"mine.address"},
		Usage:   "the node's payout address: what --mine, getwork and getblocktemplate without an address pay (required with --mine)",
		EnvVars: []string{"FLINT_MINING_ADDRESS", "FLINT_MINE_ADDRESS"},
	}
	metricsAddrFlag = &cli.StringFlag{
		Name:    "metrics.addr",
		Usage:   "serve Prometheus /metrics and /healthz on this address (e.g. 127.0.0.1:9330)",
		EnvVars: []string{"FLINT_METRICS_ADDR"},
	}
	minePeriodFlag = &cli.DurationFlag{
		Name:    "mine.period",
		Usage:   "mine one block every period instead of continuously (regtest networks of several nodes; needs --mine.address)",
		EnvVars: []string{"FLINT_MINE_PERIOD"},
	}
	// clockOffsetFlag shifts the node's clock, for fault tests of a node
	// whose clock is wrong; hidden because no real node should set it.
	clockOffsetFlag = &cli.DurationFlag{
		Name:   "test.clockoffset",
		Usage:  "shift the node's clock by this much (tests only)",
		Hidden: true,
	}
	devFlag = &cli.BoolFlag{
		Name:  "dev",
		Usage: "single-node regtest in a fresh data directory (or --datadir), mining a block every --dev.period",
	}
	devPeriodFlag = &cli.DurationFlag{
		Name:  "dev.period",
		Usage: "time between dev-mode blocks",
		Value: 2 * time.Second,
	}
)

var configFlag = &cli.StringFlag{
	Name:    "config",
	Usage:   "TOML file of node settings, named as the flags (rpc.addr is addr under [rpc]); an unknown key is an error; flags and FLINT_* variables win",
	EnvVars: []string{"FLINT_CONFIG"},
}

// configFlags are the node's settings that --config can also give. The
// switches --mine and --dev are not among them: in TOML a key cannot be
// both a value (mine = true) and the table of mine.address.
var configFlags = []cli.Flag{
	altsrc.NewStringFlag(networkFlag), altsrc.NewStringFlag(dataDirFlag),
	altsrc.NewStringFlag(rpcAddrFlag), altsrc.NewStringFlag(rpcUserFlag), altsrc.NewStringFlag(rpcPasswordFlag),
	altsrc.NewStringFlag(mineAddressFlag), altsrc.NewIntFlag(threadsFlag), altsrc.NewDurationFlag(minePeriodFlag),
	altsrc.NewDurationFlag(devPeriodFlag), altsrc.NewStringFlag(metricsAddrFlag),
	altsrc.NewStringFlag(httpAddrFlag), altsrc.NewStringFlag(httpTestnetFlag),
	altsrc.NewStringFlag(logLevelFlag), altsrc.NewStringFlag(logFormatFlag),
	altsrc.NewStringFlag(logFileFlag), altsrc.NewIntFlag(logMaxSizeFlag), altsrc.NewIntFlag(logMaxBackupsFlag),
	altsrc.NewBoolFlag(logCompressFlag),
	altsrc.NewStringFlag(sigVerifyFlag),
}

// nodeConfigFlags are every setting a config file can give.
var nodeConfigFlags = append(append([]cli.Flag{}, configFlags...), p2pConfigFlags...)

var nodeCommand = &cli.Command{
	Name:   "node",
	Usage:  "run a full node",
	Flags:  append(append([]cli.Flag{}, nodeConfigFlags...), mineFlag, devFlag, configFlag, clockOffsetFlag),
	Before: loadConfigFile(nodeConfigFlags),
	Action: runNode,
}

func runNode(ctx *cli.Context) (err error) {
	log, closeLog, err := newLogger(ctx)
	if err != nil {
		return err
	}
	defer closeLog()
	if path := ctx.String(logFileFlag.Name); path != "" {
		log.Info("logging to a file too", "path", path, "maxsize_mb", ctx.Int(logMaxSizeFlag.Name),
			"maxbackups", ctx.Int(logMaxBackupsFlag.Name), "compress", ctx.Bool(logCompressFlag.Name))
	}
	network := ctx.String(networkFlag.Name)
	dev := ctx.Bool(devFlag.Name)
	if dev {
		network = "regtest"
	}
	params, err := chain.ParamsByName(network)
	if err != nil {
		return err
	}
	cfg := node.Config{
		Params:      params,
		DataDir:     ctx.String(dataDirFlag.Name),
		Mine:        ctx.Bool(mineFlag.Name),
		MineThreads: ctx.Int(threadsFlag.Name),
		MetricsAddr: ctx.String(metricsAddrFlag.Name),
		RPCAddr:     rpcListenAddr(ctx, params),
		HTTPAddr:    httpListenAddr(ctx, params),
		HTTPTestnet: ctx.String(httpTestnetFlag.Name),
		RPCUser:     ctx.String(rpcUserFlag.Name),
		RPCPassword: ctx.String(rpcPasswordFlag.Name),
		Logger:      log,
	}
	if cfg.P2P, err = p2pConfig(ctx, params, dev); err != nil {
		return err
	}
	if off := ctx.Duration(clockOffsetFlag.Name); off != 0 {
		cfg.Now = func() time.Time { return time.Now().Add(off) }
		log.Warn("clock shifted for testing", "offset", off)
	}
	if p := ctx.Duration(minePeriodFlag.Name); p != 0 {
		if p < 0 || dev {
			return fmt.Errorf("--mine.period must be positive, and --dev has --dev.period instead")
		}
		if !ctx.IsSet(mineAddressFlag.Name) {
			return fmt.Errorf("--mine.period needs --mine.address")
		}
		cfg.DevPeriod = p
	}
	if cfg.SigVerifier, err = sigVerifier(ctx, log); err != nil {
		return err
	}
	tempDir := dev && cfg.DataDir == ""
	if tempDir {
		if cfg.DataDir, err = os.MkdirTemp("", "flint-dev-"); err != nil {
			return err
		}
	}
	if cfg.DataDir == "" {
		if cfg.DataDir, err = defaultDataDir(params); err != nil {
			return err
		}
	}
	// Until the node runs, a failure removes the directory this start made.
	cleanup := removeIfCreated(cfg.DataDir, tempDir)
	defer func() {
		if err != nil && cleanup != nil {
			cleanup()
		}
	}()
	if addr := ctx.String(mineAddressFlag.Name); addr != "" {
		if cfg.MinePayTo, err = chain.DecodeAddress(params, addr); err != nil {
			return fmt.Errorf("--mine.address: %w", err)
		}
	} else if cfg.Mine && !dev {
		return fmt.Errorf("--mine needs --mine.address")
	}
	if (cfg.RPCUser == "") != (cfg.RPCPassword == "") {
		return fmt.Errorf("--rpc.user and --rpc.password go together")
	}
	var devWallet string
	if dev {
		if devWallet, err = setUpDev(ctx, &cfg, log); err != nil {
			return err
		}
	}

	movable := map[string]bool{
		"RPC":      dev && !ctx.IsSet(rpcAddrFlag.Name),
		"explorer": dev && !ctx.IsSet(httpAddrFlag.Name),
	}
	n, notes, err := newNode(cfg, movable, log)
	if err != nil {
		return err
	}
	cleanup = nil // the node is up: its directory stays, whatever happens next
	if dev {
		printDevSummary(ctx, cfg, n, devWallet, notes)
	}
	runCtx, stop := shutdownContext(log.Info)
	defer stop()
	return n.Run(runCtx)
}

// setUpDev fills in the dev mode: a steady block period and, unless
// --mine.address was given, a dev wallet in the data directory to mine to.
// It returns the dev wallet's path ("" with --mine.address).
func setUpDev(ctx *cli.Context, cfg *node.Config, log *slog.Logger) (string, error) {
	cfg.DevPeriod = ctx.Duration(devPeriodFlag.Name)
	if cfg.DevPeriod <= 0 {
		return "", fmt.Errorf("--dev.period must be positive")
	}
	if ctx.String(mineAddressFlag.Name) != "" {
		return "", nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(cfg.DataDir, defaultWalletFile)
	w, created, err := wallet.OpenOrCreateDev(path, cfg.Params, wallet.WithLogger(log))
	if err != nil {
		return "", fmt.Errorf("dev wallet: %w", err)
	}
	defer w.Close()
	addrs, err := w.Addresses(wallet.ReceiveBranch)
	if err != nil || len(addrs) == 0 {
		return "", fmt.Errorf("dev wallet has no receive address: %v", err)
	}
	if cfg.MinePayTo, err = chain.DecodeAddress(cfg.Params, addrs[0]); err != nil {
		return "", err
	}
	if created {
		log.Info("dev wallet created", "path", path)
	}
	return path, nil
}

// printDevSummary tells a new user, in one short block, where the dev node
// is and what to try next.
func printDevSummary(ctx *cli.Context, cfg node.Config, n *node.Node, walletPath string, notes map[string]string) {
	fmt.Fprint(ctx.App.Writer, devSummary(selfCommand(), cfg, n.RPCAddr(), n.HTTPAddr(), walletPath, notes))
}

// devSummary is the dev node's banner. Its "Try:" lines run as printed:
// they start with the command that started this node (self) and name the
// data directory and, when it is not the network's default, the RPC
// address.
// notes says, per listener, why it is not on its default address.
func devSummary(self string, cfg node.Config, rpcAddr, httpAddr, walletPath string, notes map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Flint dev node (regtest), a block every %v; stop with Ctrl-C\n", cfg.DevPeriod)
	fmt.Fprintf(&b, "  data directory: %s\n", cfg.DataDir)
	cookie := filepath.Join(cfg.DataDir, rpc.CookieFile)
	switch {
	case rpcAddr == "":
		b.WriteString("  JSON-RPC:       off (--rpc.addr off)\n")
	case notes["RPC"] != "":
		fmt.Fprintf(&b, "  JSON-RPC:       http://%s  (%s; cookie: %s)\n", rpcAddr, notes["RPC"], cookie)
	default:
		fmt.Fprintf(&b, "  JSON-RPC:       http://%s  (cookie: %s)\n", rpcAddr, cookie)
	}
	switch {
	case httpAddr != "" && notes["explorer"] != "":
		fmt.Fprintf(&b, "  explorer:       http://%s/  (%s)\n", httpAddr, notes["explorer"])
	case httpAddr != "":
		fmt.Fprintf(&b, "  explorer:       http://%s/\n", httpAddr)
	default:
		b.WriteString("  explorer:       off (--http.addr off)\n")
	}
	if walletPath != "" {
		fmt.Fprintf(&b, "  dev wallet:     %s (passphrase-free dev wallet: insecure, for development only)\n", walletPath)
	} else {
		b.WriteString("  dev wallet:     none (mining to --mine.address)\n")
	}
	addr := chain.EncodeAddress(cfg.Params, cfg.MinePayTo)
	fmt.Fprintf(&b, "  mining to:      %s\n", addr)
	if rpcAddr == "" {
		return b.String()
	}
	flags := "--network regtest --datadir " + shellQuote(cfg.DataDir)
	if url := clientAddr(rpcAddr); url != fmt.Sprintf("127.0.0.1:%d", cfg.Params.DefaultRPCPort) {
		flags += " --rpc.url " + url
	}
	b.WriteString("Try:\n")
	if walletPath != "" {
		fmt.Fprintf(&b, "  %s wallet balance %s\n", self, flags)
		fmt.Fprintf(&b, "  %s wallet send %s --to %s --amount 1.5 --yes\n", self, flags, addr)
	}
	fmt.Fprintf(&b, "  %s rpc %s generatetoaddress 10 %s\n", self, flags, addr)
	return b.String()
}

// clientAddr is the address a client on this machine dials for a server
// listening on addr: 127.0.0.1 for an unspecified host.
func clientAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// selfCommand returns how the user runs this flint again: "go run
// ./cmd/flint" when it was built by go run, else the name or path it was
// started by.
func selfCommand() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./cmd/flint"
	}
	return shellQuote(os.Args[0])
}

// shellQuote returns s as one POSIX shell word.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Repeated signals: those within signalGrace of the first are echoes
// (timeout, a terminal and a process group each signal once) and are
// ignored; after it, forceSignals more exit at once, without a clean
// shutdown, as geth asks for ten.
const (
	signalGrace  = 3 * time.Second
	forceSignals = 3
)

// shutdownContext returns a context cancelled by the first SIGINT or
// SIGTERM. Signals in the next few seconds are ignored; after that, three
// more exit at once.
func shutdownContext(logf func(string, ...any)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, forceSignals+2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go watchSignals(sigs, cancel, logf, time.Now, func() {
		fmt.Fprintln(os.Stderr, "flint: exiting without a clean shutdown: the next start recovers as after a crash")
		os.Exit(1)
	})
	return ctx, func() { signal.Stop(sigs); cancel() }
}

// watchSignals cancels on the first signal from sigs, ignores those within
// signalGrace of it, and calls exit on the forceSignals-th after that. It
// returns when sigs is closed or after exit.
func watchSignals(sigs <-chan os.Signal, cancel func(), logf func(string, ...any), now func() time.Time, exit func()) {
	sig, ok := <-sigs
	if !ok {
		return
	}
	first := now()
	logf("shutting down cleanly; signal again after a few seconds, "+fmt.Sprint(forceSignals)+" times, to exit at once", "signal", sig.String())
	cancel()
	count := 0
	for sig := range sigs {
		if now().Sub(first) < signalGrace {
			continue
		}
		count++
		if count >= forceSignals {
			exit()
			return
		}
		logf("already shutting down", "signal", sig.String(), "signals_to_force_exit", forceSignals-count)
	}
}
