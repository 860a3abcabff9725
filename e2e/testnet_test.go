//go:build unix

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/flint-chain/flint/internal/testnet"
)

// TestTestnetCommand drives flint testnet as a user would: up --detach of
// three nodes in a line, status, a partition that lets node2 fork off and
// its heal, a faucet payment, a late joiner, merged logs, down, and a
// second up that resumes the same network.
func TestTestnetCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	d := []string{"--dir", dir}
	t.Cleanup(func() { tryFlint(append([]string{"testnet", "down"}, d...)...) })
	tn := func(args ...string) string {
		t.Helper()
		return flint(t, append(append([]string{"testnet"}, args[:1]...), append(d, args[1:]...)...)...)
	}
	out := tn("up", "-n", "3", "--miners", "2", "--period", "500ms", "--detach")
	if !strings.Contains(out, "node2") || !strings.Contains(out, "/p2p/12D3KooW") {
		t.Fatalf("up printed:\n%s", out)
	}
	cfg := readTestnet(t, dir)
	if len(cfg.Nodes) != 3 || !cfg.Nodes[0].Miner || !cfg.Nodes[1].Miner || cfg.Nodes[2].Miner {
		t.Fatalf("testnet.json: %+v", cfg)
	}
	for _, n := range cfg.Nodes {
		if n.PID == 0 || syscall.Kill(n.PID, 0) != nil {
			t.Fatalf("%s (pid %d) is not running after up --detach", n.Name, n.PID)
		}
	}
	// The miners go on, so agreement is a moment to catch.
	eventually(t, "status: all 3 nodes agree", func() bool { return strings.Contains(tn("status"), "all 3 nodes agree") })

	tn("partition", "0,1", "/", "2")
	tn("mine", "5", "--node", "2") // node2's own branch, cut off from the miners
	eventually(t, "node2 forked off in status", func() bool {
		out := tn("status")
		return strings.Contains(out, "do not agree") && (strings.Contains(out, "forked") || strings.Contains(out, "behind"))
	})
	tn("heal")
	if out := tn("wait", "--timeout", "30s"); !strings.Contains(out, "all 3 nodes at height") {
		t.Fatalf("wait after heal: %s", out)
	}

	_, to := devWalletFile(t)
	txid := tn("fund", to, "2.5")
	if len(txid) != 64 {
		t.Fatalf("fund printed %q, want a txid", txid)
	}
	eventually(t, "the faucet payment confirmed on node2", func() bool {
		out, err := tryFlint("rpc", "--network", "regtest", "--datadir", filepath.Join(dir, "node2"),
			"--rpc.url", cfg.Nodes[2].RPCAddr, "getbalance", to)
		return err == nil && out == "2.50000000"
	})

	if out := tn("add"); !strings.Contains(out, "node3") {
		t.Fatalf("add printed %q", out)
	}
	logs := tn("logs")
	for _, name := range []string{"node0  |", "node3  |"} {
		if !strings.Contains(logs, name) {
			t.Fatalf("merged logs lack %q", name)
		}
	}

	tn("down")
	for _, n := range readTestnet(t, dir).Nodes {
		if n.PID != 0 {
			t.Fatalf("%s still has pid %d after down", n.Name, n.PID)
		}
	}
	for _, n := range cfg.Nodes {
		eventually(t, n.Name+" gone", func() bool { return syscall.Kill(n.PID, 0) != nil })
	}
	if out := tn("status"); !strings.Contains(out, "no node is running") {
		t.Fatalf("status after down:\n%s", out)
	}

	// A second up resumes: same nodes, same peer IDs, the chain kept.
	out = tn("up", "--detach")
	if !strings.Contains(out, "resuming the 4-node regtest network") {
		t.Fatalf("second up printed:\n%s", out)
	}
	again := readTestnet(t, dir)
	for i, n := range cfg.Nodes {
		if again.Nodes[i].PeerID != n.PeerID {
			t.Fatalf("%s's peer ID changed across a resume", n.Name)
		}
	}
	if out := tn("wait", "--timeout", "30s"); !strings.Contains(out, "all 4 nodes") {
		t.Fatalf("wait after the resume: %s", out)
	}
	tn("down")
}

func readTestnet(t *testing.T, dir string) *testnet.Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, testnet.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var c testnet.Config
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// devWalletFile creates a regtest wallet with the flint command and
// returns its path and address.
func devWalletFile(t *testing.T) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.flw")
	cmd := exec.Command(flintBin, "wallet", "create", "--network", "regtest", "--wallet", path, "--yes")
	cmd.Env = append(os.Environ(), "FLINT_WALLET_PASSPHRASE=e2e")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wallet create: %v: %s", err, out)
	}
	cmd = exec.Command(flintBin, "wallet", "address", "--network", "regtest", "--wallet", path)
	cmd.Env = append(os.Environ(), "FLINT_WALLET_PASSPHRASE=e2e")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(out))
}
