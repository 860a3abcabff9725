package node

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strconv"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/mempool"
	"github.com/flint-chain/flint/p2p"
)

// P2PConfig configures the node's peer-to-peer layer.
type P2PConfig struct {
	// Enable starts the layer; without it the node runs alone.
	Enable bool
	// Listen are the multiaddrs to listen on (port 0: OS-assigned).
	Listen []string
	// Bootstrap are full multiaddrs (…/p2p/<id>) dialled at start and
	// redialled when the link drops.
	Bootstrap []string
	// MDNS finds peers on the local network; DHT runs the Kademlia DHT.
	MDNS, DHT bool
	// StallTimeout is how long a block request may wait before its blocks
	// go to another peer; the p2p default if zero. Tests shorten it.
	StallTimeout time.Duration
	// DiscoveryInterval is how often the DHT is asked for peers; the p2p
	// default if zero. Tests shorten it.
	DiscoveryInterval time.Duration
}

// SubmitBlock processes a block handed in from outside the node's miner
// and announces it to peers when it was stored (submitblock does the same).
func (n *Node) SubmitBlock(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
	return n.relayBlock(ctx, b)
}

// SendTx offers a transaction to the mempool and announces what entered,
// as sendrawtransaction does.
func (n *Node) SendTx(ctx context.Context, tx *chain.Tx) (chain.Hash, error) {
	return n.sendTx(ctx, tx)
}

// DefaultListenAddrs are the listen addresses for a P2P port: TCP and
// QUIC on every IPv4 interface.
func DefaultListenAddrs(port uint16) []string {
	return []string{
		"/ip4/0.0.0.0/tcp/" + strconv.Itoa(int(port)),
		"/ip4/0.0.0.0/udp/" + strconv.Itoa(int(port)) + "/quic-v1",
	}
}

// newP2P builds the p2p layer on the node's chain and mempool.
func (n *Node) newP2P() error {
	c, mp, cfg := n.chain, n.mempool, n.cfg.P2P
	listen := cfg.Listen
	if len(listen) == 0 {
		listen = DefaultListenAddrs(n.cfg.Params.DefaultP2PPort)
	}
	var err error
	n.p2p, err = p2p.New(p2p.Config{
		Params:      n.cfg.Params,
		DataDir:     filepath.Join(n.cfg.DataDir, "p2p"),
		ListenAddrs: listen,
		Bootstrap:   cfg.Bootstrap,
		MDNS:        cfg.MDNS,
		DHT:         cfg.DHT,
		Registerer:  n.metrics.registry,
		Logger:      n.cfg.Logger,
		Now:         n.cfg.Now,
		BestState:   c.BestState,
		BestHeader: func() (chain.Hash, uint32, *big.Int) {
			b := c.BestState()
			return b.HeaderHash, b.HeaderHeight, b.HeaderWorkSum
		},
		ProcessBlock: n.processBlock,
		ProcessHeaders: func(ctx context.Context, headers []chain.Header) (int, error) {
			if err := n.guardDisk(); err != nil {
				return 0, err
			}
			res, err := c.ProcessHeaders(ctx, headers)
			return res.Accepted, err
		},
		HaveBlock:            c.HaveBlock,
		HaveHeader:           c.HaveHeader,
		BlockByHash:          c.BlockByHash,
		LocateHeaders:        c.LocateHeaders,
		HeaderLocator:        c.HeaderLocator,
		NextBlocksToDownload: c.NextBlocksToDownload,
		HaveTx:               mp.HasWTx,
		AcceptTx: func(tx *chain.Tx, peer string) ([]*chain.Tx, error) {
			res, err := mp.AcceptTx(tx, mempool.PeerID(peer))
			return res.Accepted, err
		},
		IsConsensusError:  mempool.IsConsensusError,
		StallTimeout:      cfg.StallTimeout,
		DiscoveryInterval: cfg.DiscoveryInterval,
		PeerGone:          func(peer string) { mp.RemovePeer(mempool.PeerID(peer)) },
	})
	var le *p2p.ListenError
	if errors.As(err, &le) {
		return &ListenError{Service: "P2P", Addr: le.Addr, Err: le.Err}
	}
	return err
}

// warnNowhereToConnect warns, once at start, that a main-network node
// cannot reach the network: its p2p layer is off, or it has no bootstrap
// peer, no saved peer (peers.json) and no mDNS, and the DHT needs a first
// peer to ask, so it would wait for someone to dial it. Test and regtest
// nodes often run alone on purpose; they are not warned.
func (n *Node) warnNowhereToConnect() {
	cfg := n.cfg
	if cfg.Params.Name != "main" {
		return
	}
	switch {
	case !cfg.P2P.Enable:
		n.log.Warn("p2p is off (--p2p.off): this main-network node will neither sync with the network nor relay blocks and transactions")
	case len(cfg.P2P.Bootstrap) == 0 && !cfg.P2P.MDNS && n.p2p.KnownPeerCount() == 0:
		n.log.Warn(fmt.Sprintf("no peers to connect to: this main-network node has no --bootstrap peer and no saved peers, "+
			"so it syncs nothing until another node dials it; give it one with --bootstrap /ip4/<address>/tcp/%d/p2p/<peer id> "+
			"(getnetworkinfo on that node lists its addresses)", cfg.Params.DefaultP2PPort))
	}
}

// relayBlock processes a block found or handed in locally (the miner,
// submitblock) and announces it when it was stored.
func (n *Node) relayBlock(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
	res, err := n.processBlock(ctx, b)
	if err == nil && !res.Orphan && n.p2p != nil {
		n.p2p.PublishBlock(b)
	}
	return res, err
}

// relayTxs announces transactions that entered the pool from this node.
func (n *Node) relayTxs(txs []*chain.Tx) {
	if n.p2p == nil {
		return
	}
	for _, tx := range txs {
		n.p2p.PublishTx(tx)
	}
}

// relayingChain is the chain as the RPC server sees it: a block submitted
// over RPC is announced to peers.
type relayingChain struct {
	*chain.BlockChain
	n *Node
}

func (r relayingChain) ProcessBlock(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
	return r.n.relayBlock(ctx, b)
}
