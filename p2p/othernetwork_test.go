package p2p_test

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

// TestOtherNetworkDropped connects a test-network node to a regtest one:
// they share no protocol (the names carry the network), so the regtest
// node drops the link instead of keeping a peer it cannot talk to, and
// bans nobody for it.
func TestOtherNetworkDropped(t *testing.T) {
	a := startNode(t, "regtest")
	b := startNode(t, "test", func(c *node.Config) { c.Params = chain.TestNetParams() })
	connect(t, b, a)
	waitFor(t, 10*time.Second, "the regtest node to drop the test-network node", func() bool {
		return a.P2P().Host().Network().Connectedness(b.P2P().ID()) != network.Connected
	})
	if bans := a.P2P().Bans(); len(bans) != 0 {
		t.Fatalf("a peer of another network was banned: %+v", bans)
	}
}
