package node

import (
	"context"
	"net/netip"
	"time"

	"github.com/flint-chain/flint/p2p"
	"github.com/flint-chain/flint/rpc"
)

// netRPC is the p2p layer as the RPC server sees it.
type netRPC struct{ p *p2p.Node }

func (r netRPC) Peers() []rpc.PeerInfo {
	var out []rpc.PeerInfo
	for _, pi := range r.p.Peers() {
		out = append(out, rpc.PeerInfo{
			ID: pi.ID, Addr: pi.Addr, Addrs: pi.Addrs, Inbound: pi.Inbound,
			BestHeight: pi.BestHeight, BestHash: pi.BestHash, PingTime: pi.PingTime.Seconds(),
			BytesSent: pi.BytesSent, BytesRecv: pi.BytesRecv, BanScore: pi.BanScore,
			ConnTime: pi.ConnTime.Unix(), Syncing: pi.Syncing,
		})
	}
	return out
}

func (r netRPC) AddNode(ctx context.Context, addr, cmd string) error {
	switch cmd {
	case "add":
		return r.p.AddPeer(addr)
	case "remove":
		if err := r.p.RemovePeer(addr); err != nil {
			return &rpc.Error{Code: rpc.CodeNodeNotAdded, Message: err.Error()}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if id, err := r.p.Connect(ctx, addr); err != nil {
		if id == "" {
			return err // the address does not parse
		}
		return &rpc.Error{Code: rpc.CodeNodeNotConnected, Message: "could not connect to " + addr + ": " + err.Error()}
	}
	return nil
}

func (r netRPC) Disconnect(id string) error {
	if err := r.p.Disconnect(id); err != nil {
		return &rpc.Error{Code: rpc.CodeNodeNotConnected, Message: err.Error()}
	}
	return nil
}

func (r netRPC) SetBan(target, cmd string, d time.Duration) error {
	if cmd == "remove" {
		if !r.p.Unban(target) {
			return &rpc.Error{Code: rpc.CodeInvalidIPOrSubnet, Message: "no ban of " + target}
		}
		return nil
	}
	if ip, err := netip.ParseAddr(target); err == nil {
		r.p.BanIP(ip, d, "setban")
		return nil
	}
	id, err := p2p.DecodePeerID(target)
	if err != nil {
		return &rpc.Error{Code: rpc.CodeInvalidIPOrSubnet, Message: target + " is neither a peer ID nor an IP address"}
	}
	r.p.Ban(id, d, "setban")
	return nil
}

func (r netRPC) ListBanned() []rpc.BannedEntry {
	var out []rpc.BannedEntry
	for _, b := range r.p.Bans() {
		out = append(out, rpc.BannedEntry{Address: b.Address, BannedUntil: b.BannedUntil.Unix(), Reason: b.Reason})
	}
	return out
}

func (r netRPC) ClearBanned() { r.p.ClearBans() }

// networkInfo is the node's part of getnetworkinfo's answer: the p2p side.
// The RPC server fills in the version and subversion from
// internal/version and the network's name.
func (n *Node) networkInfo() rpc.NetworkInfo {
	info := rpc.NetworkInfo{ProtocolVersion: 1}
	if n.p2p == nil {
		return info
	}
	in, out := n.p2p.ConnectionCount()
	info.NetworkActive = true
	info.Connections, info.ConnectionsIn, info.ConnectionsOut = in+out, in, out
	info.LocalAddresses = n.p2p.LocalAddrs()
	info.PeerID = n.p2p.ID().String()
	return info
}

// syncState is getblockchaininfo's view of sync.
func (n *Node) syncState() rpc.SyncState {
	return rpc.SyncState{InitialBlockDownload: n.p2p.InitialDownload(), VerificationProgress: n.p2p.Progress()}
}
