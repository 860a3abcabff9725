package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
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
		Name:    "mine.address",
		Usage:   "address the mined coinbases pay (required with --mine)",
		EnvVars: []string{"FLINT_MINE_ADDRESS"},
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
	Usage:   "TOML file of node settings, named as the flags (rpc.addr is addr under [rpc]); flags and FLINT_* variables win",
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
}

var nodeCommand = &cli.Command{
	Name:   "node",
	Usage:  "run a full node",
	Flags:  append(append([]cli.Flag{}, configFlags...), mineFlag, devFlag, configFlag, clockOffsetFlag),
	Before: altsrc.InitInputSourceWithContext(configFlags, altsrc.NewTomlSourceFromFlagFunc(configFlag.Name)),
	Action: runNode,
}

func runNode(ctx *cli.Context) (err error) {
	log, err := newLogger(ctx)
	if err != nil {
		return err
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

	n, rpcNote, err := newNode(cfg, dev && !ctx.IsSet(rpcAddrFlag.Name), log)
	if err != nil {
		return err
	}
	cleanup = nil // the node is up: its directory stays, whatever happens next
	if dev {
		printDevSummary(ctx, cfg, n, devWallet, rpcNote)
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
func printDevSummary(ctx *cli.Context, cfg node.Config, n *node.Node, walletPath, rpcNote string) {
	addr := chain.EncodeAddress(cfg.Params, cfg.MinePayTo)
	rpcLine := "off (--rpc.addr off)"
	if a := n.RPCAddr(); a != "" {
		rpcLine = "http://" + a + "  (cookie: " + filepath.Join(cfg.DataDir, rpc.CookieFile) + ")"
		if rpcNote != "" {
			rpcLine = "http://" + a + "  (" + rpcNote + "; cookie: " + filepath.Join(cfg.DataDir, rpc.CookieFile) + ")"
		}
	}
	explorerLine := "off (--http.addr off)"
	if a := n.HTTPAddr(); a != "" {
		explorerLine = "http://" + a + "/"
	}
	walletLine := "none (mining to --mine.address)"
	if walletPath != "" {
		walletLine = walletPath + " (passphrase-free dev wallet: insecure, for development only)"
	}
	flags := "--network regtest --datadir " + cfg.DataDir
	fmt.Fprintf(ctx.App.Writer, `Flint dev node (regtest), a block every %v; stop with Ctrl-C
  data directory: %s
  JSON-RPC:       %s
  explorer:       %s
  dev wallet:     %s
  mining to:      %s
Try:
  go run ./cmd/flint wallet balance %s
  go run ./cmd/flint wallet send %s --to %s --amount 1.5 --yes
  go run ./cmd/flint rpc %s generatetoaddress 10 %s
`, cfg.DevPeriod, cfg.DataDir, rpcLine, explorerLine, walletLine, addr, flags, flags, addr, flags, addr)
}

// shutdownContext returns a context cancelled by the first SIGINT or
// SIGTERM; a second signal exits at once.
func shutdownContext(logf func(string, ...any)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		logf("shutting down", "signal", sig.String())
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "flint: second signal, exiting without a clean shutdown")
		os.Exit(1)
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}
