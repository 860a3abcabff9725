package node

import (
	"context"
	"path/filepath"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/mempool"
	"github.com/flint-chain/flint/miner"
	"github.com/flint-chain/flint/rpc"
)

// snapshotPath is where the mempool is saved on shutdown.
func (n *Node) snapshotPath() string {
	return filepath.Join(n.cfg.DataDir, mempool.DefaultSnapshotName)
}

// newMempool builds the pool on the chain, sharing its signature cache,
// and reloads the snapshot of the last run (revalidated).
func (n *Node) newMempool(sigCache *chain.SigCache) error {
	mp, err := mempool.New(mempool.Config{
		Params:      n.cfg.Params,
		FetchUtxo:   n.chain.FetchUtxo,
		BestState:   n.chain.BestState,
		SigCache:    sigCache,
		SigVerifier: n.cfg.SigVerifier,
		Policy:      n.cfg.MempoolPolicy,
		OnAdded:     n.mempoolAdded,
		OnRemoved:   n.mempoolRemoved,
		Logger:      n.cfg.Logger,
		Now:         n.cfg.Now,
	})
	if err != nil {
		return err
	}
	n.mempool = mp
	n.chain.Subscribe(mp.HandleChainNotification)
	loaded, err := mp.Load(n.snapshotPath())
	if err != nil {
		// A damaged snapshot costs only unconfirmed transactions, which
		// their senders can send again: start with an empty pool.
		n.log.Warn("mempool snapshot not loaded", "path", n.snapshotPath(), "err", err)
	} else if loaded > 0 {
		n.log.Info("mempool reloaded", "txs", loaded)
	}
	return nil
}

// mempoolAdded tells /events of a transaction entering the pool.
func (n *Node) mempoolAdded(tx *chain.Tx, fee uint64) {
	if n.rpc != nil {
		n.rpc.Publish(rpc.MempoolAddedEvent(tx, fee))
	}
}

// mempoolRemoved tells /events of a transaction leaving the pool.
func (n *Node) mempoolRemoved(tx *chain.Tx, reason mempool.RemovalReason) {
	if n.rpc != nil {
		n.rpc.Publish(rpc.MempoolRemovedEvent(tx, string(reason)))
	}
}

// txSource is what blocks are filled from: the pool's selection.
func (n *Node) txSource() miner.TxSource {
	if n.mempool == nil {
		return nil
	}
	return n.mempool.MiningTxs
}

// sendTx is sendrawtransaction: accept into the pool (OnAdded announces
// what entered).
func (n *Node) sendTx(_ context.Context, tx *chain.Tx) (chain.Hash, error) {
	res, err := n.mempool.AcceptTx(tx, "")
	if err != nil {
		return tx.TxID(), err
	}
	n.relayTxs(res.Accepted)
	if res.Orphan {
		return res.TxID, &rpc.Error{Code: rpc.CodeVerify,
			Message: "transaction spends outputs the node does not know (held as an orphan until they appear)"}
	}
	return res.TxID, nil
}

// wireMempoolRPC gives the RPC server the pool's methods.
func (n *Node) wireMempoolRPC(cfg *rpc.Config) {
	mp := n.mempool
	cfg.SendTx = n.sendTx
	cfg.MempoolTxs = func() []rpc.MempoolEntry {
		descs := mp.Txs()
		out := make([]rpc.MempoolEntry, len(descs))
		for i, d := range descs {
			out[i] = rpc.MempoolEntry{Tx: d.Tx, Fee: d.Fee, Time: d.Added, Height: d.Height}
		}
		return out
	}
	cfg.MempoolInfo = func() rpc.MempoolInfo {
		info := rpc.MempoolInfo{Size: mp.Count(), Bytes: mp.Bytes(), Usage: mp.Bytes(), MaxMempool: mp.Policy().MaxPoolBytes,
			MinFeeRate: (uint64(mp.MinFeeRate()) + 999) / 1000} // per kB to per byte, rounded up
		for _, d := range mp.Txs() {
			info.TotalFee += chain.Amount(d.Fee)
		}
		return info
	}
	cfg.MempoolTx = func(txid chain.Hash) (*chain.Tx, bool) {
		d, ok := mp.Lookup(txid)
		return d.Tx, ok
	}
	cfg.MempoolSpends = func(op chain.OutPoint) bool {
		_, spent := mp.SpentBy(op)
		return spent
	}
	cfg.EstimateFee = func(targetBlocks int) uint64 {
		return (uint64(mp.EstimateFeeRate(targetBlocks)) + 999) / 1000 // per kB to per byte, rounded up
	}
}

// saveMempool writes the pool's snapshot for the next start (the pool logs
// the save itself).
func (n *Node) saveMempool() {
	if err := n.mempool.Save(n.snapshotPath()); err != nil {
		n.log.Error("saving the mempool", "err", err)
	}
}
