package rpc

import (
	"context"
	"strings"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/version"
)

// controlMethods describe and steer the node itself.
var controlMethods = []*method{
	{name: "uptime", summary: "Returns the seconds since the node started.", fn: uptime},
	{name: "getnetworkinfo", summary: "Describes the node's network side: version, connections.", fn: getNetworkInfo},
	{name: "validateaddress", params: []string{"address"}, required: 1, summary: "Says whether address is valid on this network, and the key it pays.", fn: validateAddress},
	{name: "stop", summary: "Shuts the node down.", fn: stop},
	{name: "help", params: []string{"command"}, summary: "Lists the methods, or describes one.", fn: help},
}

func uptime(_ context.Context, s *Server, _ args) (any, error) {
	return int64(time.Since(s.started) / time.Second), nil
}

func getNetworkInfo(_ context.Context, s *Server, _ args) (any, error) {
	info := NetworkInfo{ProtocolVersion: 1}
	if s.cfg.NetworkInfo != nil {
		info = s.cfg.NetworkInfo()
	}
	info.Network = s.cfg.Params.Name
	info.Version, info.Subversion = version.Number, version.Subversion
	if info.LocalAddresses == nil {
		info.LocalAddresses = []string{}
	}
	return info, nil
}

func validateAddress(_ context.Context, s *Server, a args) (any, error) {
	str, perr := a.str(0)
	if perr != nil {
		return nil, perr
	}
	key, err := chain.DecodeAddress(s.cfg.Params, str)
	if err != nil {
		return AddressInfo{IsValid: false, Error: err.Error()}, nil
	}
	return AddressInfo{
		IsValid:        true,
		Address:        chain.EncodeAddress(s.cfg.Params, key),
		PubKey:         key[:],
		IsWitness:      true,
		WitnessVersion: 1,
	}, nil
}

func stop(_ context.Context, s *Server, _ args) (any, error) {
	if s.cfg.Stop == nil {
		return nil, unavailable(CodeMisc, "stop is not available: stop the node with a signal")
	}
	s.log.Info("stop requested by RPC")
	// The shutdown waits for this call to answer, so it must not run here.
	go s.cfg.Stop()
	return "Flint server stopping", nil
}

func help(_ context.Context, s *Server, a args) (any, error) {
	if a.given(0) {
		name, perr := a.str(0)
		if perr != nil {
			return nil, perr
		}
		m := s.methods[name]
		if m == nil {
			return nil, errorf(CodeInvalidParameter, "help: unknown command %q", name)
		}
		return m.usage() + "\n\n" + m.summary, nil
	}
	var b strings.Builder
	for _, name := range s.Methods() {
		b.WriteString(s.methods[name].usage())
		b.WriteByte('\n')
	}
	return b.String(), nil
}
