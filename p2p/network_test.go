package p2p_test

import (
	"testing"
	"time"
)

func TestTwoNodesSync(t *testing.T) {
	a := startNode(t, "a")
	tip := a.mine(500)[499]
	b := startNode(t, "b", withBootstrap(a))
	waitTip(t, 60*time.Second, tip, b)
	sameUtxos(t, a, b)

	// A new block reaches b by gossip.
	tip = a.mine(1)[0]
	waitTip(t, 10*time.Second, tip, b)
}
