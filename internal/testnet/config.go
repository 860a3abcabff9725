// Package testnet runs a local Flint network: N node processes on
// 127.0.0.1, each on its own OS-assigned ports, peered as a line or a full
// mesh, the first few mining to wallets it creates. It is what
// `flint testnet` and the end-to-end tests drive.
//
// A network lives in one directory. DIR/testnet.json records its settings
// and every node's ports, addresses and process id, so that another
// command (status, down, partition, a second up) finds the same network;
// DIR/nodeI/ is node I's data directory, with its log in node.log.
package testnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/atomicfile"
)

// ConfigFile is the network's description in its directory.
const ConfigFile = "testnet.json"

// PassphraseFile holds the miners' wallet passphrase (public on regtest,
// random on test); the wallet commands read it with --passphrase-file.
const PassphraseFile = "wallet-passphrase"

// Topologies.
const (
	// Line peers node i with node i-1 only, so cutting one edge splits
	// the network in two.
	Line = "line"
	// Mesh peers every node with every other.
	Mesh = "mesh"
)

// Settings are the choices of `up`; a resumed network keeps them.
type Settings struct {
	// Network is test or regtest.
	Network string `json:"network"`
	// Miners is how many of the first nodes mine.
	Miners int `json:"miners"`
	// Threads is each miner's thread count (test network).
	Threads int `json:"threads"`
	// Topology is Line or Mesh.
	Topology string `json:"topology"`
	// BlockPeriod is each regtest miner's time between blocks.
	BlockPeriod Duration `json:"block_period"`
}

// Check validates the settings for a network of n nodes.
func (s Settings) Check(n int) error {
	if n < 1 {
		return fmt.Errorf("a testnet needs at least one node, not %d", n)
	}
	if s.Network != "test" && s.Network != "regtest" {
		return fmt.Errorf("a testnet runs on the test or regtest network, not %q", s.Network)
	}
	if s.Miners < 0 || s.Miners > n {
		return fmt.Errorf("--miners must be between 0 and the %d nodes, not %d", n, s.Miners)
	}
	if s.Threads < 1 {
		return fmt.Errorf("--threads must be at least 1, not %d", s.Threads)
	}
	if s.Topology != Line && s.Topology != Mesh {
		return fmt.Errorf("--topology must be line or mesh, not %q", s.Topology)
	}
	if s.Network == "regtest" && s.BlockPeriod <= 0 {
		return fmt.Errorf("a regtest testnet needs a positive block period")
	}
	return nil
}

// Node is one node of the network as recorded in testnet.json.
type Node struct {
	// Name is "node0", "node1", …; its data directory is DIR/Name.
	Name string `json:"name"`
	// RPCAddr is the JSON-RPC host:port on 127.0.0.1.
	RPCAddr string `json:"rpc_addr"`
	// P2PPort is the TCP port of its p2p listener on 127.0.0.1.
	P2PPort int `json:"p2p_port"`
	// HTTPAddr is the explorer's host:port on 127.0.0.1; each node's
	// explorer also shows the whole testnet.
	HTTPAddr string `json:"http_addr,omitempty"`
	// PeerID and P2PAddr (a full multiaddr ending in /p2p/<PeerID>) are
	// learned from getnetworkinfo once the node has run.
	PeerID  string `json:"peer_id,omitempty"`
	P2PAddr string `json:"p2p_addr,omitempty"`
	// Miner nodes mine to Address, a key of the wallet at Wallet.
	Miner   bool   `json:"miner"`
	Wallet  string `json:"wallet,omitempty"`
	Address string `json:"address,omitempty"`
	// ExtraArgs are more node flags (fault tests use them).
	ExtraArgs []string `json:"extra_args,omitempty"`
	// PID is the process id while it runs detached; 0 otherwise.
	PID int `json:"pid,omitempty"`
}

// Config is the content of testnet.json.
type Config struct {
	Settings
	Nodes []*Node `json:"nodes"`
	// Partition, when set, is the groups the network is cut into.
	Partition [][]int `json:"partition,omitempty"`
}

// Params returns the network's chain parameters.
func (c *Config) Params() (*chain.Params, error) { return chain.ParamsByName(c.Network) }

// LoadConfig reads DIR/testnet.json; an absent file is os.ErrNotExist
// (wrapped).
func LoadConfig(dir string) (*Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, err
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	if err := c.Check(len(c.Nodes)); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	return &c, nil
}

// Save writes DIR/testnet.json atomically.
func (c *Config) Save(dir string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ConfigFile), append(b, '\n'), 0o600)
}

// edges returns the pairs of node indexes the topology peers, lower index
// first.
func (c *Config) edges() [][2]int {
	var out [][2]int
	for i := 1; i < len(c.Nodes); i++ {
		if c.Topology == Line {
			out = append(out, [2]int{i - 1, i})
			continue
		}
		for j := 0; j < i; j++ {
			out = append(out, [2]int{j, i})
		}
	}
	return out
}

// neighbours returns the indexes node i is peered with by the topology.
func (c *Config) neighbours(i int) []int {
	var out []int
	for _, e := range c.edges() {
		switch i {
		case e[0]:
			out = append(out, e[1])
		case e[1]:
			out = append(out, e[0])
		}
	}
	return out
}

// freePort asks the OS for a free TCP port on 127.0.0.1. The port is free
// when this returns; another program could take it before the node binds
// it, which the node reports as a listen error.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether port can be bound on 127.0.0.1 now.
func portFree(port int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// Duration is a time.Duration written in JSON as "1.5s".
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses what MarshalText wrote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return errors.New("a duration such as \"2s\" or \"500ms\"")
	}
	*d = Duration(v)
	return nil
}
