package testnet

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

func TestTopology(t *testing.T) {
	cfg := &Config{Settings: Settings{Topology: Line}, Nodes: make([]*Node, 4)}
	if got, want := cfg.edges(), [][2]int{{0, 1}, {1, 2}, {2, 3}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("line edges %v, want %v", got, want)
	}
	if got := cfg.neighbours(1); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Fatalf("line neighbours of 1: %v", got)
	}
	cfg.Topology = Mesh
	if got := len(cfg.edges()); got != 6 {
		t.Fatalf("a mesh of 4 has %d edges, want 6", got)
	}
	if got := cfg.neighbours(3); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Fatalf("mesh neighbours of 3: %v", got)
	}
}

func TestParsePartition(t *testing.T) {
	groups, err := ParsePartition("0,1 / 2", 3)
	if err != nil || !reflect.DeepEqual(groups, [][]int{{0, 1}, {2}}) {
		t.Fatalf("got %v, %v", groups, err)
	}
	cfg := &Config{Partition: groups}
	if !cfg.cut(0, 2) || !cfg.cut(2, 1) || cfg.cut(0, 1) || cfg.cut(0, 0) {
		t.Fatal("cut disagrees with the groups")
	}
	cfg.Partition = [][]int{{0}, {1}}
	if cfg.cut(0, 2) || cfg.cut(2, 1) {
		t.Fatal("a node in no group is cut off")
	}
	for in, want := range map[string]string{
		"0,1":       "at least two groups",
		"0 / 3":     "no node 3",
		"0,1 / 1":   "in two groups",
		"0, x / 1":  `"x" is not a node index`,
		"0 / -1":    "no node -1",
		"0 / 1.5":   "not a node index",
		"0 / ":      `"" is not a node index`,
		"0 / 1 / 2": "",
	} {
		_, err := ParsePartition(in, 3)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", in, err, want)
		}
	}
}

func TestSettingsCheck(t *testing.T) {
	ok := Settings{Network: "regtest", Miners: 2, Threads: 1, Topology: Line, BlockPeriod: Duration(time.Second)}
	if err := ok.Check(3); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(s *Settings) int{
		"at least one node": func(s *Settings) int { return 0 },
		"not \"main\"":      func(s *Settings) int { s.Network = "main"; return 3 },
		"--miners":          func(s *Settings) int { s.Miners = 4; return 3 },
		"--threads":         func(s *Settings) int { s.Threads = 0; return 3 },
		"--topology":        func(s *Settings) int { s.Topology = "ring"; return 3 },
		"block period":      func(s *Settings) int { s.BlockPeriod = 0; return 3 },
	}
	for want, mutate := range bad {
		s := ok
		n := mutate(&s)
		if err := s.Check(n); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error with %q", err, want)
		}
	}
}

// TestCreateAndOpen makes a network directory and reads it back: ports
// differ, miners have wallets with addresses of the network, and a second
// Create on the same directory is refused.
func TestCreateAndOpen(t *testing.T) {
	dir := t.TempDir()
	s := Settings{Network: "regtest", Miners: 2, Threads: 1, Topology: Mesh, BlockPeriod: Duration(time.Second)}
	nw, err := Create(dir, "flint", 3, s)
	if err != nil {
		t.Fatal(err)
	}
	ports := map[int]bool{}
	for i, n := range nw.Cfg.Nodes {
		for _, p := range []int{rpcPort(n.RPCAddr), n.P2PPort} {
			if p == 0 || ports[p] {
				t.Fatalf("node %d: port %d zero or reused", i, p)
			}
			ports[p] = true
		}
		if n.Miner != (i < 2) {
			t.Fatalf("node %d miner=%v", i, n.Miner)
		}
		if n.Miner {
			if _, err := chain.DecodeAddress(chain.RegTestParams(), n.Address); err != nil {
				t.Fatalf("node %d's address %q: %v", i, n.Address, err)
			}
			if _, err := os.Stat(n.Wallet); err != nil {
				t.Fatal(err)
			}
		}
	}
	again, err := Open(dir, "flint")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Cfg, nw.Cfg) {
		t.Fatalf("read back %+v, wrote %+v", again.Cfg, nw.Cfg)
	}
	if _, err := Create(dir, "flint", 3, s); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("second Create: %v", err)
	}
	if _, err := Open(t.TempDir(), "flint"); err == nil || !strings.Contains(err.Error(), "no testnet in") {
		t.Fatalf("Open of an empty directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"network":"main","nodes":[{}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, "flint"); err == nil || !strings.Contains(err.Error(), "test or regtest") {
		t.Fatalf("Open of a bad testnet.json: %v", err)
	}
}

func TestNodeArgs(t *testing.T) {
	nw := &Network{Dir: "/nets/a", Cfg: &Config{
		Settings: Settings{Network: "regtest", Miners: 1, Threads: 1, Topology: Line, BlockPeriod: Duration(1500 * time.Millisecond)},
		Nodes: []*Node{
			{Name: "node0", RPCAddr: "127.0.0.1:4000", HTTPAddr: "127.0.0.1:4006", P2PPort: 4001, P2PAddr: "/ip4/127.0.0.1/tcp/4001/p2p/A", Miner: true, Address: "rflt1x"},
			{Name: "node1", RPCAddr: "127.0.0.1:4002", P2PPort: 4003, P2PAddr: "/ip4/127.0.0.1/tcp/4003/p2p/B"},
			{Name: "node2", RPCAddr: "127.0.0.1:4004", P2PPort: 4005, ExtraArgs: []string{"--test.clockoffset", "3h"}},
		}}}
	got := strings.Join(nw.nodeArgs(0), " ")
	for _, want := range []string{"--datadir /nets/a/node0", "--rpc.addr 127.0.0.1:4000", "--p2p.listen /ip4/127.0.0.1/tcp/4001",
		"--http.addr 127.0.0.1:4006", "--http.testnet /nets/a/testnet.json",
		"--mine.address rflt1x --mine.period 1.5s", "--p2p.mdns=false"} {
		if !strings.Contains(got, want) {
			t.Errorf("node0 args %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "--bootstrap") {
		t.Errorf("node0 bootstraps: %q", got)
	}
	got = strings.Join(nw.nodeArgs(2), " ")
	if !strings.Contains(got, "--bootstrap /ip4/127.0.0.1/tcp/4003/p2p/B") || strings.Contains(got, "p2p/A") ||
		strings.Contains(got, "--mine") || !strings.HasSuffix(got, "--test.clockoffset 3h") {
		t.Errorf("node2 args %q: want a bootstrap to node1 only, no mining, the extra flags", got)
	}
	nw.Cfg.Network = "test"
	if got := strings.Join(nw.nodeArgs(0), " "); !strings.Contains(got, "--mine --mine.threads 1") {
		t.Errorf("test-network miner args %q", got)
	}
}

func TestWriteLogsMergesByTime(t *testing.T) {
	dir := t.TempDir()
	nw := &Network{Dir: dir, Cfg: &Config{Nodes: []*Node{{Name: "node0"}, {Name: "node1"}, {Name: "node2"}}}}
	logs := map[string]string{
		"node0": "time=2026-12-01T05:00:01.000Z level=INFO msg=a\ncontinued\ntime=2026-12-01T05:00:03.000Z level=INFO msg=c\n",
		"node1": `{"time":"2026-12-01T05:00:02.000Z","level":"INFO","msg":"b"}` + "\n",
	}
	for name, text := range logs {
		os.MkdirAll(filepath.Join(dir, name), 0o700)
		if err := os.WriteFile(filepath.Join(dir, name, LogFile), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := nw.WriteLogs(&out); err != nil {
		t.Fatal(err)
	}
	want := "node0  | time=2026-12-01T05:00:01.000Z level=INFO msg=a\n" +
		"node0  | continued\n" +
		`node1  | {"time":"2026-12-01T05:00:02.000Z","level":"INFO","msg":"b"}` + "\n" +
		"node0  | time=2026-12-01T05:00:03.000Z level=INFO msg=c\n"
	if out.String() != want {
		t.Fatalf("merged logs:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestWriteStatus(t *testing.T) {
	var out bytes.Buffer
	WriteStatus(&out, []NodeStatus{
		{Name: "node0", Running: true, Height: 10, Tip: "aaaa", Peers: 1, HashRate: 2500},
		{Name: "node1", Running: true, Height: 10, Tip: "aaaa", Peers: 2},
		{Name: "node2", Running: true, Height: 8, Tip: "bbbb", Peers: 1},
		{Name: "node3", Running: true, Height: 10, Tip: "cccc", Peers: 0},
		{Name: "node4"},
	})
	s := out.String()
	for _, want := range []string{"2.5 kH/s", "behind by 2", "forked", "stopped", "do not agree"} {
		if !strings.Contains(s, want) {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
	out.Reset()
	WriteStatus(&out, []NodeStatus{{Name: "node0", Running: true, Height: 3, Tip: "x"}, {Name: "node1", Running: true, Height: 3, Tip: "x"}})
	if !strings.Contains(out.String(), "all 2 nodes agree on height 3") {
		t.Errorf("agreeing status:\n%s", out.String())
	}
}
