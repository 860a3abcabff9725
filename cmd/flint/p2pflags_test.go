package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

// p2pSettings runs the node command's flags, environment and config file
// through p2pConfig and returns what the node would get.
func p2pSettings(t *testing.T, args ...string) (node.P2PConfig, error) {
	t.Helper()
	var got node.P2PConfig
	app := &cli.App{
		Name:   "flint",
		Flags:  append(append([]cli.Flag{}, nodeConfigFlags...), devFlag, configFlag),
		Before: loadConfigFile(nodeConfigFlags),
		Action: func(ctx *cli.Context) error {
			params, err := chain.ParamsByName(ctx.String(networkFlag.Name))
			if ctx.Bool(devFlag.Name) {
				params, err = chain.RegTestParams(), nil
			}
			if err != nil {
				return err
			}
			got, err = p2pConfig(ctx, params, ctx.Bool(devFlag.Name))
			return err
		},
	}
	err := app.Run(append([]string{"flint"}, args...))
	return got, err
}

// keepFlags restores the flags a test's runs touch when it ends: urfave/cli
// keeps in a flag what a FLINT_* variable set (value and "set"), and the
// flags are the process's, made for one run each.
func keepFlags(t *testing.T) {
	p2pListen, p2pPort, bootstrap, mdns, dht, off := *p2pListenFlag, *p2pPortFlag, *bootstrapFlag, *p2pMDNSFlag, *p2pDHTFlag, *p2pOffFlag
	network, dev, config := *networkFlag, *devFlag, *configFlag
	t.Cleanup(func() {
		*p2pListenFlag, *p2pPortFlag, *bootstrapFlag, *p2pMDNSFlag, *p2pDHTFlag, *p2pOffFlag = p2pListen, p2pPort, bootstrap, mdns, dht, off
		*networkFlag, *devFlag, *configFlag = network, dev, config
	})
}

// TestP2PSettings: mDNS is on by default on test and regtest and off on
// main; the p2p settings come from flags, FLINT_* variables and the
// config file's [p2p] table alike; the dev mode stays off the network
// unless a p2p setting asks for it.
func TestP2PSettings(t *testing.T) {
	keepFlags(t)
	for _, c := range []struct {
		name       string
		args       []string
		env        map[string]string
		file       string
		enable     bool
		mdns       bool
		listenPort uint16 // 0: the network's default (Listen empty)
	}{
		{name: "regtest", args: []string{"--network", "regtest"}, enable: true, mdns: true},
		{name: "test", args: []string{"--network", "test"}, enable: true, mdns: true},
		{name: "main", args: []string{"--network", "main"}, enable: true},
		{name: "mDNS off by flag", args: []string{"--network", "regtest", "--p2p.mdns=false"}, enable: true},
		{name: "mDNS on by flag on main", args: []string{"--network", "main", "--p2p.mdns"}, enable: true, mdns: true},
		{name: "port from the environment", args: []string{"--network", "regtest"}, env: map[string]string{"FLINT_P2P_PORT": "12345"},
			enable: true, mdns: true, listenPort: 12345},
		{name: "mDNS off from the environment", args: []string{"--network", "test"}, env: map[string]string{"FLINT_P2P_MDNS": "false"}, enable: true},
		{name: "config file", file: "network = \"test\"\n[p2p]\nport = 23456\nmdns = false\n", enable: true, listenPort: 23456},
		{name: "flag over config file", args: []string{"--p2p.port", "34567"}, file: "network = \"test\"\n[p2p]\nport = 23456\n",
			enable: true, mdns: true, listenPort: 34567},
		{name: "off", args: []string{"--network", "regtest", "--p2p.off"}, mdns: true},
		{name: "dev alone", args: []string{"--dev"}, mdns: true},
		{name: "dev asking for a port", args: []string{"--dev", "--p2p.port", "0"}, enable: true, mdns: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			keepFlags(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			args := c.args
			if c.file != "" {
				path := filepath.Join(t.TempDir(), "flint.toml")
				if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", path}, args...)
			}
			got, err := p2pSettings(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if got.Enable != c.enable || got.MDNS != c.mdns {
				t.Errorf("enable %v, mDNS %v; want %v, %v", got.Enable, got.MDNS, c.enable, c.mdns)
			}
			var want []string
			if c.listenPort != 0 || slices.Contains(c.args, "0") {
				want = node.DefaultListenAddrs(c.listenPort)
			}
			if !slices.Equal(got.Listen, want) {
				t.Errorf("listen %v, want %v", got.Listen, want)
			}
		})
	}
	if _, err := p2pSettings(t, "--network", "regtest", "--p2p.port", "1", "--p2p.listen", "/ip4/127.0.0.1/tcp/1"); err == nil ||
		err.Error() != "--p2p.port and --p2p.listen do not go together" {
		t.Errorf("--p2p.port with --p2p.listen: %v", err)
	}
}
