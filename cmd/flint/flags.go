package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/logging"
)

// Flags shared by several commands.
var (
	networkFlag = &cli.StringFlag{
		Name:    "network",
		Usage:   "network to join: main, test or regtest",
		Value:   "main",
		EnvVars: []string{"FLINT_NETWORK"},
	}
	dataDirFlag = &cli.StringFlag{
		Name:    "datadir",
		Usage:   "data directory (default: the user's data directory, per network)",
		EnvVars: []string{"FLINT_DATADIR"},
	}
	logLevelFlag = &cli.StringFlag{
		Name:    "log.level",
		Usage:   "log level: debug, info, warn or error",
		Value:   "info",
		EnvVars: []string{"FLINT_LOG_LEVEL"},
	}
	logFormatFlag = &cli.StringFlag{
		Name:    "log.format",
		Usage:   "log format: text or json",
		Value:   "text",
		EnvVars: []string{"FLINT_LOG_FORMAT"},
	}
	rpcAddrFlag = &cli.StringFlag{
		Name:    "rpc.addr",
		Usage:   "JSON-RPC listen address (default: 127.0.0.1 and the network's RPC port; \"off\" to disable)",
		EnvVars: []string{"FLINT_RPC_ADDR"},
	}
	httpAddrFlag = &cli.StringFlag{
		Name:    "http.addr",
		Usage:   "web explorer listen address (default: 127.0.0.1 and the network's RPC port + 1; \"\" or \"off\" to disable)",
		EnvVars: []string{"FLINT_HTTP_ADDR"},
	}
	httpTestnetFlag = &cli.StringFlag{
		Name:    "http.testnet",
		Usage:   "a local testnet's testnet.json: the explorer's testnet page follows every node in it",
		EnvVars: []string{"FLINT_HTTP_TESTNET"},
	}
	rpcUserFlag = &cli.StringFlag{
		Name:    "rpc.user",
		Usage:   "RPC user name (default: a random cookie in the data directory)",
		EnvVars: []string{"FLINT_RPC_USER"},
	}
	rpcPasswordFlag = &cli.StringFlag{
		Name:    "rpc.password",
		Usage:   "RPC password, with --rpc.user",
		EnvVars: []string{"FLINT_RPC_PASSWORD"},
	}
	threadsFlag = &cli.IntFlag{
		Name:    "mine.threads",
		Aliases: []string{"threads"},
		Usage:   "mining threads (default: all cores)",
		EnvVars: []string{"FLINT_MINE_THREADS"},
	}
)

// newLogger builds the process logger from the log flags.
func newLogger(ctx *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(ctx.String(logLevelFlag.Name))); err != nil {
		return nil, fmt.Errorf("--log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch ctx.String(logFormatFlag.Name) {
	case "text":
		h = slog.NewTextHandler(os.Stderr, opts)
	case "json":
		h = slog.NewJSONHandler(os.Stderr, opts)
	default:
		return nil, fmt.Errorf("--log.format must be text or json, not %q", ctx.String(logFormatFlag.Name))
	}
	// A line repeated faster than ten times in ten seconds (a block a
	// millisecond on regtest, a refusal in a loop) is summarised.
	return slog.New(logging.NewRateLimited(h, logging.DefaultBurst, logging.DefaultWindow)), nil
}

// defaultDataDir returns the per-network directory under the user's data
// directory: $XDG_DATA_HOME/flint/<network> or ~/.local/share/flint/<network>
// on Linux, ~/Library/Application Support/flint/<network> on macOS.
func defaultDataDir(p *chain.Params) (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no --datadir and no home directory: %w", err)
		}
		base = filepath.Join(home, ".local", "share")
		if cfg, err := os.UserConfigDir(); err == nil && strings.Contains(cfg, "Library") {
			base = filepath.Join(home, "Library", "Application Support")
		}
	}
	return filepath.Join(base, "flint", p.Name), nil
}

// rpcListenAddr returns the RPC address for the node: the flag, or
// 127.0.0.1 and the network's port; "" when RPC is off.
func rpcListenAddr(ctx *cli.Context, p *chain.Params) string {
	switch addr := ctx.String(rpcAddrFlag.Name); addr {
	case "off":
		return ""
	case "":
		return fmt.Sprintf("127.0.0.1:%d", p.DefaultRPCPort)
	default:
		return addr
	}
}

// httpListenAddr returns the explorer's address: the flag, or 127.0.0.1 and
// the port after the network's RPC port; "" when the explorer is off.
func httpListenAddr(ctx *cli.Context, p *chain.Params) string {
	addr := ctx.String(httpAddrFlag.Name)
	switch {
	case addr == "off", addr == "" && ctx.IsSet(httpAddrFlag.Name):
		return ""
	case addr == "":
		return fmt.Sprintf("127.0.0.1:%d", p.DefaultRPCPort+1)
	}
	return addr
}
