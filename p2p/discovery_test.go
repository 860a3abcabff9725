package p2p_test

import (
	"net"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/flint-chain/flint/node"
)

// withDHT runs the node's DHT, asking it for peers every interval.
func withDHT(interval time.Duration) nodeOpt {
	return func(c *node.Config) {
		c.P2P.DHT = true
		c.P2P.DiscoveryInterval = interval
	}
}

// connected reports whether a has a live connection to b.
func connected(a, b *testNode) bool {
	return a.P2P().Host().Network().Connectedness(b.P2P().ID()) == network.Connected
}

// TestDHTDiscovery: a and c each know only b; the DHT's routing discovery
// introduces them.
func TestDHTDiscovery(t *testing.T) {
	b := startNode(t, "b", withDHT(time.Second))
	a := startNode(t, "a", withDHT(time.Second), withBootstrap(b))
	c := startNode(t, "c", withDHT(time.Second), withBootstrap(b))
	if connected(a, c) {
		t.Fatal("a and c connected before any discovery")
	}
	waitFor(t, 60*time.Second, "a and c to find each other through the DHT", func() bool { return connected(a, c) })
}

// TestMDNSDiscovery: two nodes with no bootstrap find each other on the
// local network.
func TestMDNSDiscovery(t *testing.T) {
	if err := multicastLoops(); err != nil {
		t.Skipf("multicast is not usable here, so mDNS cannot work: %v", err)
	}
	mdns := func(c *node.Config) { c.P2P.MDNS = true }
	a := startNode(t, "a", mdns)
	b := startNode(t, "b", mdns)
	waitFor(t, 60*time.Second, "a and b to find each other by mDNS", func() bool { return connected(a, b) })
}

// multicastLoops checks that a datagram sent to an administratively scoped
// IPv4 multicast group comes back to a socket on this machine that joined
// it, as mDNS between two processes on one machine needs.
func multicastLoops() error {
	group := &net.UDPAddr{IP: net.IPv4(239, 255, 77, 17)}
	in, err := net.ListenMulticastUDP("udp4", nil, group)
	if err != nil {
		return err
	}
	defer in.Close()
	group.Port = in.LocalAddr().(*net.UDPAddr).Port
	out, err := net.DialUDP("udp4", nil, group)
	if err != nil {
		return err
	}
	defer out.Close()
	probe := []byte("flint multicast probe")
	if _, err := out.Write(probe); err != nil {
		return err
	}
	buf := make([]byte, 64)
	for {
		if err := in.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
			return err
		}
		k, _, err := in.ReadFromUDP(buf)
		if err != nil {
			return err
		}
		if string(buf[:k]) == string(probe) {
			return nil
		}
	}
}

// TestPeerBytesCountGossip: getpeerinfo's byte counts include gossip,
// not only the request protocols.
func TestPeerBytesCountGossip(t *testing.T) {
	a := startNode(t, "a")
	tip := a.mine(1)[0]
	b := startNode(t, "b", withBootstrap(a))
	waitTip(t, 30*time.Second, tip, b)
	sent := func() int64 {
		for _, p := range a.P2P().Peers() {
			if p.ID == b.P2P().ID().String() {
				return p.BytesSent
			}
		}
		return -1
	}
	// The counters take up to a second to show what was sent.
	waitFor(t, 10*time.Second, "a to count bytes sent to b", func() bool { return sent() > 0 })
	before := sent()
	tip = a.mine(1)[0]
	waitTip(t, 30*time.Second, tip, b)
	size := int64(a.blockAt(2).SerializeSize())
	waitFor(t, 10*time.Second, "a's bytes sent to b to grow by the gossiped block", func() bool { return sent() >= before+size })
}
