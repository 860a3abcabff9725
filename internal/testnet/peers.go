package testnet

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/flint-chain/flint/rpc"
)

// netInfo is the part of getnetworkinfo the testnet reads.
type netInfo struct {
	Connections    int      `json:"connections"`
	LocalAddresses []string `json:"localaddresses"`
	PeerID         string   `json:"peerid"`
}

// peerInfo is the part of a getpeerinfo entry the testnet reads.
type peerInfo struct {
	ID         string `json:"id"`
	Addr       string `json:"addr"`
	Inbound    bool   `json:"inbound"`
	BestHeight int64  `json:"bestheight"`
}

func (nw *Network) networkInfo(ctx context.Context, c *rpc.Client) (*netInfo, error) {
	var info netInfo
	return &info, c.Call(ctx, "getnetworkinfo", nil, &info)
}

// Peers returns the peer ids node i is connected to.
func (nw *Network) Peers(ctx context.Context, i int) ([]string, error) {
	c, err := nw.Client(ctx, i)
	if err != nil {
		return nil, err
	}
	var peers []peerInfo
	if err := c.Call(ctx, "getpeerinfo", nil, &peers); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(peers))
	for _, p := range peers {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// cut reports whether the partition separates nodes i and j.
func (c *Config) cut(i, j int) bool {
	gi, gj := -1, -1
	for g, members := range c.Partition {
		if slices.Contains(members, i) {
			gi = g
		}
		if slices.Contains(members, j) {
			gj = g
		}
	}
	return gi >= 0 && gj >= 0 && gi != gj
}

// WaitConnected waits until every node is connected to each of its
// topology's neighbours that no partition separates it from.
func (nw *Network) WaitConnected(ctx context.Context) error {
	return poll(ctx, "every node connected to its neighbours", func() (bool, string) {
		var missing []string
		for i := range nw.Cfg.Nodes {
			peers, err := nw.Peers(ctx, i)
			if err != nil {
				return false, fmt.Sprintf("%s: %v", nw.Cfg.Nodes[i].Name, err)
			}
			for _, j := range nw.Cfg.neighbours(i) {
				if !nw.Cfg.cut(i, j) && !slices.Contains(peers, nw.Cfg.Nodes[j].PeerID) {
					missing = append(missing, nw.Cfg.Nodes[i].Name+"–"+nw.Cfg.Nodes[j].Name)
				}
			}
		}
		return len(missing) == 0, "not yet connected: " + strings.Join(missing, ", ")
	})
}

// Tip is one node's best block.
type Tip struct {
	Height uint32
	Hash   string
}

// Tips returns every node's tip; a node that does not answer has an error
// in its place.
func (nw *Network) Tips(ctx context.Context) ([]Tip, []error) {
	tips := make([]Tip, len(nw.Cfg.Nodes))
	errs := make([]error, len(nw.Cfg.Nodes))
	for i := range nw.Cfg.Nodes {
		c, err := nw.Client(ctx, i)
		if err == nil {
			var info *rpc.BlockchainInfo
			if info, err = c.GetBlockchainInfo(ctx); err == nil {
				tips[i] = Tip{Height: info.Blocks, Hash: info.BestBlockHash.String()}
			}
		}
		errs[i] = err
	}
	return tips, errs
}

// WaitSameTip waits until every node reports the same best block. On
// timeout the error lists each node's tip.
func (nw *Network) WaitSameTip(ctx context.Context) error {
	return poll(ctx, "one tip on every node", func() (bool, string) {
		tips, errs := nw.Tips(ctx)
		same := true
		var lines []string
		for i, t := range tips {
			if errs[i] != nil {
				same = false
				lines = append(lines, fmt.Sprintf("%s: %v", nw.Cfg.Nodes[i].Name, errs[i]))
				continue
			}
			same = same && t == tips[0]
			lines = append(lines, fmt.Sprintf("%s: height %d tip %s", nw.Cfg.Nodes[i].Name, t.Height, t.Hash))
		}
		return same, strings.Join(lines, "; ")
	})
}

// poll calls cond every 100 ms until it holds or ctx ends; the error then
// carries cond's last word on why not.
func poll(ctx context.Context, what string, cond func() (bool, string)) error {
	for {
		ok, why := cond()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (%s)", what, ctx.Err(), why)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ParsePartition parses "0,1 / 2" into groups of node indexes: at least
// two, disjoint, each index a node of a network of n.
func ParsePartition(s string, n int) ([][]int, error) {
	var groups [][]int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, "/") {
		var g []int
		for _, f := range strings.Split(part, ",") {
			f = strings.TrimSpace(f)
			var i int
			if _, err := fmt.Sscanf(f, "%d", &i); err != nil || fmt.Sprint(i) != f {
				return nil, fmt.Errorf("partition %q: %q is not a node index", s, f)
			}
			if i < 0 || i >= n {
				return nil, fmt.Errorf("partition %q: no node %d in a network of %d", s, i, n)
			}
			if seen[i] {
				return nil, fmt.Errorf("partition %q: node %d is in two groups", s, i)
			}
			seen[i] = true
			g = append(g, i)
		}
		groups = append(groups, g)
	}
	if len(groups) < 2 {
		return nil, fmt.Errorf("partition %q: give at least two groups separated by /", s)
	}
	return groups, nil
}

// Partition cuts the network into groups inside the nodes' own p2p layer:
// each node bans (setban) the peer ids of every node in another group, so
// the link drops and neither side's dials get through. Nodes in no group
// stay linked to all. It needs no privileges.
func (nw *Network) Partition(ctx context.Context, groups [][]int) error {
	if len(nw.Cfg.Partition) > 0 {
		return errors.New("the network is already partitioned; heal it first")
	}
	nw.Cfg.Partition = groups
	for i := range nw.Cfg.Nodes {
		for j := range nw.Cfg.Nodes {
			if !nw.Cfg.cut(i, j) {
				continue
			}
			if err := nw.setban(ctx, i, j, "add"); err != nil {
				return err
			}
		}
	}
	return nw.Cfg.Save(nw.Dir)
}

// Heal lifts the partition's bans and dials the topology's links again.
func (nw *Network) Heal(ctx context.Context) error {
	if len(nw.Cfg.Partition) == 0 {
		return errors.New("the network is not partitioned")
	}
	for i := range nw.Cfg.Nodes {
		for j := range nw.Cfg.Nodes {
			if nw.Cfg.cut(i, j) {
				if err := nw.setban(ctx, i, j, "remove"); err != nil {
					return err
				}
			}
		}
	}
	var redial [][2]int
	for _, e := range nw.Cfg.edges() {
		if nw.Cfg.cut(e[0], e[1]) {
			redial = append(redial, e)
		}
	}
	nw.Cfg.Partition = nil
	if err := nw.Cfg.Save(nw.Dir); err != nil {
		return err
	}
	for _, e := range redial {
		c, err := nw.Client(ctx, e[1])
		if err != nil {
			return err
		}
		if err := c.Call(ctx, "addnode", []any{nw.Cfg.Nodes[e[0]].P2PAddr, "onetry"}, nil); err != nil {
			return fmt.Errorf("%s addnode %s: %w", nw.Cfg.Nodes[e[1]].Name, nw.Cfg.Nodes[e[0]].Name, err)
		}
	}
	return nil
}

// setban bans (or unbans) node j's peer id on node i.
func (nw *Network) setban(ctx context.Context, i, j int, cmd string) error {
	c, err := nw.Client(ctx, i)
	if err != nil {
		return err
	}
	if err := c.Call(ctx, "setban", []any{nw.Cfg.Nodes[j].PeerID, cmd}, nil); err != nil {
		var rerr *rpc.Error
		// Unbanning what is no longer banned (a restart forgets nothing,
		// but a ban may have expired) is not a failure.
		if cmd == "remove" && errors.As(err, &rerr) {
			return nil
		}
		return fmt.Errorf("%s setban %s %s: %w", nw.Cfg.Nodes[i].Name, nw.Cfg.Nodes[j].Name, cmd, err)
	}
	return nil
}

// Fund pays amount (in FLT, as "12.5") to address from the first miner's
// wallet, through `flint wallet send`, and returns the command's output
// (the transaction id).
func (nw *Network) Fund(ctx context.Context, address, amount string) (string, error) {
	from := -1
	for i, n := range nw.Cfg.Nodes {
		if n.Miner && from < 0 {
			from = i
		}
	}
	if from < 0 {
		return "", errors.New("the network has no miner, so no wallet to fund from")
	}
	n := nw.Cfg.Nodes[from]
	cmd := exec.CommandContext(ctx, nw.Bin, "wallet", "send",
		"--network", nw.Cfg.Network, "--datadir", nw.DataDir(from), "--rpc.url", n.RPCAddr,
		"--wallet", n.Wallet, "--passphrase-file", filepath.Join(nw.Dir, PassphraseFile),
		"--to", address, "--amount", amount, "--yes")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("sending from %s's wallet: %s", n.Name, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
