package p2p_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner"
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
	// Relay is TestLineOfFive's subject; here b is handed it too (it may
	// have it already), so that both sides of the cut hold it.
	b.SendTx(context.Background(), tx)
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

func TestMaxSizeBlockCrossesThreeHops(t *testing.T) {
	nodes := []*testNode{startNode(t, "n0")}
	for i := 1; i < 4; i++ {
		nodes = append(nodes, startNode(t, fmt.Sprintf("n%d", i), withBootstrap(nodes[i-1])))
	}
	params := nodes[0].Chain().Params()
	tip := nodes[0].mine(111)[110]
	waitTip(t, 30*time.Second, tip, nodes...)

	// Transactions of nearly MaxTxSize, each spending one mature coinbase,
	// fill the block to within a few hundred bytes of MaxBlockSize.
	next := uint32(1)
	source := func(budget int) ([]*chain.Tx, uint64) {
		var txs []*chain.Tx
		var fees uint64
		for budget > 200 {
			outputs := min(2497, (budget-113)/40)
			tx := spendCoinbase(t, params, nodes[0].blockAt(next), 1000, outputs)
			next++
			txs = append(txs, tx)
			budget -= tx.SerializeSize()
			fees += nodes[0].blockAt(next - 1).Txs[0].Outputs[0].Value - uint64(outputs)*tx.Outputs[0].Value
		}
		return txs, fees
	}
	tmpl, err := miner.NewTemplate(params, nodes[0].Chain().BestState(), time.Now(), payTo, source)
	if err != nil {
		t.Fatal(err)
	}
	b := tmpl.Block
	for chain.CheckProofOfWork(b.BlockHash(), b.Header.Bits, params.PowLimit) != nil {
		b.Header.Nonce++
	}
	if size := b.SerializeSize(); size < params.MaxBlockSize-1000 || size > params.MaxBlockSize {
		t.Fatalf("block of %d bytes, want just under %d", size, params.MaxBlockSize)
	}
	if _, err := nodes[0].SubmitBlock(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	waitTip(t, 30*time.Second, b.BlockHash(), nodes...)
}
