package main

import (
	"fmt"
	"io"
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
	logFileFlag = &cli.StringFlag{
		Name:    "log.file",
		Usage:   "also write the log to this file (its directory is created), rotated by --log.maxsize",
		EnvVars: []string{"FLINT_LOG_FILE"},
	}
	logMaxSizeFlag = &cli.IntFlag{
		Name:    "log.maxsize",
		Usage:   "rotate --log.file when it would pass this many megabytes",
		Value:   100,
		EnvVars: []string{"FLINT_LOG_MAXSIZE"},
	}
	logMaxBackupsFlag = &cli.IntFlag{
		Name:    "log.maxbackups",
		Usage:   "rotated log files to keep beside --log.file, the oldest removed first (0 keeps all)",
		Value:   10,
		EnvVars: []string{"FLINT_LOG_MAXBACKUPS"},
	}
	logCompressFlag = &cli.BoolFlag{
		Name:    "log.compress",
		Usage:   "gzip rotated log files",
		EnvVars: []string{"FLINT_LOG_COMPRESS"},
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

// newLogger builds the process logger from the log flags. The log goes to
// standard error and, with --log.file, to that file too (as geth does), so
// a terminal still shows it. closeLog closes the file; call it when the
// command ends.
func newLogger(ctx *cli.Context) (log *slog.Logger, closeLog func(), err error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(ctx.String(logLevelFlag.Name))); err != nil {
		return nil, nil, fmt.Errorf("--log.level: %w", err)
	}
	format := ctx.String(logFormatFlag.Name)
	if format != "text" && format != "json" {
		return nil, nil, fmt.Errorf("--log.format must be text or json, not %q", format)
	}
	var out io.Writer = os.Stderr
	closeLog = func() {}
	if path := ctx.String(logFileFlag.Name); path != "" {
		if n := ctx.Int(logMaxSizeFlag.Name); n < 1 {
			return nil, nil, fmt.Errorf("--log.maxsize must be at least 1 (megabytes), not %d", n)
		}
		if n := ctx.Int(logMaxBackupsFlag.Name); n < 0 {
			return nil, nil, fmt.Errorf("--log.maxbackups must be 0 (keep all) or more, not %d", n)
		}
		file, err := logging.OpenFile(logging.FileConfig{Path: path, MaxSizeMB: ctx.Int(logMaxSizeFlag.Name),
			MaxBackups: ctx.Int(logMaxBackupsFlag.Name), Compress: ctx.Bool(logCompressFlag.Name)})
		if err != nil {
			return nil, nil, fmt.Errorf("--log.file: %w", err)
		}
		out = logging.Tee{os.Stderr, file}
		closeLog = func() { file.Close() }
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(out, opts)
	if format == "json" {
		h = slog.NewJSONHandler(out, opts)
	}
	// A line repeated faster than ten times in ten seconds (a block a
	// millisecond on regtest, a refusal in a loop) is summarised.
	return slog.New(logging.NewRateLimited(h, logging.DefaultBurst, logging.DefaultWindow)), closeLog, nil
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
