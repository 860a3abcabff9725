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
var listenFlags = map[string]string{
	"RPC":      "--" + rpcAddrFlag.Name,
	"metrics":  "--" + metricsAddrFlag.Name,
	"explorer": "--" + httpAddrFlag.Name,
}

// newNode opens the node. A port in use is explained with the flag that
// moves it. The listeners named in movable (the dev mode's, on their
// default addresses) move to a port the system picks when theirs is busy;
// notes then says, per listener, which address was in use.
func newNode(cfg node.Config, movable map[string]bool, log *slog.Logger) (n *node.Node, notes map[string]string, err error) {
	notes = map[string]string{}
	for {
		n, err = node.New(cfg)
		var le *node.ListenError
		if err == nil || !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) {
			return n, notes, err
		}
		if le.Service == "P2P" {
			return nil, nil, fmt.Errorf("%s is in use, perhaps by another node: choose another P2P port with --%s PORT (--%s 0 lets the system pick), or the addresses with --%s",
				le.Addr, p2pPortFlag.Name, p2pPortFlag.Name, p2pListenFlag.Name)
		}
		if !movable[le.Service] {
			return nil, nil, fmt.Errorf("%s is in use, perhaps by another node: choose another %s address with %s ADDR (%s %s:0 lets the system pick)",
				le.Addr, le.Service, listenFlags[le.Service], listenFlags[le.Service], hostOf(le.Addr))
		}
		movable[le.Service] = false // once: a port the system picks is free
		moved := net.JoinHostPort(hostOf(le.Addr), "0")
		switch le.Service {
		case "RPC":
			cfg.RPCAddr = moved
		case "explorer":
			cfg.HTTPAddr = moved
		}
		notes[le.Service] = le.Addr + " was in use"
		log.Warn("a default port is in use, so the dev node listens on one the system picks", "service", le.Service, "busy", le.Addr)
	}
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
