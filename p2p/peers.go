package p2p

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/flint-chain/flint/chain"
	manet "github.com/multiformats/go-multiaddr/net"
	"golang.org/x/time/rate"
)

// Misbehaviour: every protocol fault adds points to the peer's ban score;
// at BanThreshold the peer is banned for DefaultBanDuration. The points of
// each fault are in docs/p2p.md.
const (
	BanThreshold       = 100
	DefaultBanDuration = 24 * time.Hour

	// scoreInvalid: a header or block that breaks a consensus rule.
	scoreInvalid = 100
	// scoreOversized: a frame beyond its type's limit.
	scoreOversized = 50
	// scoreMalformed: a frame that does not decode (a headers reply that
	// is not a chain among them), trailing bytes after a request, a
	// non-minimal length.
	scoreMalformed = 20
	// scoreUnsolicited: a block or headers nobody asked for.
	scoreUnsolicited = 20
	// scoreRateLimited: a request beyond the per-protocol rate limit.
	scoreRateLimited = 5
	// scoreStall: a request not answered within its deadline.
	scoreStall = 10
)

// PeersFile is the known-peers file's name under the p2p data directory.
const PeersFile = "peers.json"

// maxKnownPeers bounds peers.json.
const maxKnownPeers = 256

// peerState is what the node knows of one connected peer.
type peerState struct {
	id       peer.ID
	inbound  bool
	connTime time.Time
	// status is the peer's last status message; nil until it arrives.
	status   *Status
	banScore int
	limiters map[protocol.ID]*rate.Limiter
	// bytesSent and bytesRecv count the request protocols' bytes.
	bytesSent, bytesRecv int64
}

// Rate is a token-bucket rate limit: Burst requests at once, then Rate
// per second.
type Rate struct {
	PerSecond float64
	Burst     int
}

// ban is one ban: until when.
type ban struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
}

// knownPeer is one entry of peers.json.
type knownPeer struct {
	ID       peer.ID  `json:"id"`
	Addrs    []string `json:"addrs"`
	LastSeen int64    `json:"lastseen"`
}

// peerTable holds the connected peers, their scores, the bans and the
// known good addresses. It is safe for concurrent access; the connection
// gater reads it on every dial and accept.
type peerTable struct {
	limits map[protocol.ID]Rate
	now    func() time.Time

	// mu guards every field below.
	mu      sync.Mutex
	peers   map[peer.ID]*peerState
	bans    map[peer.ID]ban
	ipBans  map[netip.Addr]ban
	known   map[peer.ID]knownPeer
	dirtied bool // known changed since the last save
}

func newPeerTable(limits map[protocol.ID]Rate) *peerTable {
	return &peerTable{
		limits: limits,
		now:    time.Now,
		peers:  map[peer.ID]*peerState{},
		bans:   map[peer.ID]ban{},
		ipBans: map[netip.Addr]ban{},
		known:  map[peer.ID]knownPeer{},
	}
}

// add records a connected peer and reports whether it is new.
func (t *peerTable) add(id peer.ID, inbound bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.peers[id] != nil {
		return false
	}
	ps := &peerState{id: id, inbound: inbound, connTime: t.now(), limiters: map[protocol.ID]*rate.Limiter{}}
	for p, r := range t.limits {
		ps.limiters[p] = rate.NewLimiter(rate.Limit(r.PerSecond), r.Burst)
	}
	t.peers[id] = ps
	return true
}

// remove forgets a disconnected peer and reports whether it was there.
func (t *peerTable) remove(id peer.ID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.peers[id]
	delete(t.peers, id)
	return ok
}

// setStatus records a peer's status.
func (t *peerTable) setStatus(id peer.ID, s *Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ps := t.peers[id]; ps != nil {
		ps.status = s
	}
}

// noteBlock records that a peer holds the block hash at height (it
// relayed it, so it validated and stored it): its status's best block,
// and best header, move up to it. The work stays the status's.
func (t *peerTable) noteBlock(id peer.ID, hash chain.Hash, height uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.peers[id]
	if ps == nil || ps.status == nil || height <= ps.status.BestBlockHeight {
		return
	}
	st := *ps.status // readers hold the old one
	st.BestBlock, st.BestBlockHeight = hash, height
	if height > st.BestHeaderHeight {
		st.BestHeader, st.BestHeaderHeight = hash, height
	}
	ps.status = &st
}

// status returns a peer's last status, nil if none.
func (t *peerTable) status(id peer.ID) *Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ps := t.peers[id]; ps != nil {
		return ps.status
	}
	return nil
}

// addBytes counts request-protocol bytes sent to and received from a peer.
func (t *peerTable) addBytes(id peer.ID, sent, recv int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ps := t.peers[id]; ps != nil {
		ps.bytesSent += int64(sent)
		ps.bytesRecv += int64(recv)
	}
}

// allow takes a token from the peer's bucket for proto.
func (t *peerTable) allow(id peer.ID, proto protocol.ID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.peers[id]
	if ps == nil {
		return true // a stream racing the connect notification
	}
	if l := ps.limiters[proto]; l != nil {
		return l.AllowN(t.now(), 1)
	}
	return true
}

// misbehave adds points to the peer's ban score and reports whether the
// peer has now crossed BanThreshold (the caller bans it).
func (t *peerTable) misbehave(id peer.ID, points int) (score int, banNow bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.peers[id]
	if ps == nil {
		return points, points >= BanThreshold
	}
	before := ps.banScore
	ps.banScore += points
	return ps.banScore, before < BanThreshold && ps.banScore >= BanThreshold
}

// banPeer bans a peer ID until the given time.
func (t *peerTable) banPeer(id peer.ID, until time.Time, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bans[id] = ban{Until: until, Reason: reason}
	delete(t.known, id)
	t.dirtied = true
}

// banIP bans an address until the given time.
func (t *peerTable) banIP(ip netip.Addr, until time.Time, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ipBans[ip.Unmap()] = ban{Until: until, Reason: reason}
}

// unban lifts the ban of a peer ID or address; it reports whether there
// was one.
func (t *peerTable) unban(target string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ip, err := netip.ParseAddr(target); err == nil {
		_, ok := t.ipBans[ip.Unmap()]
		delete(t.ipBans, ip.Unmap())
		return ok
	}
	id, err := peer.Decode(target)
	if err != nil {
		return false
	}
	_, ok := t.bans[id]
	delete(t.bans, id)
	return ok
}

// clearBans lifts every ban.
func (t *peerTable) clearBans() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bans = map[peer.ID]ban{}
	t.ipBans = map[netip.Addr]ban{}
}

// BanEntry is one ban, for listbanned.
type BanEntry struct {
	// Address is a peer ID or an IP address.
	Address     string
	BannedUntil time.Time
	Reason      string
}

// listBans returns the bans in force.
func (t *peerTable) listBans() []BanEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var out []BanEntry
	for id, b := range t.bans {
		if now.Before(b.Until) {
			out = append(out, BanEntry{Address: id.String(), BannedUntil: b.Until, Reason: b.Reason})
		}
	}
	for ip, b := range t.ipBans {
		if now.Before(b.Until) {
			out = append(out, BanEntry{Address: ip.String(), BannedUntil: b.Until, Reason: b.Reason})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// peerBanned reports whether a peer ID is banned now.
func (t *peerTable) peerBanned(id peer.ID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.bans[id]
	return ok && t.now().Before(b.Until)
}

// addrBanned reports whether the IP of a multiaddr is banned now.
func (t *peerTable) addrBanned(a ma.Multiaddr) bool {
	if a == nil {
		return false
	}
	nip, err := manet.ToIP(a)
	if err != nil {
		return false
	}
	ip, ok := netip.AddrFromSlice(nip)
	if !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.ipBans[ip.Unmap()]
	return ok && t.now().Before(b.Until)
}

// remember records a peer worth redialling after a restart: one that
// passed the status exchange on our network.
func (t *peerTable) remember(id peer.ID, addrs []ma.Multiaddr) {
	var s []string
	for _, a := range addrs {
		if manet.IsIPUnspecified(a) {
			continue
		}
		s = append(s, a.String())
	}
	if len(s) == 0 {
		return
	}
	slices.Sort(s)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.known[id] = knownPeer{ID: id, Addrs: s, LastSeen: t.now().Unix()}
	t.dirtied = true
	if len(t.known) > maxKnownPeers {
		var oldest peer.ID
		for id, k := range t.known {
			if oldest == "" || k.LastSeen < t.known[oldest].LastSeen {
				oldest = id
			}
		}
		delete(t.known, oldest)
	}
}

// knownPeers returns the remembered peers, most recently seen first.
func (t *peerTable) knownPeers() []peer.AddrInfo {
	t.mu.Lock()
	list := make([]knownPeer, 0, len(t.known))
	for _, k := range t.known {
		list = append(list, k)
	}
	t.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].LastSeen > list[j].LastSeen })
	var out []peer.AddrInfo
	for _, k := range list {
		ai := peer.AddrInfo{ID: k.ID}
		for _, s := range k.Addrs {
			if a, err := ma.NewMultiaddr(s); err == nil {
				ai.Addrs = append(ai.Addrs, a)
			}
		}
		if len(ai.Addrs) > 0 {
			out = append(out, ai)
		}
	}
	return out
}

// peersFile is the on-disk form of peers.json: the known peers and the
// peer bans in force, so that a restart neither forgets good peers nor
// forgives bad ones.
type peersFile struct {
	Peers []knownPeer        `json:"peers"`
	Bans  map[peer.ID]ban    `json:"bans,omitempty"`
	IPs   map[netip.Addr]ban `json:"ipbans,omitempty"`
}

// load reads peers.json; a missing file is an empty table.
func (t *peerTable) load(path string) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f peersFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("%s is damaged: %w", path, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range f.Peers {
		if k.ID.Validate() == nil {
			t.known[k.ID] = k
		}
	}
	for id, b := range f.Bans {
		if now.Before(b.Until) {
			t.bans[id] = b
		}
	}
	for ip, b := range f.IPs {
		if now.Before(b.Until) {
			t.ipBans[ip] = b
		}
	}
	return nil
}

// save writes peers.json atomically.
func (t *peerTable) save(path string) error {
	t.mu.Lock()
	f := peersFile{Bans: map[peer.ID]ban{}, IPs: map[netip.Addr]ban{}}
	for _, k := range t.known {
		f.Peers = append(f.Peers, k)
	}
	now := t.now()
	for id, b := range t.bans {
		if now.Before(b.Until) {
			f.Bans[id] = b
		}
	}
	for ip, b := range t.ipBans {
		if now.Before(b.Until) {
			f.IPs[ip] = b
		}
	}
	t.dirtied = false
	t.mu.Unlock()
	sort.Slice(f.Peers, func(i, j int) bool { return f.Peers[i].ID < f.Peers[j].ID })
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, raw, 0o600)
}

// gater enforces bans on every dial and every incoming connection.
type gater struct{ t *peerTable }

func (g *gater) InterceptPeerDial(p peer.ID) bool { return !g.t.peerBanned(p) }

func (g *gater) InterceptAddrDial(p peer.ID, a ma.Multiaddr) bool {
	return !g.t.peerBanned(p) && !g.t.addrBanned(a)
}

func (g *gater) InterceptAccept(c network.ConnMultiaddrs) bool {
	return !g.t.addrBanned(c.RemoteMultiaddr())
}

func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, c network.ConnMultiaddrs) bool {
	return !g.t.peerBanned(p) && !g.t.addrBanned(c.RemoteMultiaddr())
}

func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
