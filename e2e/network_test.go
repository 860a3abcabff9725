//go:build linux

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flint-chain/flint/rpc"
)

// minePeriod is each lab miner's time between blocks.
const minePeriod = "1s"

// TestNetworkInNamespaces runs a three-node regtest network, one node per
// network namespace (node0 and node1 mining, node2 not), through the
// scenarios of a network's life, asserting each through RPC: payments,
// a partition and its heal, crashes, a full restart, a lossy link, a late
// joiner after 500 blocks, and nodes that are wrong (another genesis, a
// clock 3 h ahead, a full disk).
func TestNetworkInNamespaces(t *testing.T) {
	ln := newLabNet(t)
	ctx := context.Background()
	minerWallet, minerAddr := devWallet(t, ln.params)
	_, miner1Addr := devWallet(t, ln.params)
	ln.add("--mine.address", minerAddr, "--mine.period", minePeriod)
	ln.add("--mine.address", miner1Addr, "--mine.period", minePeriod)
	ln.add()
	core := []int{0, 1, 2}

	scenario(t, "same-tip", func(t *testing.T) {
		eventually(t, "a full mesh of three", func() bool {
			return ln.connected(0, 1) && ln.connected(0, 2) && ln.connected(1, 2)
		})
		// Coins for the payments: 101 blocks to the first miner.
		if _, err := ln.nodes[0].client.GenerateToAddress(ctx, int(ln.params.CoinbaseMaturity)+1, minerAddr); err != nil {
			t.Fatal(err)
		}
		ln.waitSameTip("after 101 blocks", 30*time.Second, core...)
	})

	scenario(t, "payment", func(t *testing.T) {
		_, addr2 := devWallet(t, ln.params)
		txid := ln.send(0, minerWallet, addr2, "12.5")
		for _, i := range core {
			eventually(t, fmt.Sprintf("the payment confirmed on node%d", i), func() bool {
				utxos, err := ln.nodes[i].client.ListUnspent(ctx, addr2)
				return err == nil && len(utxos) == 1 && utxos[0].TxID == txid && utxos[0].Confirmations >= 1 &&
					utxos[0].Amount.Units() == 1_250_000_000
			})
		}
	})

	var props *propagation
	scenario(t, "propagation", func(t *testing.T) {
		props = watchBlocks(t, []*rpc.Client{ln.nodes[0].client, ln.nodes[1].client, ln.nodes[2].client})
		_, h0, _ := ln.tip(0)
		eventually(t, "20 blocks mined by the two miners", func() bool {
			_, h, err := ln.tip(2)
			return err == nil && h >= h0+20
		})
		delays := props.stop()
		if len(delays) < 20 {
			t.Fatalf("only %d block arrivals measured", len(delays))
		}
		number(t, "propagation_p50_seconds", percentile(delays, 50))
		number(t, "propagation_p99_seconds", percentile(delays, 99))
	})

	scenario(t, "partition-heal", func(t *testing.T) {
		ln.waitSameTip("before the partition", 30*time.Second, core...)
		// The cut is short (seconds): TCP's retransmission backoff after a
		// long outage, not Flint, would otherwise decide the convergence
		// time measured after the heal.
		ln.nodes[0].host.linkDown()
		// A payment on node0's side, which will lose: it must survive.
		_, lost := devWallet(t, ln.params)
		txid := ln.send(0, minerWallet, lost, "3")
		_, h0, _ := ln.tip(0)
		eventually(t, "node0's branch to confirm the payment", func() bool {
			_, h, err := ln.tip(0)
			return err == nil && h >= h0+2
		})
		// The other side mines more, so it has the most work.
		if _, err := ln.nodes[1].client.GenerateToAddress(ctx, 15, miner1Addr); err != nil {
			t.Fatal(err)
		}
		ln.waitSameTip("the majority side", 30*time.Second, 1, 2)
		loserTip, _, _ := ln.tip(0)
		ln.nodes[0].host.linkUp()
		took := ln.waitSameTip("after the heal", 30*time.Second, core...)
		number(t, "heal_convergence_seconds", took.Seconds())
		// The loser's tip is off the chain everyone now follows.
		if hdr, err := ln.nodes[1].client.GetBlockHeader(ctx, loserTip); err == nil && hdr.Confirmations > 0 {
			t.Fatalf("node0's branch tip %s won against more work", loserTip)
		}
		eventually(t, "the losing branch's payment back in a mempool or confirmed", func() bool {
			for _, i := range core {
				if pool, err := ln.nodes[i].client.GetRawMempool(ctx); err == nil && slices.Contains(pool, txid) {
					return true
				}
			}
			utxos, err := ln.nodes[2].client.ListUnspent(ctx, lost)
			return err == nil && len(utxos) == 1 && utxos[0].Confirmations >= 1
		})
		ln.waitSameTip("before counting coins", 30*time.Second, core...)
		ln.checkCoins(core...)
	})

	scenario(t, "kill-9-miner", func(t *testing.T) {
		var worst, total time.Duration
		for round := range 10 {
			// Mid-block: at a random point of the miner's period.
			time.Sleep(time.Duration(rand.IntN(1000)) * time.Millisecond)
			ln.nodes[1].kill()
			began := time.Now()
			ln.start(1)
			if _, _, err := ln.tip(1); err != nil {
				t.Fatalf("round %d: node1 after kill -9: %v", round, err)
			}
			ln.waitSameTip(fmt.Sprintf("round %d after kill -9", round), 30*time.Second, core...)
			took := time.Since(began)
			worst, total = max(worst, took), total+took
		}
		number(t, "kill9_catchup_mean_seconds", total.Seconds()/10)
		number(t, "kill9_catchup_max_seconds", worst.Seconds())
	})

	scenario(t, "restart-all", func(t *testing.T) {
		_, before, _ := ln.tip(0)
		for _, i := range core {
			ln.nodes[i].stop()
		}
		began := time.Now()
		for _, i := range core {
			ln.start(i)
		}
		ln.waitSameTip("after restarting all", 30*time.Second, core...)
		number(t, "restart_all_catchup_seconds", time.Since(began).Seconds())
		_, after, _ := ln.tip(0)
		if after < before {
			t.Fatalf("height %d after the restart, %d before", after, before)
		}
		eventually(t, "mining to go on", func() bool { _, h, _ := ln.tip(2); return h >= after+3 })
	})

	scenario(t, "lossy-link", func(t *testing.T) {
		_, restore := ln.nodes[2].host.lossyLink(100*time.Millisecond, 0.10)
		defer restore()
		watch := watchBlocks(t, []*rpc.Client{ln.nodes[0].client, ln.nodes[1].client, ln.nodes[2].client})
		_, h0, _ := ln.tip(0)
		eventually(t, "10 blocks while node2's link is lossy", func() bool { _, h, _ := ln.tip(0); return h >= h0+10 })
		ln.waitSameTip("node2 behind a lossy link", 30*time.Second, core...)
		delays := watch.stop()
		number(t, "lossy_propagation_p50_seconds", percentile(delays, 50))
		number(t, "lossy_propagation_p99_seconds", percentile(delays, 99))
	})

	scenario(t, "late-joiner", func(t *testing.T) {
		_, h, _ := ln.tip(0)
		if h < 500 {
			if _, err := ln.nodes[0].client.GenerateToAddress(ctx, int(500-h), minerAddr); err != nil {
				t.Fatal(err)
			}
		}
		ln.waitSameTip("at 500 blocks", 60*time.Second, core...)
		began := time.Now()
		ln.add()
		ln.waitSameTip("the late joiner", 60*time.Second, 0, 1, 2, 3)
		number(t, "late_joiner_sync_seconds", time.Since(began).Seconds())
	})

	scenario(t, "wrong-genesis", func(t *testing.T) {
		// A node of the test network (another genesis) dials node0 once.
		ln.alone[len(ln.nodes)] = true
		stranger := ln.add("--network", "test")
		i := len(ln.nodes) - 1
		if err := stranger.client.Call(ctx, "addnode", []any{ln.addrs[0], "onetry"}, nil); err != nil {
			t.Fatalf("the stranger's addnode: %v", err)
		}
		eventually(t, "node0 to drop the node of another network", func() bool { return !ln.connected(0, i) })
		if _, h, err := ln.tip(i); err != nil || h != 0 {
			t.Fatalf("the test-network node reached height %d (%v) from regtest peers", h, err)
		}
		var banned []any
		if err := ln.nodes[0].client.Call(ctx, "listbanned", nil, &banned); err != nil || len(banned) != 0 {
			t.Fatalf("node0 listbanned: %v %v", banned, err)
		}
		stranger.stop()
		ln.waitSameTip("the others, undisturbed", 30*time.Second, 0, 1, 2, 3)
	})

	scenario(t, "clock-ahead", func(t *testing.T) {
		_, skewAddr := devWallet(t, ln.params)
		skewed := ln.add("--test.clockoffset", "3h", "--mine.address", skewAddr, "--mine.period", "500ms")
		i := len(ln.nodes) - 1
		limit := ln.params.MaxFutureBlockTime
		time.Sleep(4 * time.Second) // it mines blocks 3 h ahead
		for _, j := range core {
			tip, _, _ := ln.tip(j)
			hdr, err := ln.nodes[j].client.GetBlockHeader(ctx, tip)
			if err != nil {
				t.Fatal(err)
			}
			if ahead := time.Until(time.Unix(int64(hdr.Time), 0)); ahead > limit {
				t.Fatalf("node%d accepted a tip %v ahead of its clock", j, ahead)
			}
			if !ln.connected(j, i) {
				t.Fatalf("node%d dropped the node whose clock is ahead: honest skew is no offence", j)
			}
			var banned []any
			if err := ln.nodes[j].client.Call(ctx, "listbanned", nil, &banned); err != nil || len(banned) != 0 {
				t.Fatalf("node%d listbanned: %v %v", j, banned, err)
			}
		}
		skewed.stop()
	})

	scenario(t, "full-disk", func(t *testing.T) {
		fullDisk(t, ln, minerAddr)
	})

	_, h, _ := ln.tip(0)
	number(t, "final_height", float64(h))
	ln.checkCoins(0, 1, 2, 3)
}

// fullDisk runs a node whose data directory is a small tmpfs, fills it,
// and expects a clean, logged exit while the others carry on, then a
// consistent restart once there is room again.
func fullDisk(t *testing.T, ln *labNet, minerAddr string) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=640m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("the full-disk scenario needs to mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	n := ln.addIn(filepath.Join(dir, "node"))
	i := len(ln.nodes) - 1
	ln.waitSameTip("the small-disk node", 60*time.Second, 0, 1, 2, i)

	// Fill the disk, then make the node write.
	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	if _, err := ln.nodes[0].client.GenerateToAddress(ctx, 50, minerAddr); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the node on a full disk neither failed nor stopped within 60 s")
	}
	log := n.out.String()
	if !strings.Contains(log, "disk space is low") {
		t.Fatalf("the node exited without saying the disk is full:\n%s", tail(log, 20))
	}
	if ws, ok := n.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("the node on a full disk died of %v, not a clean exit:\n%s", ws.Signal(), tail(log, 20))
	}
	ln.waitSameTip("the others, carrying on", 30*time.Second, 0, 1, 2)

	// Room again: it restarts consistent and catches up.
	os.Remove(filler)
	ln.start(i)
	ln.waitSameTip("the small-disk node after a restart", 60*time.Second, 0, 1, 2, i)
	ln.checkCoins(i)
	n.stop()
}

// fill writes zeros to path until the file system is full.
func fill(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if !strings.Contains(err.Error(), "no space") {
				t.Fatal(err)
			}
			return
		}
	}
}
