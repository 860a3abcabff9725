package p2p

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
)

// Discovery settings.
const (
	// maintainInterval is how often bootstrap, added and known peers are
	// redialled when not connected, and peers.json saved.
	maintainInterval = 10 * time.Second
	// dialTimeout bounds one dial.
	dialTimeout = 10 * time.Second
	// DefaultDiscoveryInterval is how often the DHT is asked for more
	// peers while the node has fewer than LowWater, and how soon a failed
	// advertisement is retried.
	DefaultDiscoveryInterval = time.Minute
	// knownPeersDialed is how many known peers are redialled after a
	// restart.
	knownPeersDialed = 16
)

// newDHT starts the Kademlia DHT in server mode under the network's
// protocol prefix, so that it answers peers of this network only (in the
// default auto mode a node on a private network would answer nobody).
func newDHT(ctx context.Context, h host.Host, netID string, bootstrap []peer.AddrInfo) (*dht.IpfsDHT, error) {
	opts := []dht.Option{
		dht.Mode(dht.ModeServer),
		dht.ProtocolPrefix(protocol.ID("/" + netID)),
	}
	if len(bootstrap) > 0 {
		opts = append(opts, dht.BootstrapPeers(bootstrap...))
	}
	return dht.New(h, opts...)
}

// mdnsNotifee dials the peers mDNS finds.
type mdnsNotifee struct{ n *Node }

func (m mdnsNotifee) HandlePeerFound(ai peer.AddrInfo) {
	if ai.ID == m.n.host.ID() {
		return
	}
	m.n.goRun(func() { m.n.dial(ai) })
}

// startDiscovery starts mDNS and, with the DHT, advertising and finding
// peers under the network's name. Bootstrap and known peers are dialled
// by maintainPeers.
func (n *Node) startDiscovery(ctx context.Context) error {
	if n.cfg.MDNS {
		// A DNS-SD service name has no slash: flint-<8 hex digits>.
		n.mdns = mdns.NewMdnsService(n.host, strings.ReplaceAll(n.netID, "/", "-"), mdnsNotifee{n})
		if err := n.mdns.Start(); err != nil {
			n.log.Warn("mDNS not started", "err", err)
			n.mdns = nil
		}
	}
	if n.dht != nil {
		if err := n.dht.Bootstrap(ctx); err != nil {
			return err
		}
		rd := drouting.NewRoutingDiscovery(n.dht)
		n.goRun(func() { n.advertise(ctx, rd) })
		n.goRun(func() { n.findPeers(ctx, rd) })
	}
	return nil
}

// stopDiscovery stops mDNS.
func (n *Node) stopDiscovery() {
	if n.mdns != nil {
		_ = n.mdns.Close()
	}
}

// advertise announces the node under the network's name in the DHT and
// renews the record before it expires. An advertisement fails while the
// routing table is still empty (the bootstrap peers not yet connected),
// so a failure is retried after DiscoveryInterval.
func (n *Node) advertise(ctx context.Context, rd *drouting.RoutingDiscovery) {
	for {
		wait := n.cfg.DiscoveryInterval
		if ttl, err := rd.Advertise(ctx, n.netID); err != nil {
			n.log.Debug("DHT advertisement failed", "err", err)
		} else {
			wait = 7 * ttl / 8
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// findPeers asks the DHT for peers of this network while the node has
// fewer than LowWater.
func (n *Node) findPeers(ctx context.Context, rd *drouting.RoutingDiscovery) {
	t := time.NewTicker(n.cfg.DiscoveryInterval)
	defer t.Stop()
	for {
		if len(n.host.Network().Peers()) < n.cfg.LowWater {
			fctx, cancel := context.WithTimeout(ctx, n.cfg.DiscoveryInterval/2)
			found, err := rd.FindPeers(fctx, n.netID)
			if err == nil {
				for ai := range found {
					if ai.ID != n.host.ID() && len(ai.Addrs) > 0 &&
						n.host.Network().Connectedness(ai.ID) != network.Connected {
						n.goRun(func() { n.dial(ai) })
					}
				}
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// dial connects to a peer unless it is connected or banned.
func (n *Node) dial(ai peer.AddrInfo) {
	if n.ctx.Err() != nil || n.host.Network().Connectedness(ai.ID) == network.Connected || n.peers.peerBanned(ai.ID) {
		return
	}
	ctx, cancel := context.WithTimeout(n.ctx, dialTimeout)
	defer cancel()
	if err := n.host.Connect(ctx, ai); err != nil && n.ctx.Err() == nil {
		n.log.Debug("dial failed", "peer", ai.ID, "err", err)
	}
}

// maintainPeers dials the bootstrap, added and known peers at start, then
// keeps redialling bootstrap and added peers whose link dropped, and saves
// peers.json, until ctx ends.
func (n *Node) maintainPeers(ctx context.Context) {
	known := n.peers.knownPeers()
	if len(known) > knownPeersDialed {
		known = known[:knownPeersDialed]
	}
	for _, ai := range known {
		n.goRun(func() { n.dial(ai) })
	}
	t := time.NewTicker(maintainInterval)
	defer t.Stop()
	for {
		for _, ai := range n.stickyPeers() {
			if n.host.Network().Connectedness(ai.ID) != network.Connected {
				n.goRun(func() { n.dial(ai) })
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Forget the byte counts of peers silent for a day.
		n.bw.TrimIdle(time.Now().Add(-24 * time.Hour))
		n.peers.mu.Lock()
		dirty := n.peers.dirtied
		n.peers.mu.Unlock()
		if dirty {
			if err := n.peers.save(filepath.Join(n.cfg.DataDir, PeersFile)); err != nil {
				n.log.Warn("known peers not saved", "err", err)
			}
		}
	}
}

// stickyPeers are the peers kept connected: bootstrap and added ones.
func (n *Node) stickyPeers() []peer.AddrInfo {
	n.addedMu.Lock()
	defer n.addedMu.Unlock()
	out := append([]peer.AddrInfo(nil), n.bootstrap...)
	for _, ai := range n.added {
		out = append(out, ai)
	}
	return out
}
