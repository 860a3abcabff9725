package explorer

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/flint-chain/flint/chain"
)

// networkData is the peers page.
type networkData struct {
	Off     bool
	Height  uint32
	Tip     chain.Hash
	Peers   []peerRow
	Testnet bool
}

// peerRow is a peer with its lag behind our tip.
type peerRow struct {
	Peer
	// Lag is our height minus the peer's (negative when it is ahead).
	Lag int64
	// SameTip is set when the peer's best block is our tip.
	SameTip bool
}

func (e *Explorer) networkPage(r *http.Request) (*view, error) {
	best := e.cfg.Chain.BestState()
	d := &networkData{Height: best.Height, Tip: best.Hash, Testnet: e.testnet != nil}
	if e.cfg.Peers == nil {
		d.Off = true
	} else {
		for _, p := range e.cfg.Peers() {
			d.Peers = append(d.Peers, peerRow{Peer: p, Lag: int64(best.Height) - int64(p.BestHeight), SameTip: p.BestHash == best.Hash})
		}
		slices.SortFunc(d.Peers, func(a, b peerRow) int { return cmp.Compare(a.ID, b.ID) })
	}
	return &view{template: "network", title: "Network", data: d}, nil
}
