package explorer

import (
	"net/http"

	"github.com/flint-chain/flint/chain"
)

// tipsData is the chain-tips page.
type tipsData struct {
	Tips []chain.ChainTip
}

func (e *Explorer) tipsPage(r *http.Request) (*view, error) {
	return &view{template: "tips", title: "Chain tips", data: tipsData{Tips: e.cfg.Chain.ChainTips()}}, nil
}

// reorgsData is the reorg-log page.
type reorgsData struct {
	Reorgs []Reorg
	Max    int
}

func (e *Explorer) reorgsPage(r *http.Request) (*view, error) {
	return &view{template: "reorgs", title: "Reorganisations", data: reorgsData{Reorgs: e.Reorgs(), Max: maxReorgs}}, nil
}
