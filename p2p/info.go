package p2p

import (
	"sort"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/flint-chain/flint/chain"
)

// PeerInfo describes one connected peer (getpeerinfo).
type PeerInfo struct {
	ID         string
	Addr       string   // the remote address of the first connection
	Addrs      []string // every address the peer is known by
	Inbound    bool
	BestHeight uint32 // best header height: its status's, moved up by the blocks it relays
	BestHash   chain.Hash
	PingTime   time.Duration
	BytesSent  int64
	BytesRecv  int64
	BanScore   int
	ConnTime   time.Time
	Syncing    bool
}

// Peers describes the connected peers, sorted by connection time.
func (n *Node) Peers() []PeerInfo {
	var out []PeerInfo
	n.peers.mu.Lock()
	states := make([]peerState, 0, len(n.peers.peers))
	for _, ps := range n.peers.peers {
		states = append(states, *ps)
	}
	n.peers.mu.Unlock()
	for _, ps := range states {
		conns := n.host.Network().ConnsToPeer(ps.id)
		if len(conns) == 0 {
			continue
		}
		pi := PeerInfo{
			ID:       ps.id.String(),
			Addr:     conns[0].RemoteMultiaddr().String(),
			Inbound:  ps.inbound,
			PingTime: n.host.Peerstore().LatencyEWMA(ps.id),
			BanScore: ps.banScore,
			ConnTime: ps.connTime,
			Syncing:  n.sync.syncingWith(ps.id),
		}
		for _, a := range n.host.Peerstore().Addrs(ps.id) {
			pi.Addrs = append(pi.Addrs, a.String())
		}
		if ps.status != nil {
			pi.BestHeight, pi.BestHash = ps.status.BestHeaderHeight, ps.status.BestHeader
		}
		pi.BytesSent, pi.BytesRecv = n.bandwidth(ps.id)
		out = append(out, pi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ConnTime.Before(out[j].ConnTime) })
	return out
}

// bandwidth returns the bytes sent to and received from p on every
// protocol, gossip and the DHT included, since the node started.
func (n *Node) bandwidth(p peer.ID) (sent, recv int64) {
	st := n.bw.GetBandwidthForPeer(p)
	return st.TotalOut, st.TotalIn
}

// ConnectionCount returns the number of connected peers, inbound and
// outbound.
func (n *Node) ConnectionCount() (in, out int) {
	for _, p := range n.host.Network().Peers() {
		conns := n.host.Network().ConnsToPeer(p)
		if len(conns) > 0 && conns[0].Stat().Direction == network.DirInbound {
			in++
		} else {
			out++
		}
	}
	return in, out
}

// KnownPeerCount returns how many remembered peers (peers.json, read at
// start, and those that passed the status exchange since) the node can
// redial.
func (n *Node) KnownPeerCount() int { return len(n.peers.knownPeers()) }

// InitialDownload reports whether the node is in initial block download.
func (n *Node) InitialDownload() bool { return n.sync.inIBD() }

// Progress returns the best block height over the best header height, 1
// when the node has every body of its best header chain.
func (n *Node) Progress() float64 { return n.sync.progress() }
