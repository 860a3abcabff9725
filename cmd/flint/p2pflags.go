package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

// The p2p layer's flags (docs/p2p.md).
var (
	p2pListenFlag = &cli.StringSliceFlag{
		Name:    "p2p.listen",
		Usage:   "multiaddr to listen on, repeatable (default: TCP and QUIC on 0.0.0.0 and the network's P2P port; port 0 = any)",
		EnvVars: []string{"FLINT_P2P_LISTEN"},
	}
	p2pPortFlag = &cli.UintFlag{
		Name:    "p2p.port",
		Usage:   "listen on TCP and QUIC on 0.0.0.0 and this port (a shortcut for --p2p.listen)",
		EnvVars: []string{"FLINT_P2P_PORT"},
	}
	bootstrapFlag = &cli.StringSliceFlag{
		Name:    "bootstrap",
		Usage:   "peer to connect to and keep connected, a multiaddr ending in /p2p/<peer id>; repeatable (a new main-network node needs one to find the network)",
		EnvVars: []string{"FLINT_BOOTSTRAP"},
	}
	p2pMDNSFlag = &cli.BoolFlag{
		Name:    "p2p.mdns",
		Usage:   "find peers on the local network by mDNS (default: on for test and regtest, off on main)",
		EnvVars: []string{"FLINT_P2P_MDNS"},
	}
	p2pDHTFlag = &cli.BoolFlag{
		Name:    "p2p.dht",
		Usage:   "run the Kademlia DHT to find peers beyond the local network",
		Value:   true,
		EnvVars: []string{"FLINT_P2P_DHT"},
	}
	p2pOffFlag = &cli.BoolFlag{
		Name:    "p2p.off",
		Usage:   "run alone: no p2p host, no peers",
		EnvVars: []string{"FLINT_P2P_OFF"},
	}
)

// p2pConfigFlags are the p2p settings --config can also give, under [p2p]
// (and bootstrap at the top level).
var p2pConfigFlags = []cli.Flag{
	altsrc.NewStringSliceFlag(p2pListenFlag), altsrc.NewUintFlag(p2pPortFlag),
	altsrc.NewStringSliceFlag(bootstrapFlag), altsrc.NewBoolFlag(p2pMDNSFlag),
	altsrc.NewBoolFlag(p2pDHTFlag), altsrc.NewBoolFlag(p2pOffFlag),
}

// p2pConfig reads the p2p flags. The dev mode stays off the network unless
// a p2p flag asks for it.
func p2pConfig(ctx *cli.Context, params *chain.Params, dev bool) (node.P2PConfig, error) {
	asked := ctx.IsSet(p2pListenFlag.Name) || ctx.IsSet(p2pPortFlag.Name) ||
		ctx.IsSet(bootstrapFlag.Name) || ctx.IsSet(p2pMDNSFlag.Name)
	cfg := node.P2PConfig{
		Enable:    !ctx.Bool(p2pOffFlag.Name) && (!dev || asked),
		Listen:    ctx.StringSlice(p2pListenFlag.Name),
		Bootstrap: ctx.StringSlice(bootstrapFlag.Name),
		MDNS:      params.Name != "main",
		DHT:       ctx.Bool(p2pDHTFlag.Name),
	}
	if ctx.IsSet(p2pMDNSFlag.Name) {
		cfg.MDNS = ctx.Bool(p2pMDNSFlag.Name)
	}
	if ctx.IsSet(p2pPortFlag.Name) {
		if len(cfg.Listen) > 0 {
			return cfg, fmt.Errorf("--p2p.port and --p2p.listen do not go together")
		}
		port := ctx.Uint(p2pPortFlag.Name)
		if port > 65535 {
			return cfg, fmt.Errorf("--p2p.port %d is not a port", port)
		}
		cfg.Listen = node.DefaultListenAddrs(uint16(port))
	}
	return cfg, nil
}
