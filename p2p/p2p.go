// Package p2p is Flint's peer-to-peer layer (SPEC §10): a libp2p host with
// TCP and QUIC, GossipSub topics for blocks and transactions, the status,
// getheaders and getblocks request protocols, headers-first sync, and
// discovery by mDNS, bootstrap addresses and the Kademlia DHT.
//
// The package reaches the chain and the mempool only through the function
// fields of its Config. docs/p2p.md lists the protocols, limits, deadlines,
// rate limits and scoring parameters.
package p2p

import (
	"context"
	"errors"
	"fmt"
	libp2pmetrics "github.com/libp2p/go-libp2p/core/metrics"
	"log/slog"
	"math/big"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	ma "github.com/multiformats/go-multiaddr"
	msmux "github.com/multiformats/go-multistream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flint-chain/flint/chain"
)

// Config is what the p2p layer needs from the node. The function fields
// are the chain's and the mempool's methods of the same names.
type Config struct {
	// Params are the network's parameters. Required.
	Params *chain.Params
	// DataDir is the p2p directory: the host key and peers.json. Required.
	DataDir string
	// ListenAddrs are the multiaddrs to listen on; port 0 lets the OS pick.
	ListenAddrs []string
	// Bootstrap are peers (full multiaddrs ending in /p2p/<id>) dialled at
	// start and redialled whenever the link drops.
	Bootstrap []string
	// MDNS finds peers on the local network.
	MDNS bool
	// DHT runs the Kademlia DHT in server mode for discovery beyond one LAN.
	DHT bool
	// LowWater and HighWater are the connection manager's watermarks;
	// DefaultLowWater and DefaultHighWater if zero.
	LowWater, HighWater int
	// Registerer receives the layer's Prometheus series; none if nil.
	Registerer prometheus.Registerer
	// Logger receives the layer's lines (with "sub", "p2p").
	Logger *slog.Logger
	// Now is the clock; time.Now if nil.
	Now func() time.Time

	// BestState returns the chain's tip (the connected chain).
	BestState func() chain.BestState
	// BestHeader returns the best header: its hash, height and the
	// cumulative work of its chain.
	BestHeader func() (chain.Hash, uint32, *big.Int)
	// ProcessBlock validates and stores a block (gossip and sync alike).
	ProcessBlock func(ctx context.Context, b *chain.Block) (chain.ProcessResult, error)
	// ProcessHeaders validates and stores a batch of headers; it returns
	// how many leading headers of the batch are now in the index.
	ProcessHeaders func(ctx context.Context, headers []chain.Header) (accepted int, err error)
	// HaveBlock reports whether a block's body is stored.
	HaveBlock func(h chain.Hash) bool
	// HaveHeader reports whether a header is in the index and not invalid.
	HaveHeader func(h chain.Hash) bool
	// BlockByHash returns a stored block (getblocks).
	BlockByHash func(h chain.Hash) (*chain.Block, error)
	// LocateHeaders answers getheaders from the best header chain.
	LocateHeaders func(locator []chain.Hash, stop chain.Hash, max int) []chain.Header
	// HeaderLocator is a block locator over the best header chain.
	HeaderLocator func() []chain.Hash
	// NextBlocksToDownload lists missing bodies of the best header chain.
	NextBlocksToDownload func(max int, window uint32, skip func(chain.Hash) bool) []chain.Hash

	// HaveTx reports whether the mempool holds this very transaction,
	// witness included (SPEC §10 names it by wtxid).
	HaveTx func(tx *chain.Tx) bool
	// AcceptTx offers a gossiped transaction to the mempool on behalf of
	// a peer; it returns the transactions that entered the pool (the
	// transaction, then orphans it unlocked).
	AcceptTx func(tx *chain.Tx, peer string) ([]*chain.Tx, error)
	// IsConsensusError tells a consensus refusal (the peer is at fault)
	// from a policy one.
	IsConsensusError func(error) bool
	// PeerGone tells the mempool a peer disconnected (its orphans go).
	PeerGone func(peer string)

	// StallTimeout is how long a body request may wait before its blocks
	// go to another peer; blocksDeadline if zero. Tests shorten it.
	StallTimeout time.Duration
	// DiscoveryInterval is how often the DHT is asked for peers while the
	// node has fewer than LowWater, and how soon a failed advertisement
	// is retried; DefaultDiscoveryInterval if zero. Tests shorten it.
	DiscoveryInterval time.Duration
}

// Node is a running p2p layer. Create it with New, run it with Run.
type Node struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	netID string

	host    host.Host
	ps      *pubsub.PubSub
	dht     *dht.IpfsDHT
	mdns    mdns.Service
	peers   *peerTable
	sync    *syncer
	protos  protocolIDs
	metrics *metrics
	// bw counts the bytes of every stream per peer (getpeerinfo).
	bw *libp2pmetrics.BandwidthCounter

	blocksTopicName, txsTopicName string
	blocksTopic, txsTopic         *pubsub.Topic
	blocksSub, txsSub             *pubsub.Subscription

	// ctx lives until Close; everything the node starts stops with it.
	ctx    context.Context
	cancel context.CancelFunc
	// goMu guards closing and orders wg.Add before Close's wg.Wait:
	// connection notifications start goroutines at any time, Close too.
	goMu    sync.Mutex
	closing bool
	wg      sync.WaitGroup

	// bootstrap are the parsed --bootstrap peers.
	bootstrap []peer.AddrInfo
	// added are peers added with addnode add: redialled like bootstrap.
	addedMu sync.Mutex
	added   map[peer.ID]peer.AddrInfo

	closeOnce sync.Once
}

// New builds the host, binds its listeners, starts gossip and the request
// handlers. Peers are dialled once Run starts.
func New(cfg Config) (*Node, error) {
	if cfg.Params == nil || cfg.DataDir == "" || cfg.BestState == nil || cfg.BestHeader == nil ||
		cfg.ProcessBlock == nil || cfg.ProcessHeaders == nil || cfg.HaveBlock == nil || cfg.HaveHeader == nil ||
		cfg.BlockByHash == nil || cfg.LocateHeaders == nil || cfg.HeaderLocator == nil ||
		cfg.NextBlocksToDownload == nil || cfg.AcceptTx == nil {
		return nil, errors.New("p2p: Config needs Params, DataDir and the chain and mempool functions")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LowWater == 0 {
		cfg.LowWater = DefaultLowWater
	}
	if cfg.HighWater == 0 {
		cfg.HighWater = DefaultHighWater
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = blocksDeadline
	}
	if cfg.DiscoveryInterval == 0 {
		cfg.DiscoveryInterval = DefaultDiscoveryInterval
	}
	bootstrap, err := parsePeerAddrs(cfg.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("--bootstrap: %w", err)
	}
	netID := cfg.Params.NetworkID()
	n := &Node{
		cfg:             cfg,
		log:             cfg.Logger.With("sub", "p2p"),
		now:             cfg.Now,
		netID:           netID,
		protos:          newProtocolIDs(netID),
		blocksTopicName: "/" + netID + "/blocks/1",
		txsTopicName:    "/" + netID + "/txs/1",
		bootstrap:       bootstrap,
		added:           map[peer.ID]peer.AddrInfo{},
	}
	rates := map[protocol.ID]Rate{
		n.protos.status:     DefaultRates["status"],
		n.protos.getHeaders: DefaultRates["getheaders"],
		n.protos.getBlocks:  DefaultRates["getblocks"],
	}
	n.peers = newPeerTable(rates)
	n.peers.now = cfg.Now
	if err := n.peers.load(filepath.Join(cfg.DataDir, PeersFile)); err != nil {
		n.log.Warn("known peers not loaded", "err", err)
	}
	key, err := loadOrCreateKey(filepath.Join(cfg.DataDir, HostKeyFile))
	if err != nil {
		return nil, err
	}
	n.metrics = newMetrics(n, cfg.Registerer)
	n.sync = newSyncer(n)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.bw = libp2pmetrics.NewBandwidthCounter()
	if n.host, err = newHost(key, cfg.ListenAddrs, cfg.LowWater, cfg.HighWater, &gater{n.peers}, n.protos.all(), n.bw); err != nil {
		n.cancel()
		return nil, fmt.Errorf("start the p2p host: %w", err)
	}
	if err := n.start(); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// start registers the handlers and notifications and starts gossip and
// the DHT.
func (n *Node) start() error {
	n.host.SetStreamHandler(n.protos.status, n.handleStatus)
	n.host.SetStreamHandler(n.protos.getHeaders, n.handleGetHeaders)
	n.host.SetStreamHandler(n.protos.getBlocks, n.handleGetBlocks)
	n.host.Network().Notify(&network.NotifyBundle{
		ConnectedF:    func(_ network.Network, c network.Conn) { n.connected(c) },
		DisconnectedF: func(_ network.Network, c network.Conn) { n.disconnected(c) },
	})
	var err error
	if n.ps, err = newPubSub(n.ctx, n.host, n.blocksTopicName, n.txsTopicName); err != nil {
		return fmt.Errorf("start gossip: %w", err)
	}
	if err := n.startGossip(); err != nil {
		return fmt.Errorf("join gossip topics: %w", err)
	}
	if n.cfg.DHT {
		if n.dht, err = newDHT(n.ctx, n.host, n.netID, n.bootstrap); err != nil {
			return fmt.Errorf("start the DHT: %w", err)
		}
	}
	return nil
}

// Run dials the known and bootstrap peers, runs sync and discovery, and
// returns when ctx is cancelled, after closing the node.
func (n *Node) Run(ctx context.Context) error {
	defer n.Close()
	n.log.Info("p2p host started", "peerid", n.host.ID(), "addrs", n.LocalAddrs())
	n.goRun(func() { drain(n.ctx, n.blocksSub) })
	n.goRun(func() { drain(n.ctx, n.txsSub) })
	n.goRun(func() { n.sync.run(n.ctx) })
	n.goRun(func() { n.maintainPeers(n.ctx) })
	n.goRun(func() { n.pingPeers(n.ctx) })
	if err := n.startDiscovery(n.ctx); err != nil {
		n.log.Warn("discovery not started", "err", err)
	}
	select {
	case <-ctx.Done():
	case <-n.ctx.Done():
	}
	return nil
}

// goRun runs f in a goroutine Close waits for. Once Close has begun it
// starts nothing: the node's context is cancelled, so f would only return.
func (n *Node) goRun(f func()) {
	n.goMu.Lock()
	defer n.goMu.Unlock()
	if n.closing {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}

// Close stops the layer in order — the DHT, gossip, then the host — saves
// peers.json and waits for every goroutine it started.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		if err := n.peers.save(filepath.Join(n.cfg.DataDir, PeersFile)); err != nil {
			n.log.Warn("known peers not saved", "err", err)
		}
		n.stopDiscovery()
		if n.dht != nil {
			_ = n.dht.Close()
		}
		if n.blocksSub != nil {
			n.blocksSub.Cancel()
		}
		if n.txsSub != nil {
			n.txsSub.Cancel()
		}
		n.cancel() // stops pubsub, sync and the publications
		n.goMu.Lock()
		n.closing = true
		n.goMu.Unlock()
		n.wg.Wait()
		if n.host != nil {
			_ = n.host.Close()
		}
	})
	return nil
}

// ID returns the node's peer ID.
func (n *Node) ID() peer.ID { return n.host.ID() }

// Host returns the libp2p host (tests and tools dial with it).
func (n *Node) Host() host.Host { return n.host }

// LocalAddrs returns the full multiaddrs peers can dial, each ending in
// /p2p/<our id>.
func (n *Node) LocalAddrs() []string {
	var out []string
	suffix := "/p2p/" + n.host.ID().String()
	for _, a := range n.host.Addrs() {
		out = append(out, a.String()+suffix)
	}
	return out
}

// localStatus is our status message.
func (n *Node) localStatus() Status {
	best := n.cfg.BestState()
	st := Status{
		Genesis:         n.cfg.Params.GenesisHash,
		BestBlock:       best.Hash,
		BestBlockHeight: best.Height,
	}
	st.BestHeader, st.BestHeaderHeight, st.Work = n.cfg.BestHeader()
	return st
}

// haveHeader reports whether a header is known and not invalid.
func (n *Node) haveHeader(h chain.Hash) bool { return n.cfg.HaveHeader(h) }

// connected starts the status exchange with a newly connected peer.
func (n *Node) connected(c network.Conn) {
	p := c.RemotePeer()
	if !n.peers.add(p, c.Stat().Direction == network.DirInbound) {
		return
	}
	n.goRun(func() {
		ctx, cancel := context.WithTimeout(n.ctx, statusDeadline)
		defer cancel()
		st, err := n.requestStatus(ctx, p)
		var notOurs msmux.ErrNotSupported[protocol.ID]
		if errors.As(err, &notOurs) {
			// It does not speak this network's protocols (whose names
			// carry the network): another network, or not Flint.
			n.log.Info("peer does not speak this network's protocols; disconnecting", "peer", p)
			_ = n.host.Network().ClosePeer(p)
			return
		}
		if err != nil {
			if n.ctx.Err() == nil && n.host.Network().Connectedness(p) == network.Connected {
				n.log.Debug("status exchange failed", "peer", p, "err", err)
				if pts := faultPoints(err); pts > 0 {
					n.misbehave(p, pts, "bad status reply: "+err.Error())
				}
			}
			return
		}
		n.onStatus(p, st)
		n.pingPeer(p) // getpeerinfo's pingtime from the start
	})
}

// disconnected forgets a peer once its last connection closed.
func (n *Node) disconnected(c network.Conn) {
	p := c.RemotePeer()
	if n.host.Network().Connectedness(p) == network.Connected {
		return
	}
	if n.peers.remove(p) {
		n.log.Debug("peer disconnected", "peer", p)
		if n.cfg.PeerGone != nil {
			n.cfg.PeerGone(p.String())
		}
		n.sync.peerGone(p)
	}
}

// onStatus acts on a peer's status: another network is disconnected at
// once; a peer on ours is remembered and, with more work than our best
// header, synced from.
func (n *Node) onStatus(p peer.ID, st *Status) {
	if st.Genesis != n.cfg.Params.GenesisHash {
		n.log.Info("peer is on another network; disconnecting", "peer", p, "genesis", st.Genesis)
		_ = n.host.Network().ClosePeer(p)
		return
	}
	n.peers.setStatus(p, st)
	n.peers.remember(p, n.host.Peerstore().Addrs(p))
	n.sync.statusUpdated(p)
}

// misbehave adds points to a peer's ban score and bans it at the
// threshold.
func (n *Node) misbehave(p peer.ID, points int, reason string) {
	score, banNow := n.peers.misbehave(p, points)
	n.log.Debug("peer misbehaved", "peer", p, "points", points, "score", score, "reason", reason)
	if banNow {
		n.Ban(p, DefaultBanDuration, reason)
	}
}

// Ban bans a peer for d: it is disconnected and the gater refuses its
// dials both ways until the ban ends.
func (n *Node) Ban(p peer.ID, d time.Duration, reason string) {
	n.log.Info("banning peer", "peer", p, "for", d, "reason", reason)
	n.peers.banPeer(p, n.now().Add(d), reason)
	n.metrics.bans.Inc()
	_ = n.host.Network().ClosePeer(p)
}

// BanIP bans an address for d, disconnecting every peer connected from it.
func (n *Node) BanIP(ip netip.Addr, d time.Duration, reason string) {
	n.peers.banIP(ip, n.now().Add(d), reason)
	for _, c := range n.host.Network().Conns() {
		if n.peers.addrBanned(c.RemoteMultiaddr()) {
			_ = c.Close()
		}
	}
}

// Unban lifts the ban of a peer ID or IP address; it reports whether there
// was one.
func (n *Node) Unban(target string) bool { return n.peers.unban(target) }

// ClearBans lifts every ban.
func (n *Node) ClearBans() { n.peers.clearBans() }

// Bans lists the bans in force.
func (n *Node) Bans() []BanEntry { return n.peers.listBans() }

// Connect dials a peer by its full multiaddr.
func (n *Node) Connect(ctx context.Context, addr string) (peer.ID, error) {
	ai, err := parsePeerAddr(addr)
	if err != nil {
		return "", err
	}
	if err := n.host.Connect(ctx, ai); err != nil {
		return ai.ID, err
	}
	return ai.ID, nil
}

// AddPeer keeps a peer connected as a bootstrap peer is (addnode add).
func (n *Node) AddPeer(addr string) error {
	ai, err := parsePeerAddr(addr)
	if err != nil {
		return err
	}
	n.addedMu.Lock()
	n.added[ai.ID] = ai
	n.addedMu.Unlock()
	n.goRun(func() { n.dial(ai) })
	return nil
}

// RemovePeer stops keeping a peer added with AddPeer connected.
func (n *Node) RemovePeer(addr string) error {
	ai, err := parsePeerAddr(addr)
	if err != nil {
		return err
	}
	n.addedMu.Lock()
	defer n.addedMu.Unlock()
	if _, ok := n.added[ai.ID]; !ok {
		return fmt.Errorf("node %s was not added", ai.ID)
	}
	delete(n.added, ai.ID)
	return nil
}

// Disconnect closes every connection to a peer.
func (n *Node) Disconnect(id string) error {
	p, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("not a peer ID: %w", err)
	}
	if n.host.Network().Connectedness(p) != network.Connected {
		return fmt.Errorf("peer %s is not connected", p)
	}
	return n.host.Network().ClosePeer(p)
}

// DecodePeerID parses a peer ID.
func DecodePeerID(s string) (peer.ID, error) { return peer.Decode(s) }

// parsePeerAddr parses a full multiaddr ending in /p2p/<id>.
func parsePeerAddr(s string) (peer.AddrInfo, error) {
	a, err := ma.NewMultiaddr(s)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("%q is not a multiaddr: %w", s, err)
	}
	ai, err := peer.AddrInfoFromP2pAddr(a)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("%q does not end in /p2p/<peer id>: %w", s, err)
	}
	return *ai, nil
}

func parsePeerAddrs(list []string) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, s := range list {
		ai, err := parsePeerAddr(s)
		if err != nil {
			return nil, err
		}
		out = append(out, ai)
	}
	return out, nil
}

// workOf returns a status's work, zero when missing.
func workOf(s *Status) *big.Int {
	if s == nil || s.Work == nil {
		return new(big.Int)
	}
	return s.Work
}
