package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/flint-chain/flint/chain"
)

// Limits of the mining methods.
const (
	// maxGenerate bounds generatetoaddress's nblocks in one call.
	maxGenerate = 10_000
	// hashRateWindow is how many blocks networkhashps is averaged over.
	hashRateWindow = 120
)

// miningMethods serve miners: templates, block submission, regtest
// generation and hash rates.
var miningMethods = []*method{
	{name: "getmininginfo", summary: "Describes mining: height, difficulty, network and local hash rates.", fn: getMiningInfo},
	{name: "getblocktemplate", params: []string{"template_request"}, summary: "Returns a block on the tip paying an address (or, given a BIP 22 request object or nothing, the node's --mining.address), for an external miner to solve.", fn: getBlockTemplate},
	{name: "getwork", params: []string{"data"}, summary: "Without data, work for a getwork miner (data, target, midstate, hash1) paying --mining.address; with solved data, true if it made a block.", fn: getWork},
	{name: "submitblock", params: []string{"hexdata"}, required: 1, summary: "Submits a solved block (hex); null when it extends the main chain, else a reason.", fn: submitBlock},
	{name: "generatetoaddress", params: []string{"nblocks", "address", "maxtries"}, required: 2, summary: "Mines nblocks blocks paying address at once (regtest and dev mode only).", fn: generateToAddress},
}

func getMiningInfo(_ context.Context, s *Server, _ args) (any, error) {
	best := s.cfg.Chain.BestState()
	r := MiningInfo{
		Blocks:        best.Height,
		Bits:          bitsHex(best.NextBits),
		Difficulty:    s.difficulty(best.NextBits),
		NetworkHashPS: s.networkHashPS(best),
		Chain:         s.cfg.Params.Name,
	}
	if s.cfg.MinerStatus != nil {
		st := s.cfg.MinerStatus()
		r.HashesPerSec, r.Mining, r.Threads = st.HashRate, st.Mining, st.Threads
	}
	if s.cfg.MempoolInfo != nil {
		r.PooledTx = s.cfg.MempoolInfo().Size
	}
	return r, nil
}

// networkHashPS estimates the network's hashes per second from the work
// and the time span of the last hashRateWindow blocks; 0 when the span is
// not positive.
func (s *Server) networkHashPS(best chain.BestState) float64 {
	if best.Height == 0 || best.WorkSum == nil {
		return 0
	}
	from := uint32(0)
	if best.Height > hashRateWindow {
		from = best.Height - hashRateWindow
	}
	h, err := s.cfg.Chain.BlockHashByHeight(from)
	if err != nil {
		return 0
	}
	info, err := s.cfg.Chain.HeaderByHash(h)
	if err != nil || info.WorkSum == nil {
		return 0
	}
	span := int64(best.Header.Time) - int64(info.Header.Time)
	if span <= 0 {
		return 0
	}
	work := new(big.Int).Sub(best.WorkSum, info.WorkSum)
	rate, _ := new(big.Rat).SetFrac(work, big.NewInt(span)).Float64()
	return rate
}

// longPollMax bounds how long a getblocktemplate long poll waits for a new
// tip before it answers with a fresh template on the same one.
const longPollMax = 60 * time.Second

// TemplateRequest is BIP 22's template request object, getblocktemplate's
// parameter in place of an address.
type TemplateRequest struct {
	// Mode is "template" or empty; "proposal" (BIP 23) is not supported.
	Mode string `json:"mode,omitempty"`
	// Capabilities and Rules are accepted and ignored: Flint's template
	// is a whole block and has no soft forks to signal.
	Capabilities []string `json:"capabilities,omitempty"`
	Rules        []string `json:"rules,omitempty"`
	// LongPollID, when it is the longpollid of the current template,
	// makes the call wait until the tip changes (at most longPollMax).
	LongPollID string `json:"longpollid,omitempty"`
}

// templateRequest reads getblocktemplate's parameter: an address string,
// a BIP 22 request object or nothing, the latter two paying the node's
// --mining.address.
func (s *Server) templateRequest(a args) (payTo [32]byte, req TemplateRequest, perr *Error) {
	if a.given(0) {
		if _, err := a.str(0); err == nil {
			payTo, perr = a.address(s, 0)
			return payTo, req, perr
		}
		dec := json.NewDecoder(bytes.NewReader(a.v[0]))
		if err := dec.Decode(&req); err != nil {
			return payTo, req, a.typeError(0, "an address or a BIP 22 template request object")
		}
		if req.Mode != "" && req.Mode != "template" {
			return payTo, req, errorf(CodeInvalidParameter, "getblocktemplate mode %q is not supported (only \"template\")", req.Mode)
		}
	}
	var ok bool
	if s.cfg.MiningPayTo != nil {
		payTo, ok = s.cfg.MiningPayTo()
	}
	if !ok {
		return payTo, req, errorf(CodeInvalidParameter,
			"getblocktemplate needs a payout address: pass one as its parameter, or start the node with --mining.address")
	}
	return payTo, req, nil
}

// longPollID identifies the tip a template was built on.
func (s *Server) longPollID() string {
	return s.cfg.Chain.BestState().Hash.String()
}

// waitLongPoll returns once the tip is no longer the one id names, after
// longPollMax, or when ctx ends or the server shuts down.
func (s *Server) waitLongPoll(ctx context.Context, id string) error {
	c, _ := s.events.subscribe(nil)
	if c == nil {
		return nil
	}
	defer s.events.unsubscribe(c)
	timer := time.NewTimer(longPollMax)
	defer timer.Stop()
	for s.longPollID() == id {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		case <-s.events.done:
			return nil
		case _, ok := <-c.ch:
			if !ok {
				return nil
			}
		}
	}
	return nil
}

func getBlockTemplate(ctx context.Context, s *Server, a args) (any, error) {
	payTo, req, perr := s.templateRequest(a)
	if perr != nil {
		return nil, perr
	}
	if req.LongPollID != "" {
		if err := s.waitLongPoll(ctx, req.LongPollID); err != nil {
			return nil, err
		}
	}
	if s.cfg.BlockTemplate == nil {
		return nil, unavailable(CodeMisc, "block templates not available on this node")
	}
	b, err := s.cfg.BlockTemplate(payTo)
	if err != nil {
		return nil, err
	}
	if len(b.Txs) == 0 {
		return nil, errors.New("template without a coinbase")
	}
	// mintime follows the template's parent, which need not be the tip
	// by now: a block may have connected while the template was built.
	parent, err := s.cfg.Chain.HeaderByHash(b.Header.Prev)
	if err != nil {
		return nil, fmt.Errorf("template parent: %w", err)
	}
	t := BlockTemplate{
		Version:           b.Header.Version,
		PreviousBlockHash: b.Header.Prev,
		Height:            b.Txs[0].LockTime,
		Bits:              bitsHex(b.Header.Bits),
		Target:            s.targetHex(b.Header.Bits),
		CurTime:           b.Header.Time,
		MinTime:           parent.MedianTime + 1,
		Transactions:      make([]TemplateTx, 0, len(b.Txs)-1),
		Block:             b.Serialize(),
		LongPollID:        b.Header.Prev.String(),
	}
	for _, out := range b.Txs[0].Outputs {
		t.CoinbaseValue += chain.Amount(out.Value)
	}
	for _, tx := range b.Txs[1:] {
		t.Transactions = append(t.Transactions, TemplateTx{Data: tx.Serialize(), TxID: tx.TxID(), Hash: tx.WTxID()})
	}
	return t, nil
}

// Results of submitblock other than null (accepted onto the main chain),
// as BIP 22 names them. A block breaking a rule answers its ErrorKind and
// the reason, e.g. "ErrHighHash: ...".
const (
	SubmitDuplicate        = "duplicate"
	SubmitDuplicateInvalid = "duplicate-invalid"
	SubmitInconclusive     = "inconclusive"
)

func submitBlock(ctx context.Context, s *Server, a args) (any, error) {
	raw, perr := a.hexBytes(0)
	if perr != nil {
		return nil, perr
	}
	b, err := chain.DecodeBlock(raw, s.cfg.Params.MaxBlockSize)
	if err != nil {
		return nil, errorf(CodeDeserialization, "block decode failed: %v", err)
	}
	res, err := s.cfg.Chain.ProcessBlock(ctx, b)
	var rule chain.RuleError
	switch {
	case errors.Is(err, chain.ErrDuplicateBlock):
		return SubmitDuplicate, nil
	case errors.Is(err, chain.ErrKnownInvalid):
		return SubmitDuplicateInvalid, nil
	case errors.As(err, &rule):
		s.log.Info("submitted block rejected", "hash", b.BlockHash(), "err", err)
		return string(rule.Err) + ": " + rule.Description, nil
	case err != nil:
		return nil, err
	case res.Orphan || !res.MainChain:
		return SubmitInconclusive, nil
	}
	s.log.Info("submitted block accepted", "hash", res.Hash, "height", res.Height)
	return nil, nil
}

func generateToAddress(ctx context.Context, s *Server, a args) (any, error) {
	if s.cfg.Generate == nil {
		return nil, unavailable(CodeMisc, "generatetoaddress is available on regtest and in dev mode only")
	}
	n, perr := a.int(0, 0, 1, maxGenerate)
	if perr != nil {
		return nil, perr
	}
	payTo, perr := a.address(s, 1)
	if perr != nil {
		return nil, perr
	}
	if _, perr := a.int(2, 0, 0, 1<<62); perr != nil { // accepted for Bitcoin Core's signature, unused
		return nil, perr
	}
	hashes, err := s.cfg.Generate(ctx, int(n), payTo)
	if err != nil {
		if len(hashes) > 0 {
			s.log.Warn("generatetoaddress stopped early", "mined", len(hashes), "err", err)
		}
		return nil, err
	}
	if hashes == nil {
		hashes = []chain.Hash{}
	}
	return hashes, nil
}
