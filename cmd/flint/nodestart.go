package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"syscall"

	"github.com/flint-chain/flint/node"
)

// listenFlags names the flag that moves each of the node's listeners.
var listenFlags = map[string]string{"RPC": "--" + rpcAddrFlag.Name, "metrics": "--" + metricsAddrFlag.Name}

// newNode opens the node. A port in use is explained with the flag that
// moves it; with freeRPCPort (the dev mode on its default RPC address) a
// busy RPC port is replaced by one the system picks, and the note says so.
func newNode(cfg node.Config, freeRPCPort bool, log *slog.Logger) (n *node.Node, note string, err error) {
	n, err = node.New(cfg)
	var le *node.ListenError
	if err == nil || !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) {
		return n, "", err
	}
	if le.Service == "RPC" && freeRPCPort {
		busy := cfg.RPCAddr
		host, _, _ := net.SplitHostPort(busy)
		cfg.RPCAddr = net.JoinHostPort(host, "0")
		if n, err = node.New(cfg); err == nil {
			log.Warn("the default RPC port is in use, so the dev node listens on another", "busy", busy, "rpc", n.RPCAddr())
			return n, fmt.Sprintf("%s was in use", busy), nil
		}
		if !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("%s is in use, perhaps by another node: choose another %s address with %s ADDR (%s %s:0 lets the system pick)",
		le.Addr, le.Service, listenFlags[le.Service], listenFlags[le.Service], hostOf(le.Addr))
}

// hostOf returns addr's host, or 127.0.0.1 when it has none.
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return "127.0.0.1"
	}
	return host
}

// removeIfCreated returns a function that removes dir, or nil when dir
// existed before this start: a start that fails takes away what it made
// (the dev mode's temporary directory, a new --datadir) and nothing else.
func removeIfCreated(dir string, created bool) func() {
	if !created {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	return func() { os.RemoveAll(dir) }
}
