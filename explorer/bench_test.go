package explorer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/chain"
)

// Benchmark chain shape: 10,000 blocks; after the first 100 (coinbase
// maturity) each carries 10 payments, so the chain holds 109,000
// transactions, paying 1,000 addresses.
const (
	benchBlocks   = 10_000
	benchChains   = 10
	benchPayees   = 1_000
	benchPayValue = 10_000
)

// benchChain builds the benchmark chain on badger in dir's fixture. Each of
// benchChains spend chains starts at a mature coinbase and pays, one
// transaction a block, a payee and its change onward.
func benchChain(b *testing.B) (f *fixture, sample []*chain.Tx, payees [][32]byte, miner [32]byte) {
	f = newFixture(b, chain.RegTestParams())
	payees = make([][32]byte, benchPayees)
	for i := range payees {
		var seed [32]byte
		copy(seed[:], "flint explorer bench payee      ")
		seed[30], seed[31] = byte(i>>8), byte(i)
		priv, _ := btcec.PrivKeyFromBytes(seed[:])
		copy(payees[i][:], schnorr.SerializePubKey(priv.PubKey()))
	}
	type link struct {
		op  chain.OutPoint
		out chain.TxOut
	}
	// The spend chains' change returns to the fixture's key, which so has
	// ~99,000 spent outputs behind its 10 unspent ones; the coinbases after
	// the first benchChains pay a miner key, which keeps them all.
	change := f.key
	{
		priv, _ := btcec.PrivKeyFromBytes([]byte("flint explorer bench miner key  "))
		copy(miner[:], schnorr.SerializePubKey(priv.PubKey()))
	}
	heads := make([]link, benchChains)
	parent := f.params.GenesisHash
	clock := f.params.GenesisBlock.Header.Time
	for height := uint32(1); height <= benchBlocks; height++ {
		clock++
		cb := &chain.Tx{Version: 1, Inputs: []chain.TxIn{{Prev: chain.NullOutPoint, Witness: []byte("bench")}},
			Outputs: []chain.TxOut{{Value: f.params.CalcBlockSubsidy(height), PubKey: miner}}, LockTime: height}
		if height <= benchChains {
			cb.Outputs[0].PubKey = f.key
		}
		txs := []*chain.Tx{cb}
		var fees uint64
		if height > f.params.CoinbaseMaturity+benchChains {
			for j := range heads {
				h := heads[j]
				fee := uint64(200 + j*37)
				tx := f.spend([]chain.TxOut{h.out}, []chain.OutPoint{h.op}, []chain.TxOut{
					{Value: benchPayValue, PubKey: payees[(int(height)*benchChains+j)%benchPayees]},
					{Value: h.out.Value - benchPayValue - fee, PubKey: change}})
				fees += fee
				txs = append(txs, tx)
				heads[j] = link{chain.OutPoint{TxID: tx.TxID(), Index: 1}, tx.Outputs[1]}
				if height%1000 == 0 {
					sample = append(sample, tx)
				}
			}
		}
		cb.Outputs[0].Value += fees
		blk := &chain.Block{Header: chain.Header{Version: 1, Prev: parent, Time: clock, Bits: f.params.PowLimitBits}, Txs: txs}
		blk.Header.MerkleRoot = chain.BlockMerkleRoot(txs)
		for chain.CheckProofOfWork(blk.BlockHash(), blk.Header.Bits, f.params.PowLimit) != nil {
			blk.Header.Nonce++
		}
		if _, err := f.chain.ProcessBlock(context.Background(), blk); err != nil {
			b.Fatalf("block %d: %v", height, err)
		}
		parent = blk.BlockHash()
		// The first benchChains mature coinbases start the spend chains.
		if height <= benchChains {
			heads[height-1] = link{chain.OutPoint{TxID: cb.TxID()}, cb.Outputs[0]}
		}
	}
	f.clock = time.Unix(int64(clock), 0)
	// A few payments wait in the mempool.
	for j := range heads {
		h := heads[j]
		f.accept(f.spend([]chain.TxOut{h.out}, []chain.OutPoint{h.op}, []chain.TxOut{
			{Value: benchPayValue, PubKey: payees[j]}, {Value: h.out.Value - benchPayValue - uint64(500*(j+1)), PubKey: f.key}}))
	}
	return f, sample, payees, miner
}

// BenchmarkPages times every page on a chain of 10,000 blocks and 109,000
// transactions (figures in docs/perf.md):
//
//	go test -run XXX -bench Pages -benchtime 200x ./explorer
func BenchmarkPages(b *testing.B) {
	f, sample, payees, miner := benchChain(b)
	if n := f.chain.BestState().Height; n != benchBlocks {
		b.Fatalf("chain at %d", n)
	}
	h := f.ex.Handler()
	mid := f.chain.BestState().Height / 2
	midHash, _ := f.chain.BlockHashByHeight(mid)
	tx := sample[len(sample)/2]
	pages := []struct{ name, path string }{
		{"overview", "/"},
		{"overview-live", "/live/overview"},
		{"block-tip", "/block/" + strconv.Itoa(benchBlocks)},
		{"block-by-hash", "/block/" + midHash.String()},
		{"tx", "/tx/" + tx.TxID().String()},
		{"address-100-utxos", "/address/" + chain.EncodeAddress(f.params, payees[7])},
		{"address-9990-utxos", "/address/" + chain.EncodeAddress(f.params, miner)},
		{"address-99000-spent", "/address/" + chain.EncodeAddress(f.params, f.key)},
		{"mempool", "/mempool"},
		{"next", "/next"},
		{"tips", "/tips"},
		{"reorgs", "/reorgs"},
		{"network", "/network"},
		{"search", "/search?q=" + tx.TxID().String()},
		{"not-found", "/block/" + chain.Hash{1}.String()},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.path, nil))
				if rec.Code >= 500 {
					b.Fatalf("%s: %d", p.path, rec.Code)
				}
			}
		})
	}
}
