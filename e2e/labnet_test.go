//go:build linux

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
	"github.com/flint-chain/flint/wallet"
)

// labNet is a Flint network in a lab: one node per namespace, each
// listening for p2p on its data address and dialling every other node it
// knows, discovery by mDNS and the DHT off so that the links are exactly
// the ones the test makes and cuts.
type labNet struct {
	t      *testing.T
	lab    *lab
	nodes  []*labNode
	ports  []int    // each node's p2p port, chosen by the OS on its first start
	addrs  []string // each node's full p2p multiaddr, once known
	ids    []string // each node's peer ID
	params *chain.Params
	// alone are nodes started without --bootstrap (they dial only when
	// the test says).
	alone map[int]bool
}

func newLabNet(t *testing.T) *labNet {
	return &labNet{t: t, lab: newLab(t), params: chain.RegTestParams(), alone: map[int]bool{}}
}

// add starts a node in a new host. Extra flags go after the standard ones
// (a --network there overrides regtest).
func (ln *labNet) add(extra ...string) *labNode {
	ln.t.Helper()
	return ln.addIn(filepath.Join(ln.t.TempDir(), fmt.Sprintf("node%d", len(ln.nodes))), extra...)
}

// addIn is add with the node's data directory.
func (ln *labNet) addIn(dir string, extra ...string) *labNode {
	ln.t.Helper()
	i := len(ln.nodes)
	h := ln.lab.addHost()
	n := newLabNode(ln.t, h, dir,
		append([]string{"--network", "regtest", "--p2p.mdns=false", "--p2p.dht=false"}, extra...)...)
	n.flags = func() []string {
		flags := []string{"--p2p.listen", fmt.Sprintf("/ip4/%s/tcp/%d", h.dataIP, ln.ports[i])}
		for j, a := range ln.addrs {
			if j != i && a != "" && !ln.alone[i] {
				flags = append(flags, "--bootstrap", a)
			}
		}
		return flags
	}
	ln.nodes = append(ln.nodes, n)
	ln.ports, ln.addrs, ln.ids = append(ln.ports, 0), append(ln.addrs, ""), append(ln.ids, "")
	ln.start(i)
	return n
}

// start starts node i (again) and learns its p2p address.
func (ln *labNet) start(i int) {
	ln.t.Helper()
	n := ln.nodes[i]
	n.start()
	want := "/ip4/" + n.host.dataIP + "/tcp/"
	eventually(ln.t, "node"+fmt.Sprint(i)+"'s p2p address", func() bool {
		var info struct {
			LocalAddresses []string `json:"localaddresses"`
		}
		if err := n.client.Call(context.Background(), "getnetworkinfo", nil, &info); err != nil {
			return false
		}
		for _, a := range info.LocalAddresses {
			if rest, ok := strings.CutPrefix(a, want); ok {
				port, id, ok := strings.Cut(rest, "/p2p/")
				if ok {
					fmt.Sscan(port, &ln.ports[i])
					ln.addrs[i], ln.ids[i] = a, id
					return true
				}
			}
		}
		return false
	})
}

// peers returns the peer IDs node i is connected to.
func (ln *labNet) peers(i int) []string {
	ln.t.Helper()
	var peers []struct {
		ID string `json:"id"`
	}
	if err := ln.nodes[i].client.Call(context.Background(), "getpeerinfo", nil, &peers); err != nil {
		ln.t.Fatalf("node%d getpeerinfo: %v", i, err)
	}
	var ids []string
	for _, p := range peers {
		ids = append(ids, p.ID)
	}
	return ids
}

// connected reports whether node i has node j as a peer.
func (ln *labNet) connected(i, j int) bool { return slices.Contains(ln.peers(i), ln.ids[j]) }

// tip returns node i's best block and height.
func (ln *labNet) tip(i int) (chain.Hash, uint32, error) {
	info, err := ln.nodes[i].client.GetBlockchainInfo(context.Background())
	if err != nil {
		return chain.Hash{}, 0, err
	}
	return info.BestBlockHash, info.Blocks, nil
}

// waitSameTip waits up to within for the given nodes to share one tip and
// returns how long that took.
func (ln *labNet) waitSameTip(what string, within time.Duration, nodes ...int) time.Duration {
	ln.t.Helper()
	began := time.Now()
	deadline := began.Add(within)
	for {
		var last string
		same := true
		var first chain.Hash
		for k, i := range nodes {
			h, height, err := ln.tip(i)
			last += fmt.Sprintf(" node%d=%d/%s(%v)", i, height, h.String()[:12], err)
			if err != nil || (k > 0 && h != first) {
				same = false
			}
			if k == 0 {
				first = h
			}
		}
		if same {
			return time.Since(began)
		}
		if time.Now().After(deadline) {
			ln.t.Fatalf("%s: no common tip within %v:%s", what, within, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// walletArgs are the flags that point a wallet command at node i.
func (ln *labNet) walletArgs(i int) []string {
	n := ln.nodes[i]
	return []string{"--network", "regtest", "--rpc.url", n.rpcURL, "--rpc.cookie", filepath.Join(n.dir, rpc.CookieFile)}
}

// devWallet creates a passphrase-free regtest wallet and returns its path
// and first address.
func devWallet(t *testing.T, params *chain.Params) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wallet.flw")
	w, _, err := wallet.OpenOrCreateDev(path, params)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	addrs, err := w.Addresses(wallet.ReceiveBranch)
	if err != nil || len(addrs) == 0 {
		t.Fatalf("dev wallet address: %v", err)
	}
	return path, addrs[0]
}

// send pays amount from the wallet through node i and returns the txid.
func (ln *labNet) send(i int, walletPath, to, amount string) chain.Hash {
	ln.t.Helper()
	out := flint(ln.t, append(append([]string{"wallet", "send"}, ln.walletArgs(i)...),
		"--wallet", walletPath, "--to", to, "--amount", amount, "--yes")...)
	lines := strings.Split(out, "\n")
	txid, err := chain.NewHashFromStr(strings.TrimSpace(lines[len(lines)-1]))
	if err != nil {
		ln.t.Fatalf("wallet send printed %q: %v", out, err)
	}
	return txid
}

// checkCoins asserts, on every given node, that the UTXO set's total is
// the sum of the subsidies of the blocks up to its height: no coin created
// or lost.
func (ln *labNet) checkCoins(nodes ...int) {
	ln.t.Helper()
	for _, i := range nodes {
		info, err := ln.nodes[i].client.GetTxOutSetInfo(context.Background())
		if err != nil {
			ln.t.Fatalf("node%d gettxoutsetinfo: %v", i, err)
		}
		var want uint64
		for h := uint32(1); h <= info.Height; h++ {
			want += ln.params.CalcBlockSubsidy(h)
		}
		if got := info.TotalAmount.Units(); got != want {
			ln.t.Fatalf("node%d at height %d: the UTXO set holds %d units, the subsidies sum to %d", i, info.Height, got, want)
		}
	}
}
