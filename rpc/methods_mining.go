package rpc

import (
	"context"
	"errors"
	"math/big"

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
	{name: "getblocktemplate", params: []string{"address"}, required: 1, summary: "Returns a block on the tip paying address, for an external miner to solve.", fn: getBlockTemplate},
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

func getBlockTemplate(_ context.Context, s *Server, a args) (any, error) {
	payTo, perr := a.address(s, 0)
	if perr != nil {
		return nil, perr
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
	best := s.cfg.Chain.BestState()
	t := BlockTemplate{
		Version:           b.Header.Version,
		PreviousBlockHash: b.Header.Prev,
		Height:            b.Txs[0].LockTime,
		Bits:              bitsHex(b.Header.Bits),
		Target:            s.targetHex(b.Header.Bits),
		CurTime:           b.Header.Time,
		MinTime:           best.MedianTime + 1,
		Transactions:      make([]TemplateTx, 0, len(b.Txs)-1),
		Block:             b.Serialize(),
	}
	for _, out := range b.Txs[0].Outputs {
		t.CoinbaseValue += Amount(out.Value)
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
