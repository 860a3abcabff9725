package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner"
	"github.com/flint-chain/flint/rpc"
)

// newRPCServer builds the JSON-RPC server over the node's parts. stop ends
// the node (the stop method).
func (n *Node) newRPCServer(stop func()) (*rpc.Server, error) {
	cfg := rpc.Config{
		Params:        n.cfg.Params,
		Chain:         relayingChain{n.chain, n},
		BlockTemplate: n.blockTemplate,
		MinerStatus:   n.minerStatus,
		Stop:          stop,
		CookiePath:    filepath.Join(n.cfg.DataDir, rpc.CookieFile),
		User:          n.cfg.RPCUser,
		Password:      n.cfg.RPCPassword,
		Logger:        n.cfg.Logger,
	}
	// Blocks on demand are for regtest (and so the dev node) only.
	if n.cfg.Params.NoRetarget && n.miner != nil {
		cfg.Generate = n.generate
	}
	cfg.NetworkInfo = n.networkInfo
	if n.p2p != nil {
		cfg.Network = netRPC{n.p2p}
		cfg.SyncState = n.syncState
	}
	n.wireMempoolRPC(&cfg)
	if err := n.wireGetWork(&cfg); err != nil {
		return nil, err
	}
	return rpc.NewServer(cfg)
}

// generate is generatetoaddress: the miner's Generate, with a block that
// cannot be given a valid time answered as the caller's problem (-1 and
// the reason), not an internal error.
func (n *Node) generate(ctx context.Context, count int, payTo [32]byte) ([]chain.Hash, error) {
	hashes, err := n.miner.Generate(ctx, count, payTo)
	if errors.Is(err, miner.ErrAheadOfClock) {
		return hashes, &rpc.Error{Code: rpc.CodeMisc, Message: fmt.Sprintf("mined %d of %d blocks, then %v", len(hashes), count, err)}
	}
	return hashes, err
}

// wireGetWork gives getwork and getblocktemplate the node's payout
// address, when it has one.
func (n *Node) wireGetWork(cfg *rpc.Config) error {
	payTo := n.cfg.MinePayTo
	if payTo == ([32]byte{}) {
		return nil
	}
	ws, err := miner.NewWorkServer(miner.WorkConfig{
		Params:       n.cfg.Params,
		BestState:    n.chain.BestState,
		ProcessBlock: n.processBlock,
		PayTo:        payTo,
		Txs:          n.txSource(),
		TxsUpdated:   n.mempool.LastUpdated,
		Now:          n.cfg.Now,
	})
	if err != nil {
		return err
	}
	cfg.MiningPayTo = func() ([32]byte, bool) { return payTo, true }
	cfg.GetWork = func() (rpc.Work, error) {
		w, err := ws.Get()
		return rpc.Work(w), err
	}
	cfg.SubmitWork = ws.Submit
	return nil
}

// blockTemplate is getblocktemplate's source: a block on the tip paying
// payTo, with the mempool's selection.
func (n *Node) blockTemplate(payTo [32]byte) (*chain.Block, error) {
	t, err := miner.NewTemplate(n.cfg.Params, n.chain.BestState(), n.cfg.Now(), payTo, n.txSource())
	if err != nil {
		return nil, err
	}
	return t.Block, nil
}

// minerStatus reports the local miner for getmininginfo.
func (n *Node) minerStatus() rpc.MinerStatus {
	if n.miner == nil {
		return rpc.MinerStatus{}
	}
	total, per := n.miner.HashRate()
	return rpc.MinerStatus{Mining: n.mining.Load(), Threads: len(per), HashRate: total}
}

// serveRPC serves JSON-RPC on the node's bound listener until ctx ends.
func (n *Node) serveRPC(ctx context.Context) error {
	return n.rpc.Serve(ctx, n.rpcLn)
}
