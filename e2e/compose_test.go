//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// composeCmd returns the Compose command this machine has: docker compose
// (v2) or docker-compose (v1), or "" for none.
func composeCmd() []string {
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	if exec.Command("docker-compose", "version").Run() == nil {
		return []string{"docker-compose"}
	}
	return nil
}

// TestCompose runs the repository's docker-compose.yml with the image
// built for this run, on free host ports: the three nodes become healthy
// with the peer IDs of the committed host keys, share a tip, a wallet on
// the host pays through node0 and node2 sees it confirmed, and a miner cut
// off by docker network disconnect rejoins the most-work chain.
func TestCompose(t *testing.T) {
	image := needImage(t)
	compose := composeCmd()
	if compose == nil {
		t.Skip("no docker compose or docker-compose")
	}
	project := "flinte2e" + strings.TrimPrefix(image, "flint-e2e:")
	env := append(os.Environ(), "FLINT_IMAGE="+image)
	ports := make([]string, 3)
	for i := range ports {
		ports[i] = freePort(t)
		env = append(env, fmt.Sprintf("FLINT_NODE%d_RPC_PORT=%s", i, strings.TrimPrefix(ports[i], "127.0.0.1:")))
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(compose[0], append(append(compose[1:], "-f", "../docker-compose.yml", "-p", project), args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v: %s", strings.Join(compose, " "), strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	t.Cleanup(func() {
		if t.Failed() {
			cmd := exec.Command(compose[0], append(compose[1:], "-f", "../docker-compose.yml", "-p", project, "logs", "--tail", "30")...)
			cmd.Env = env
			out, _ := cmd.CombinedOutput()
			t.Logf("compose logs:\n%s", out)
		}
		cmd := exec.Command(compose[0], append(compose[1:], "-f", "../docker-compose.yml", "-p", project, "down", "--volumes", "--remove-orphans")...)
		cmd.Env = env
		cmd.Run()
	})
	run("up", "--detach")
	containers := make([]string, 3)
	for i := range containers {
		containers[i] = lastLine(run("ps", "-q", fmt.Sprintf("node%d", i)))
		waitHealthy(t, containers[i])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	auth := rpc.Auth{User: "flint", Password: "compose-public-password"}
	clients := make([]*rpc.Client, 3)
	for i := range clients {
		clients[i] = rpc.NewClient("http://"+ports[i], auth)
		clients[i].SetHTTPClient(httpClient)
	}

	// The nodes have the peer IDs of the committed keys and dial each other.
	spec, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		var info struct {
			LocalAddresses []string `json:"localaddresses"`
		}
		if err := c.Call(ctx, "getnetworkinfo", nil, &info); err != nil || len(info.LocalAddresses) == 0 {
			t.Fatalf("node%d getnetworkinfo: %v %v", i, info, err)
		}
		id := info.LocalAddresses[0][strings.LastIndex(info.LocalAddresses[0], "/p2p/")+5:]
		if !strings.Contains(string(spec), fmt.Sprintf("/dns4/node%d/tcp/28330/p2p/%s", i, id)) {
			t.Fatalf("node%d's peer ID %s is not the one docker-compose.yml dials", i, id)
		}
	}
	sameTip := func(what string, within time.Duration) time.Duration {
		t.Helper()
		began := time.Now()
		for {
			var tips []string
			for _, c := range clients {
				h, err := c.GetBestBlockHash(ctx)
				if err != nil {
					tips = append(tips, err.Error())
					continue
				}
				tips = append(tips, h.String())
			}
			if tips[0] == tips[1] && tips[1] == tips[2] {
				return time.Since(began)
			}
			if time.Since(began) > within {
				t.Fatalf("%s: no common tip within %v: %v", what, within, tips)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Coins for node0's miner, whose mnemonic is public: a host wallet
	// restored from it pays a new host wallet through node0.
	miner0 := regexp.MustCompile(`--mine.address=(\S+)`).FindStringSubmatch(string(spec))[1]
	if _, err := clients[0].GenerateToAddress(ctx, 101, miner0); err != nil {
		t.Fatal(err)
	}
	sameTip("after 101 blocks", 60*time.Second)
	dir := t.TempDir()
	walletFlags := []string{"--network", "regtest", "--rpc.url", ports[0], "--rpc.user", "flint", "--rpc.password", "compose-public-password"}
	restore := exec.Command(flintBin, append(append([]string{"wallet", "restore"}, walletFlags...),
		"--wallet", filepath.Join(dir, "miner0.flw"), "--mnemonic-file", "../docker/wallets/miner0.mnemonic")...)
	restore.Env = append(os.Environ(), "FLINT_WALLET_PASSPHRASE=compose")
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("wallet restore: %v: %s", err, out)
	}
	_, to := devWallet(t, chain.RegTestParams())
	send := exec.Command(flintBin, append(append([]string{"wallet", "send"}, walletFlags...),
		"--wallet", filepath.Join(dir, "miner0.flw"), "--to", to, "--amount", "10", "--yes")...)
	send.Env = restore.Env
	if out, err := send.CombinedOutput(); err != nil {
		t.Fatalf("wallet send: %v: %s", err, out)
	}
	eventually(t, "the payment confirmed on node2", func() bool {
		utxos, err := clients[2].ListUnspent(ctx, to)
		return err == nil && len(utxos) == 1 && utxos[0].Confirmations >= 1 && utxos[0].Amount.Units() == 1_000_000_000
	})

	// node0 cut off while both sides mine; the other side mines more.
	network := project + "_flint"
	docker(t, "network", "disconnect", network, containers[0])
	_, miner1Addr := devWallet(t, chain.RegTestParams())
	if _, err := clients[1].GenerateToAddress(ctx, 10, miner1Addr); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node2 on node1's side", func() bool {
		a, _ := clients[1].GetBestBlockHash(ctx)
		b, _ := clients[2].GetBestBlockHash(ctx)
		return a == b
	})
	winner, _ := clients[1].GetBestBlockHash(ctx)
	// node0, cut off, has not seen them (asked inside its container: its
	// published port is cut off too).
	if tip := docker(t, "exec", containers[0], "/flint", "rpc", "getbestblockhash"); tip == winner.String() {
		t.Fatal("node0 has the other side's tip while disconnected: the cut did not cut")
	}
	docker(t, "network", "connect", "--alias", "node0", network, containers[0])
	took := sameTip("after reconnecting node0", 30*time.Second)
	number(t, "docker_heal_convergence_seconds", took.Seconds())
	// The chain everyone follows is the side with more work: node1's tip
	// from before the heal is on node0's main chain now.
	if hdr, err := clients[0].GetBlockHeader(ctx, winner); err != nil || hdr.Confirmations < 1 {
		t.Fatalf("node0 did not take the most-work chain: %+v %v", hdr, err)
	}
	sameTip("before counting coins", 30*time.Second)
	for i, c := range clients {
		info, err := c.GetTxOutSetInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want uint64
		for h := uint32(1); h <= info.Height; h++ {
			want += chain.RegTestParams().CalcBlockSubsidy(h)
		}
		if info.TotalAmount.Units() != want {
			t.Fatalf("node%d: UTXO total %d, subsidies %d", i, info.TotalAmount.Units(), want)
		}
	}
}
