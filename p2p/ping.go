package p2p

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
)

// Ping settings (docs/p2p.md).
const (
	// pingInterval is how often every connected peer is pinged, as Bitcoin
	// Core pings every two minutes; getpeerinfo's pingtime is the moving
	// average of the round trips.
	pingInterval = 2 * time.Minute
	// pingTimeout bounds one ping.
	pingTimeout = 10 * time.Second
)

// pingPeer measures one round trip to p with libp2p's ping protocol; the
// peerstore folds it into the peer's latency average.
func (n *Node) pingPeer(p peer.ID) {
	ctx, cancel := context.WithTimeout(n.ctx, pingTimeout)
	results := ping.Ping(network.WithNoDial(ctx, "ping a connected peer"), n.host, p)
	res, ok := <-results
	if !ok { // closed with no result: the deadline passed
		res.Error = ctx.Err()
	}
	cancel()
	for range results {
		// Drain until the library's goroutine has stopped.
	}
	if res.Error != nil && n.ctx.Err() == nil {
		n.log.Debug("ping failed", "peer", p, "err", res.Error)
	}
}

// pingPeers pings every connected peer every pingInterval until ctx
// ends. A new peer is pinged once its status exchange is done (connected).
func (n *Node) pingPeers(ctx context.Context) {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, p := range n.host.Network().Peers() {
			n.goRun(func() { n.pingPeer(p) })
		}
	}
}
