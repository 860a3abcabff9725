package rpc

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/flint-chain/flint/chain"
)

// maxTipAge is how old the tip may be before the node says it is in initial
// block download, as Bitcoin Core's default -maxtipage.
const maxTipAge = 24 * time.Hour

// chainMethods read and steer the block chain.
var chainMethods = []*method{
	{name: "getblockchaininfo", summary: "Describes the best chain: height, tip, difficulty, chain work.", fn: getBlockchainInfo},
	{name: "getbestblockhash", summary: "Returns the hash of the tip.", fn: getBestBlockHash},
	{name: "getblockcount", summary: "Returns the height of the tip.", fn: getBlockCount},
	{name: "getblockhash", params: []string{"height"}, required: 1, summary: "Returns the hash of the main-chain block at height.", fn: getBlockHash},
	{name: "getblock", params: []string{"blockhash", "verbosity"}, required: 1, summary: "Returns a block: 0 = hex, 1 = JSON with txids (default), 2 = JSON with transactions.", fn: getBlock},
	{name: "getblockheader", params: []string{"blockhash", "verbose"}, required: 1, summary: "Returns a header: JSON (default) or 80 bytes of hex with verbose false.", fn: getBlockHeader},
	{name: "getrawtransaction", params: []string{"txid", "verbose"}, required: 1, summary: "Returns a mempool or confirmed transaction: hex (default) or JSON with verbose true.", fn: getRawTransaction},
	{name: "listunspent", params: []string{"address", "minconf", "maxconf"}, required: 1, summary: "Lists the confirmed unspent outputs paying address.", fn: listUnspent},
	{name: "getbalance", params: []string{"address", "minconf"}, required: 1, summary: "Returns the sum of the confirmed unspent outputs paying address.", fn: getBalance},
	{name: "getchaintips", summary: "Lists every branch tip the node knows: the main chain's and each fork's, with its length and status.", fn: getChainTips},
	{name: "gettxoutsetinfo", summary: "Summarises the UTXO set: outputs, total amount, a hash of the set, at the tip.", fn: getTxOutSetInfo},
	{name: "invalidateblock", params: []string{"blockhash"}, required: 1, summary: "Marks a block and its descendants invalid and rewinds the chain below it.", fn: invalidateBlock},
	{name: "reconsiderblock", params: []string{"blockhash"}, required: 1, summary: "Undoes invalidateblock and selects the best chain again.", fn: reconsiderBlock},
}

func getBlockchainInfo(_ context.Context, s *Server, _ args) (any, error) {
	best := s.cfg.Chain.BestState()
	info := BlockchainInfo{
		Chain:                s.cfg.Params.Name,
		Blocks:               best.Height,
		Headers:              best.HeaderHeight,
		BestBlockHash:        best.Hash,
		Bits:                 bitsHex(best.Header.Bits),
		NextBits:             bitsHex(best.NextBits),
		Difficulty:           s.difficulty(best.Header.Bits),
		Time:                 int64(best.Header.Time),
		MedianTime:           best.MedianTime,
		ChainWork:            workHex(best.WorkSum),
		InitialBlockDownload: time.Since(best.Header.Timestamp()) > maxTipAge,
		VerificationProgress: 1,
		Warnings:             "",
	}
	if s.cfg.SyncState != nil {
		st := s.cfg.SyncState()
		info.InitialBlockDownload, info.VerificationProgress = st.InitialBlockDownload, st.VerificationProgress
	}
	return info, nil
}

func getBestBlockHash(_ context.Context, s *Server, _ args) (any, error) {
	return s.cfg.Chain.BestState().Hash, nil
}

func getBlockCount(_ context.Context, s *Server, _ args) (any, error) {
	return s.cfg.Chain.BestState().Height, nil
}

func getBlockHash(_ context.Context, s *Server, a args) (any, error) {
	height, err := a.int(0, 0, 0, math.MaxUint32)
	if err != nil {
		return nil, err
	}
	h, e := s.cfg.Chain.BlockHashByHeight(uint32(height))
	if e != nil {
		tip := s.cfg.Chain.BestState().Height
		if uint32(height) > tip {
			return nil, errorf(CodeInvalidParameter, "block height %d out of range: the tip is at %d", height, tip)
		}
		return nil, e
	}
	return h, nil
}

func getBlock(_ context.Context, s *Server, a args) (any, error) {
	h, perr := a.hash(0)
	if perr != nil {
		return nil, perr
	}
	verbosity := int64(1)
	if a.given(1) {
		// Bitcoin Core also takes a bool: false = 0, true = 1.
		if v, err := a.boolean(1, true); err == nil {
			verbosity = map[bool]int64{false: 0, true: 1}[v]
		} else if verbosity, perr = a.int(1, 1, 0, 2); perr != nil {
			return nil, perr
		}
	}
	b, err := s.cfg.Chain.BlockByHash(h)
	if err != nil {
		return nil, notFound(err, "block "+h.String())
	}
	if verbosity == 0 {
		return HexBytes(b.Serialize()), nil
	}
	hdr, err := s.headerResult(h)
	if err != nil {
		return nil, err
	}
	if verbosity == 1 {
		r := BlockResult{BlockHeaderResult: hdr, Size: b.SerializeSize(), NTx: len(b.Txs), Tx: make([]chain.Hash, len(b.Txs))}
		for i, tx := range b.Txs {
			r.Tx[i] = tx.TxID()
		}
		return r, nil
	}
	r := BlockVerboseResult{BlockHeaderResult: hdr, Size: b.SerializeSize(), NTx: len(b.Txs), Tx: make([]TxResult, len(b.Txs))}
	for i, tx := range b.Txs {
		r.Tx[i] = s.txResult(tx)
	}
	return r, nil
}

func getBlockHeader(_ context.Context, s *Server, a args) (any, error) {
	h, perr := a.hash(0)
	if perr != nil {
		return nil, perr
	}
	verbose, perr := a.boolean(1, true)
	if perr != nil {
		return nil, perr
	}
	if !verbose {
		info, err := s.cfg.Chain.HeaderByHash(h)
		if err != nil {
			return nil, notFound(err, "block "+h.String())
		}
		raw := info.Header.Serialize()
		return HexBytes(raw[:]), nil
	}
	return s.headerResult(h)
}

func getRawTransaction(_ context.Context, s *Server, a args) (any, error) {
	txid, perr := a.hash(0)
	if perr != nil {
		return nil, perr
	}
	verbose, perr := a.boolean(1, false)
	if perr != nil {
		return nil, perr
	}
	if s.cfg.MempoolTx != nil {
		if tx, ok := s.cfg.MempoolTx(txid); ok {
			if !verbose {
				return HexBytes(tx.Serialize()), nil
			}
			r := s.txResult(tx)
			r.InMempool = true
			return r, nil
		}
	}
	tx, loc, err := s.cfg.Chain.TxByID(txid)
	if err != nil {
		return nil, notFound(err, "transaction "+txid.String()+" in the mempool or the chain")
	}
	if !verbose {
		return HexBytes(tx.Serialize()), nil
	}
	r := s.txResult(tx)
	r.BlockHash = &loc.Block
	r.Height = loc.Height
	best := s.cfg.Chain.BestState()
	r.Confirmations = int64(best.Height) - int64(loc.Height) + 1
	if info, err := s.cfg.Chain.HeaderByHash(loc.Block); err == nil {
		r.BlockTime = int64(info.Header.Time)
	}
	return r, nil
}

func listUnspent(_ context.Context, s *Server, a args) (any, error) {
	key, perr := a.address(s, 0)
	if perr != nil {
		return nil, perr
	}
	minConf, perr := a.int(1, 1, 0, math.MaxUint32)
	if perr != nil {
		return nil, perr
	}
	maxConf, perr := a.int(2, math.MaxUint32, 0, math.MaxUint32)
	if perr != nil {
		return nil, perr
	}
	return s.unspent(key, minConf, maxConf)
}

func getBalance(_ context.Context, s *Server, a args) (any, error) {
	key, perr := a.address(s, 0)
	if perr != nil {
		return nil, perr
	}
	minConf, perr := a.int(1, 1, 0, math.MaxUint32)
	if perr != nil {
		return nil, perr
	}
	utxos, err := s.unspent(key, minConf, math.MaxUint32)
	if err != nil {
		return nil, err
	}
	var total chain.Amount
	for _, u := range utxos {
		total += u.Amount
	}
	return total, nil
}

// unspent lists the outputs paying key with confirmations in [minConf,
// maxConf], leaving out those a mempool transaction spends.
func (s *Server) unspent(key [32]byte, minConf, maxConf int64) ([]Unspent, error) {
	utxos, err := s.cfg.Chain.UtxosByPubKey(key)
	if err != nil {
		return nil, err
	}
	best := s.cfg.Chain.BestState()
	addr := chain.EncodeAddress(s.cfg.Params, key)
	out := []Unspent{}
	times := make(map[uint32]int64) // block time by height, looked up once
	for _, u := range utxos {
		conf := int64(best.Height) - int64(u.Entry.Height) + 1
		if conf < minConf || conf > maxConf {
			continue
		}
		if s.cfg.MempoolSpends != nil && s.cfg.MempoolSpends(u.OutPoint) {
			continue
		}
		out = append(out, Unspent{
			TxID:          u.OutPoint.TxID,
			Vout:          u.OutPoint.Index,
			Address:       addr,
			PubKey:        key[:],
			Amount:        chain.Amount(u.Entry.Output.Value),
			Confirmations: uint32(conf),
			Height:        u.Entry.Height,
			BlockTime:     s.blockTime(times, u.Entry.Height),
			Coinbase:      u.Entry.IsCoinbase,
			// Spendable in the next block, at height best+1.
			Spendable: !u.Entry.IsCoinbase || best.Height+1 >= u.Entry.Height+s.cfg.Params.CoinbaseMaturity,
		})
	}
	// Oldest first, as a wallet spends them.
	slices.SortFunc(out, func(x, y Unspent) int {
		if x.Height != y.Height {
			return cmp.Compare(x.Height, y.Height)
		}
		if c := compareHashes(x.TxID, y.TxID); c != 0 {
			return c
		}
		return cmp.Compare(x.Vout, y.Vout)
	})
	return out, nil
}

// blockTime returns the header time of the main-chain block at height,
// through the cache times; zero if a reorganisation took the height away
// meanwhile.
func (s *Server) blockTime(times map[uint32]int64, height uint32) int64 {
	if t, ok := times[height]; ok {
		return t
	}
	var t int64
	if h, err := s.cfg.Chain.BlockHashByHeight(height); err == nil {
		if info, err := s.cfg.Chain.HeaderByHash(h); err == nil {
			t = int64(info.Header.Time)
		}
	}
	times[height] = t
	return t
}

func invalidateBlock(ctx context.Context, s *Server, a args) (any, error) {
	h, perr := a.hash(0)
	if perr != nil {
		return nil, perr
	}
	if h == s.cfg.Params.GenesisHash {
		return nil, errorf(CodeInvalidParameter, "the genesis block cannot be invalidated")
	}
	if err := s.cfg.Chain.InvalidateBlock(ctx, h); err != nil {
		return nil, notFound(err, "block "+h.String())
	}
	s.log.Info("block invalidated by RPC", "hash", h)
	return nil, nil
}

func reconsiderBlock(ctx context.Context, s *Server, a args) (any, error) {
	h, perr := a.hash(0)
	if perr != nil {
		return nil, perr
	}
	if err := s.cfg.Chain.ReconsiderBlock(ctx, h); err != nil {
		return nil, notFound(err, "block "+h.String())
	}
	s.log.Info("block reconsidered by RPC", "hash", h)
	return nil, nil
}

// headerResult describes the indexed header h.
func (s *Server) headerResult(h chain.Hash) (BlockHeaderResult, error) {
	info, err := s.cfg.Chain.HeaderByHash(h)
	if err != nil {
		return BlockHeaderResult{}, notFound(err, "block "+h.String())
	}
	hdr := info.Header
	r := BlockHeaderResult{
		Hash:          h,
		Confirmations: -1,
		Height:        info.Height,
		Version:       hdr.Version,
		VersionHex:    fmt.Sprintf("%08x", hdr.Version),
		MerkleRoot:    hdr.MerkleRoot,
		Time:          hdr.Time,
		MedianTime:    info.MedianTime,
		Nonce:         hdr.Nonce,
		Bits:          bitsHex(hdr.Bits),
		Target:        s.targetHex(hdr.Bits),
		Difficulty:    s.difficulty(hdr.Bits),
		ChainWork:     workHex(info.WorkSum),
	}
	if !hdr.Prev.IsZero() {
		prev := hdr.Prev
		r.PreviousBlockHash = &prev
	}
	if info.MainChain {
		best := s.cfg.Chain.BestState()
		r.Confirmations = int64(best.Height) - int64(info.Height) + 1
		if next, err := s.cfg.Chain.BlockHashByHeight(info.Height + 1); err == nil {
			r.NextBlockHash = &next
		}
	}
	return r, nil
}

// txResult decodes tx into its JSON form, without block fields.
func (s *Server) txResult(tx *chain.Tx) TxResult {
	r := TxResult{
		TxID:     tx.TxID(),
		Hash:     tx.WTxID(),
		Version:  tx.Version,
		Size:     tx.SerializeSize(),
		LockTime: tx.LockTime,
		Vin:      make([]TxInResult, len(tx.Inputs)),
		Vout:     make([]TxOutResult, len(tx.Outputs)),
		Hex:      tx.Serialize(),
	}
	coinbase := tx.IsCoinbase()
	for i, in := range tx.Inputs {
		if coinbase {
			w := HexBytes(append([]byte{}, in.Witness...))
			r.Vin[i] = TxInResult{Coinbase: &w}
			continue
		}
		prev, idx := in.Prev.TxID, in.Prev.Index
		r.Vin[i] = TxInResult{TxID: &prev, Vout: &idx, Witness: in.Witness}
	}
	for i, out := range tx.Outputs {
		r.Vout[i] = TxOutResult{
			Value:   chain.Amount(out.Value),
			N:       uint32(i),
			PubKey:  append([]byte{}, out.PubKey[:]...),
			Address: chain.EncodeAddress(s.cfg.Params, out.PubKey),
		}
	}
	return r
}

// difficulty is how many times harder than the network's easiest target
// bits are: target(PowLimitBits) / target(bits), 1 on regtest.
func (s *Server) difficulty(bits uint32) float64 {
	target, err := chain.CompactToTarget(bits, s.cfg.Params.PowLimit)
	if err != nil || target.Sign() == 0 {
		return 0
	}
	easiest, err := chain.CompactToTarget(s.cfg.Params.PowLimitBits, s.cfg.Params.PowLimit)
	if err != nil {
		return 0
	}
	d, _ := new(big.Rat).SetFrac(easiest, target).Float64()
	return d
}

// targetHex returns the target of bits as 64 hex digits, big-endian.
func (s *Server) targetHex(bits uint32) string {
	target, err := chain.CompactToTarget(bits, s.cfg.Params.PowLimit)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%064x", target)
}

// bitsHex prints compact bits as Bitcoin Core does: eight hex digits.
func bitsHex(bits uint32) string { return fmt.Sprintf("%08x", bits) }

// workHex prints cumulative work as 64 hex digits.
func workHex(w *big.Int) string {
	if w == nil {
		return fmt.Sprintf("%064x", 0)
	}
	return fmt.Sprintf("%064x", w)
}

func getTxOutSetInfo(_ context.Context, s *Server, _ args) (any, error) {
	info, err := s.cfg.Chain.UtxoSetInfo()
	if err != nil {
		return nil, err
	}
	return TxOutSetInfo{
		Height:         info.Height,
		BestBlock:      info.BestHash,
		Transactions:   info.Transactions,
		TxOuts:         info.Outputs,
		HashSerialized: info.SetHash,
		TotalAmount:    chain.Amount(info.Total),
	}, nil
}
