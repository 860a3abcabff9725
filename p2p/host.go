package p2p

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	libp2pmetrics "github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"go.uber.org/fx"
)

// HostKeyFile is the host key's file name under the p2p data directory.
const HostKeyFile = "hostkey"

// Connection manager watermarks: above HighWater connections the manager
// trims back to LowWater, sparing peers in their grace period.
const (
	DefaultLowWater  = 32
	DefaultHighWater = 64
	gracePeriod      = 30 * time.Second
)

// loadOrCreateKey returns the Ed25519 host key stored at path, creating it
// (mode 0600, written atomically) if the file does not exist, so that the
// node keeps its peer ID across restarts.
func loadOrCreateKey(path string) (crypto.PrivKey, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := crypto.UnmarshalPrivateKey(raw)
		if err != nil {
			return nil, fmt.Errorf("host key %s is damaged (remove it to get a new peer ID): %w", path, err)
		}
		if key.Type() != crypto.Ed25519 {
			return nil, fmt.Errorf("host key %s is not an Ed25519 key", path)
		}
		return key, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read host key: %w", err)
	}
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, err
	}
	raw, err = crypto.MarshalPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, raw, 0o600); err != nil {
		return nil, fmt.Errorf("write host key: %w", err)
	}
	return key, nil
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// resourceLimits are the resource manager's explicit limits. They bound
// what one peer or one protocol can take, while leaving room for a node
// with HighWater peers each syncing. Every Flint request uses one stream
// that is closed or reset when the exchange ends, so the per-protocol
// stream limits bound concurrency, not a lifetime count.
func resourceLimits(protocols []protocol.ID) rcmgr.ConcreteLimitConfig {
	perProto := rcmgr.ResourceLimits{
		Streams: 16, StreamsInbound: 8, StreamsOutbound: 16,
		Memory: 32 << 20,
	}
	partial := rcmgr.PartialLimitConfig{
		System: rcmgr.ResourceLimits{
			Conns: 512, ConnsInbound: 256, ConnsOutbound: 512,
			Streams: 8192, StreamsInbound: 4096, StreamsOutbound: 8192,
			FD: 1024, Memory: 1 << 30,
		},
		Transient: rcmgr.ResourceLimits{
			Conns: 128, ConnsInbound: 64, ConnsOutbound: 128,
			Streams: 512, StreamsInbound: 256, StreamsOutbound: 512,
			FD: 256, Memory: 128 << 20,
		},
		PeerDefault: rcmgr.ResourceLimits{
			Conns: 8, ConnsInbound: 4, ConnsOutbound: 8,
			Streams: 256, StreamsInbound: 128, StreamsOutbound: 256,
			Memory: 64 << 20,
		},
		ProtocolPeer: map[protocol.ID]rcmgr.ResourceLimits{},
	}
	for _, p := range protocols {
		partial.ProtocolPeer[p] = perProto
	}
	return partial.Build(rcmgr.DefaultLimits.AutoScale())
}

// newResourceManager builds the resource manager. The per-address
// connection limit (8 per IPv4 address by default) would stop many nodes
// sharing one address — a test or a local testnet on 127.0.0.1, or several
// containers behind one NAT — so loopback and the private ranges get a
// generous limit of their own; public addresses keep the default.
func newResourceManager(protocols []protocol.ID) (network.ResourceManager, error) {
	prefixes := []rcmgr.NetworkPrefixLimit{
		{Network: netip.MustParsePrefix("127.0.0.0/8"), ConnCount: math.MaxInt},
		{Network: netip.MustParsePrefix("10.0.0.0/8"), ConnCount: 256},
		{Network: netip.MustParsePrefix("172.16.0.0/12"), ConnCount: 256},
		{Network: netip.MustParsePrefix("192.168.0.0/16"), ConnCount: 256},
	}
	v6 := []rcmgr.NetworkPrefixLimit{
		{Network: netip.MustParsePrefix("::1/128"), ConnCount: math.MaxInt},
	}
	return rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(resourceLimits(protocols)),
		rcmgr.WithNetworkPrefixLimit(prefixes, v6))
}

// newHost builds the libp2p host: TCP and QUIC (quic-v1), Noise, Yamux,
// the given key, connection manager, resource limits and gater. The
// library's own metrics are off; the node exports its own gauges. bw
// counts every stream's bytes, gossip included, per peer.
func newHost(key crypto.PrivKey, listen []string, low, high int, gater *gater, protocols []protocol.ID, bw libp2pmetrics.Reporter) (host.Host, error) {
	cm, err := connmgr.NewConnManager(low, high, connmgr.WithGracePeriod(gracePeriod))
	if err != nil {
		return nil, err
	}
	// A fixed port another process holds is found before the host
	// starts: libp2p leaves goroutines behind when it fails to start.
	if le := heldAddr(listen); le != nil {
		cm.Close()
		return nil, le
	}
	rm, err := newResourceManager(protocols)
	if err != nil {
		cm.Close()
		return nil, err
	}
	h, err := libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(listen...),
		// Without SO_REUSEPORT: with it a second node binds the port
		// another holds, and the kernel splits the incoming connections
		// between the two.
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ConnectionManager(cm),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionGater(gater),
		libp2p.UserAgent("flint"),
		libp2p.Ping(true), // getpeerinfo's pingtime
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.BandwidthReporter(bw),
		libp2p.WithFxOption(fx.NopLogger), // its start-up errors come back as ours
	)
	if err != nil {
		rm.Close()
		cm.Close()
		if le := heldAddr(listen); le != nil {
			return nil, le // taken since the check above
		}
		return nil, err
	}
	if le := unboundAddr(listen, h.Network().ListenAddresses()); le != nil {
		h.Close()
		return nil, le
	}
	return h, nil
}

// ListenError is returned by New when the host cannot listen on one of
// its addresses. Every address must be bound: a node listening on QUIC
// alone because another process holds its TCP port would be reachable
// by half its peers. errors.Is(err, syscall.EADDRINUSE) tells a port in
// use.
type ListenError struct {
	Addr string // the multiaddr asked for
	Err  error
}

func (e *ListenError) Error() string { return fmt.Sprintf("listen on %s: %v", e.Addr, e.Err) }
func (e *ListenError) Unwrap() error { return e.Err }

// unboundAddr returns a ListenError for the first of the listen addresses
// with no listener among bound (a fixed port must match; port 0 matches
// any), nil when every one is bound. The libp2p host only logs why a
// listener failed, so the reason is found by binding the address again.
func unboundAddr(listen []string, bound []ma.Multiaddr) *ListenError {
	for _, s := range listen {
		network, addr, err := listenArgs(s)
		if err != nil {
			return &ListenError{Addr: s, Err: err}
		}
		host, port, _ := net.SplitHostPort(addr)
		if slices.ContainsFunc(bound, func(b ma.Multiaddr) bool {
			bnetwork, baddr, err := manet.DialArgs(b)
			bhost, bport, _ := net.SplitHostPort(baddr)
			return err == nil && bnetwork == network && bhost == host && (port == "0" || bport == port)
		}) {
			continue
		}
		if err = bind(network, addr); err == nil {
			err = errors.New("the host did not listen there")
		}
		return &ListenError{Addr: s, Err: err}
	}
	return nil
}

// heldAddr returns a ListenError for the first listen address with a
// fixed port that cannot be bound now, nil if there is none.
func heldAddr(listen []string) *ListenError {
	for _, s := range listen {
		network, addr, err := listenArgs(s)
		if err == nil && !strings.HasSuffix(addr, ":0") {
			err = bind(network, addr)
		}
		if err != nil {
			return &ListenError{Addr: s, Err: err}
		}
	}
	return nil
}

// listenArgs returns the Go network ("tcp4", "udp6"…, the family libp2p
// binds) and host:port of a /ip4|ip6/…/tcp/… or …/udp/…/quic-v1 listen
// address.
func listenArgs(s string) (network, addr string, err error) {
	a, err := ma.NewMultiaddr(s)
	if err != nil {
		return "", "", err
	}
	return manet.DialArgs(a)
}

// bind binds addr on network ("tcp4", "udp6"…) and releases it at once.
func bind(network, addr string) error {
	if strings.HasPrefix(network, "tcp") {
		ln, err := net.Listen(network, addr)
		if err != nil {
			return err
		}
		return ln.Close()
	}
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		return err
	}
	return pc.Close()
}
