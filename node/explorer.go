package node

import (
	"context"
	"net"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/explorer"
)

// startExplorer binds the explorer's listener and builds it over the node's
// parts; the chain's notifications feed its live pages and reorg log.
func (n *Node) startExplorer() error {
	ln, err := net.Listen("tcp", n.cfg.HTTPAddr)
	if err != nil {
		return &ListenError{Service: "explorer", Addr: n.cfg.HTTPAddr, Err: err}
	}
	n.httpLn = ln
	mp := n.mempool
	cfg := explorer.Config{
		Params: n.cfg.Params,
		Chain:  n.chain,
		Mempool: func() []explorer.MempoolTx {
			descs := mp.Txs()
			out := make([]explorer.MempoolTx, len(descs))
			for i, d := range descs {
				out[i] = explorer.MempoolTx{Tx: d.Tx, TxID: d.TxID, Size: d.Size, Fee: d.Fee, Added: d.Added}
			}
			return out
		},
		MempoolTx: func(txid chain.Hash) (explorer.MempoolTx, bool) {
			d, ok := mp.Lookup(txid)
			return explorer.MempoolTx{Tx: d.Tx, TxID: d.TxID, Size: d.Size, Fee: d.Fee, Added: d.Added}, ok
		},
		// The preview pays no one: only its transactions and fees show.
		NextBlock: func() (*chain.Block, error) { return n.blockTemplate([32]byte{}) },
		Sync: func() explorer.SyncStatus {
			best := n.chain.BestState()
			return explorer.SyncStatus{HeaderHeight: best.HeaderHeight, Syncing: best.HeaderHeight > best.Height}
		},
		TestnetFile: n.cfg.HTTPTestnet,
		Logger:      n.cfg.Logger,
	}
	if n.p2p != nil {
		cfg.Peers = n.explorerPeers
	}
	if n.explorer, err = explorer.New(cfg); err != nil {
		return err
	}
	n.chain.Subscribe(n.explorer.HandleChainNotification)
	return nil
}

// explorerPeers describes the connected peers for the network page.
func (n *Node) explorerPeers() []explorer.Peer {
	var out []explorer.Peer
	for _, pi := range n.p2p.Peers() {
		out = append(out, explorer.Peer{ID: pi.ID, Addr: pi.Addr, Inbound: pi.Inbound, BestHeight: pi.BestHeight,
			BestHash: pi.BestHash, PingTime: pi.PingTime, ConnTime: pi.ConnTime,
			BytesSent: uint64(max(pi.BytesSent, 0)), BytesRecv: uint64(max(pi.BytesRecv, 0)), Syncing: pi.Syncing})
	}
	return out
}

// serveExplorer serves the explorer on its bound listener until ctx ends.
func (n *Node) serveExplorer(ctx context.Context) error {
	return n.explorer.Serve(ctx, n.httpLn)
}

// HTTPAddr returns the address the explorer is served on, or "" when it is
// not.
func (n *Node) HTTPAddr() string {
	if n.httpLn == nil {
		return ""
	}
	return n.httpLn.Addr().String()
}
