package rpc

import (
	"context"
	"errors"
	"time"
)

// networkMethods steer the p2p layer, with Bitcoin Core's names.
var networkMethods = []*method{
	{name: "getpeerinfo", summary: "Lists the connected peers.", fn: getPeerInfo},
	{name: "getconnectioncount", summary: "Returns the number of connected peers.", fn: getConnectionCount},
	{name: "addnode", params: []string{"node", "command"}, required: 2, summary: "Adds (add), removes (remove) or dials once (onetry) a peer by its multiaddr ending in /p2p/<peer id>.", fn: addNode},
	{name: "disconnectnode", params: []string{"nodeid"}, required: 1, summary: "Closes the connections to a peer, by peer ID.", fn: disconnectNode},
	{name: "setban", params: []string{"target", "command", "bantime"}, required: 2, summary: "Bans (add) a peer ID or IP address for bantime seconds (default 86400) or lifts its ban (remove).", fn: setBan},
	{name: "listbanned", summary: "Lists the bans in force.", fn: listBanned},
	{name: "clearbanned", summary: "Lifts every ban.", fn: clearBanned},
}

// network returns the p2p layer or the p2p-disabled error.
func (s *Server) network() (Network, *Error) {
	if s.cfg.Network == nil {
		return nil, unavailable(CodeP2PDisabled, "the node runs without p2p (--p2p.off)")
	}
	return s.cfg.Network, nil
}

// netError passes an *Error on and makes any other error an invalid
// parameter.
func netError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errorf(CodeInvalidParameter, "%v", err)
}

func getPeerInfo(_ context.Context, s *Server, _ args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	peers := net.Peers()
	if peers == nil {
		peers = []PeerInfo{}
	}
	return peers, nil
}

func getConnectionCount(_ context.Context, s *Server, _ args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	return len(net.Peers()), nil
}

func addNode(ctx context.Context, s *Server, a args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	addr, perr := a.str(0)
	if perr != nil {
		return nil, perr
	}
	cmd, perr := a.str(1)
	if perr != nil {
		return nil, perr
	}
	switch cmd {
	case "add", "remove", "onetry":
	default:
		return nil, errorf(CodeInvalidParameter, "addnode: command must be add, remove or onetry, not %q", cmd)
	}
	if err := net.AddNode(ctx, addr, cmd); err != nil {
		return nil, netError(err)
	}
	return nil, nil
}

func disconnectNode(_ context.Context, s *Server, a args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	id, perr := a.str(0)
	if perr != nil {
		return nil, perr
	}
	if err := net.Disconnect(id); err != nil {
		return nil, netError(err)
	}
	return nil, nil
}

func setBan(_ context.Context, s *Server, a args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	target, perr := a.str(0)
	if perr != nil {
		return nil, perr
	}
	cmd, perr := a.str(1)
	if perr != nil {
		return nil, perr
	}
	secs, perr := a.int(2, 86400, 1, 100*365*86400)
	if perr != nil {
		return nil, perr
	}
	if cmd != "add" && cmd != "remove" {
		return nil, errorf(CodeInvalidParameter, "setban: command must be add or remove, not %q", cmd)
	}
	if err := net.SetBan(target, cmd, time.Duration(secs)*time.Second); err != nil {
		return nil, netError(err)
	}
	return nil, nil
}

func listBanned(_ context.Context, s *Server, _ args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	bans := net.ListBanned()
	if bans == nil {
		bans = []BannedEntry{}
	}
	return bans, nil
}

func clearBanned(_ context.Context, s *Server, _ args) (any, error) {
	net, perr := s.network()
	if perr != nil {
		return nil, perr
	}
	net.ClearBanned()
	return nil, nil
}
