package testnet

import (
	"bufio"
	"container/heap"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// NodeStatus is one row of Status.
type NodeStatus struct {
	Name     string
	Running  bool
	Height   uint32
	Tip      string
	Peers    int
	Mempool  int
	HashRate float64 // the node's own miner, hashes per second
	Err      error
}

// Status asks every node for its tip, peers, mempool and hash rate.
func (nw *Network) Status(ctx context.Context) []NodeStatus {
	rows := make([]NodeStatus, len(nw.Cfg.Nodes))
	for i, n := range nw.Cfg.Nodes {
		r := &rows[i]
		r.Name, r.Running = n.Name, nw.running(i)
		if !r.Running {
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		r.Err = nw.nodeStatus(qctx, i, r)
		cancel()
	}
	return rows
}

func (nw *Network) nodeStatus(ctx context.Context, i int, r *NodeStatus) error {
	c, err := nw.Client(ctx, i)
	if err != nil {
		return err
	}
	bc, err := c.GetBlockchainInfo(ctx)
	if err != nil {
		return err
	}
	r.Height, r.Tip = bc.Blocks, bc.BestBlockHash.String()
	mi, err := c.GetMiningInfo(ctx)
	if err != nil {
		return err
	}
	r.Mempool, r.HashRate = mi.PooledTx, mi.HashesPerSec
	peers, err := nw.Peers(ctx, i)
	r.Peers = len(peers)
	return err
}

// WriteStatus prints rows as a table with a last column saying, for each
// node, whether it is on the tip most nodes share, behind it, or forked
// off it, and a closing line saying whether all agree.
func WriteStatus(w io.Writer, rows []NodeStatus) {
	votes := map[string]int{}
	var best string
	var bestHeight uint32
	for _, r := range rows {
		if r.Running && r.Err == nil {
			votes[r.Tip]++
			if votes[r.Tip] > votes[best] || (votes[r.Tip] == votes[best] && r.Height > bestHeight) {
				best, bestHeight = r.Tip, r.Height
			}
		}
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tHEIGHT\tTIP\tPEERS\tMEMPOOL\tHASHRATE\tSTATE")
	agree, running := true, 0
	for _, r := range rows {
		if r.Running {
			running++
		}
		var state string
		switch {
		case !r.Running:
			state = "stopped"
		case r.Err != nil:
			state = "error: " + r.Err.Error()
		case r.Tip == best:
			state = "ok"
		case r.Height < bestHeight:
			state = fmt.Sprintf("behind by %d", bestHeight-r.Height)
		default:
			state = "forked"
		}
		agree = agree && state == "ok"
		tip := r.Tip
		if len(tip) > 16 {
			tip = tip[:16] + "…"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\n", r.Name, r.Height, tip, r.Peers, r.Mempool, hashRate(r.HashRate), state)
	}
	tw.Flush()
	if running == 0 {
		fmt.Fprintln(w, "no node is running")
		return
	}
	if agree {
		fmt.Fprintf(w, "all %d nodes agree on height %d\n", len(rows), bestHeight)
	} else {
		fmt.Fprintln(w, "the nodes do not agree")
	}
}

func hashRate(h float64) string {
	switch {
	case h == 0:
		return "-"
	case h >= 1e6:
		return fmt.Sprintf("%.1f MH/s", h/1e6)
	case h >= 1e3:
		return fmt.Sprintf("%.1f kH/s", h/1e3)
	}
	return fmt.Sprintf("%.0f H/s", h)
}

// WriteTable prints the nodes' addresses: what `up` shows once the
// network runs.
func (nw *Network) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tRPC\tEXPLORER\tP2P\tWALLET\tADDRESS")
	for _, n := range nw.Cfg.Nodes {
		wallet, addr := "-", "-"
		if n.Miner {
			wallet, addr = n.Wallet, n.Address
		}
		p2p := n.P2PAddr
		if p2p == "" {
			p2p = fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", n.P2PPort)
		}
		fmt.Fprintf(tw, "%s\thttp://%s\thttp://%s/\t%s\t%s\t%s\n", n.Name, n.RPCAddr, n.HTTPAddr, p2p, wallet, addr)
	}
	tw.Flush()
}

// WriteLogs writes every node's log merged in time order, each line
// prefixed with its node's name. Lines are ordered by their time= field
// (the node's log format); a line without one keeps the time of the line
// before it in its file.
func (nw *Network) WriteLogs(w io.Writer) error {
	var h logHeap
	for i, n := range nw.Cfg.Nodes {
		f, err := os.Open(filepath.Join(nw.DataDir(i), LogFile))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		defer f.Close()
		s := &logSource{name: n.Name, sc: bufio.NewScanner(f), order: i}
		s.sc.Buffer(make([]byte, 64<<10), 1<<20)
		if s.next() {
			h = append(h, s)
		}
	}
	heap.Init(&h)
	bw := bufio.NewWriter(w)
	for h.Len() > 0 {
		s := h[0]
		fmt.Fprintf(bw, "%-6s | %s\n", s.name, s.line)
		if s.next() {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return bw.Flush()
}

// logSource is one node's log being merged.
type logSource struct {
	name  string
	order int
	sc    *bufio.Scanner
	line  string
	at    time.Time
}

// next reads the next line; false at the end.
func (s *logSource) next() bool {
	if !s.sc.Scan() {
		return false
	}
	s.line = s.sc.Text()
	if t, ok := lineTime(s.line); ok {
		s.at = t
	}
	return true
}

// lineTime reads a line's time: the text format's time=… or the JSON
// format's "time":"…".
func lineTime(line string) (time.Time, bool) {
	var v string
	if rest, ok := strings.CutPrefix(line, "time="); ok {
		v, _, _ = strings.Cut(rest, " ")
	} else if _, rest, ok := strings.Cut(line, `"time":"`); ok {
		v, _, _ = strings.Cut(rest, `"`)
	} else {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t, err == nil
}

type logHeap []*logSource

func (h logHeap) Len() int { return len(h) }
func (h logHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].order < h[j].order
}
func (h logHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *logHeap) Push(x any)   { *h = append(*h, x.(*logSource)) }
func (h *logHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}
