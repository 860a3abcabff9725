package p2p_test

import (
	"context"
	"fmt"
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

func TestLineOfFive(t *testing.T) {
	nodes := []*testNode{startNode(t, "n0")}
	for i := 1; i < 5; i++ {
		nodes = append(nodes, startNode(t, fmt.Sprintf("n%d", i), withBootstrap(nodes[i-1])))
	}
	for i := 1; i < 5; i++ {
		waitFor(t, 20*time.Second, fmt.Sprintf("n%d connected", i), func() bool { return len(nodes[i].P2P().Peers()) > 0 })
	}
	// A block mined at one end is connected at the other; 101 of them
	// leave a mature coinbase.
	hashes := nodes[0].mine(101)
	waitTip(t, 30*time.Second, hashes[100], nodes...)

	// A transaction sent at the far end reaches every mempool.
	tx := spendCoinbase(t, nodes[4].Chain().Params(), nodes[4].blockAt(1), 10_000, 1)
	if _, err := nodes[4].SendTx(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		waitFor(t, 20*time.Second, n.name+" has the transaction", func() bool { return n.Mempool().Has(tx.TxID()) })
	}
}

func TestPartitionAndHeal(t *testing.T) {
	a := startNode(t, "a")
	b := startNode(t, "b", withBootstrap(a))
	c := startNode(t, "c", withBootstrap(a))
	d := startNode(t, "d", withBootstrap(c))
	all := []*testNode{a, b, c, d}
	common := a.mine(101)
	waitTip(t, 30*time.Second, common[100], all...)

	// Cut {a, b} from {c, d}, on both sides, as flint testnet does.
	left, right := []*testNode{a, b}, []*testNode{c, d}
	for _, l := range left {
		for _, r := range right {
			l.P2P().Ban(r.P2P().ID(), time.Hour, "partition")
			r.P2P().Ban(l.P2P().ID(), time.Hour, "partition")
		}
	}
	for _, n := range all {
		waitFor(t, 10*time.Second, n.name+" cut off", func() bool { return len(n.P2P().Peers()) <= 1 })
	}
	connect(t, b, a) // a and b and c and d each stay linked
	connect(t, d, c)

	// The left mines 2 blocks with a transaction, the right 4.
	tx := spendCoinbase(t, a.Chain().Params(), a.blockAt(1), 10_000, 1)
	if _, err := a.SendTx(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "b has the transaction", func() bool { return b.Mempool().Has(tx.TxID()) })
	leftTip := a.mine(2)[1]
	waitTip(t, 10*time.Second, leftTip, b)
	if a.Mempool().Has(tx.TxID()) {
		t.Fatal("the mined transaction is still in a's pool")
	}
	rightTip := c.mine(4)[3]
	waitTip(t, 10*time.Second, rightTip, d)

	// Heal: lift the bans and dial across.
	for _, n := range all {
		n.P2P().ClearBans()
	}
	connect(t, b, c)
	waitTip(t, 30*time.Second, rightTip, all...)
	for _, n := range left {
		waitFor(t, 10*time.Second, n.name+" has the losing branch's transaction back", func() bool {
			return n.Mempool().Has(tx.TxID())
		})
	}
}

func TestRestartKeepsPeerIDAndRedials(t *testing.T) {
	a := startNode(t, "a")
	tip := a.mine(3)[2]
	dir := t.TempDir()
	b := startNode(t, "b", withDir(dir), withBootstrap(a))
	waitTip(t, 10*time.Second, tip, b)
	id := b.P2P().ID()
	b.stop()

	// No bootstrap this time: b finds a in its peers.json.
	b = startNode(t, "b2", withDir(dir))
	if b.P2P().ID() != id {
		t.Fatalf("peer ID %s after restart, was %s", b.P2P().ID(), id)
	}
	tip = a.mine(1)[0]
	waitTip(t, 30*time.Second, tip, b)
}
