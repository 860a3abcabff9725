package rpc

import (
	"context"
	"time"

	"github.com/flint-chain/flint/chain"
)

// This file holds the JSON shapes of results, shared by the server that
// writes them and the Client that reads them, and the types the node hands
// the server through Config. docs/rpc.md shows each one.

// BlockchainInfo is the result of getblockchaininfo.
type BlockchainInfo struct {
	Chain                string     `json:"chain"`
	Blocks               uint32     `json:"blocks"`
	Headers              uint32     `json:"headers"`
	BestBlockHash        chain.Hash `json:"bestblockhash"`
	Bits                 string     `json:"bits"`
	NextBits             string     `json:"nextbits"`
	Difficulty           float64    `json:"difficulty"`
	Time                 int64      `json:"time"`
	MedianTime           int64      `json:"mediantime"`
	ChainWork            string     `json:"chainwork"`
	InitialBlockDownload bool       `json:"initialblockdownload"`
	VerificationProgress float64    `json:"verificationprogress"`
	Warnings             string     `json:"warnings"`
}

// TxOutSetInfo is the result of gettxoutsetinfo, in Bitcoin Core's shape.
type TxOutSetInfo struct {
	Height       uint32     `json:"height"`
	BestBlock    chain.Hash `json:"bestblock"`
	Transactions uint64     `json:"transactions"`
	TxOuts       uint64     `json:"txouts"`
	// HashSerialized is SHA-256d of the serialized set (chain.UtxoSetInfo
	// says how): equal on two nodes exactly when their sets are.
	HashSerialized chain.Hash   `json:"hash_serialized"`
	TotalAmount    chain.Amount `json:"total_amount"`
}

// BlockHeaderResult is the result of getblockheader with verbose true and
// the header part of getblock's JSON forms.
type BlockHeaderResult struct {
	Hash chain.Hash `json:"hash"`
	// Confirmations is tip height - height + 1 on the main chain, -1 off it.
	Confirmations     int64       `json:"confirmations"`
	Height            uint32      `json:"height"`
	Version           uint32      `json:"version"`
	VersionHex        string      `json:"versionHex"`
	MerkleRoot        chain.Hash  `json:"merkleroot"`
	Time              uint32      `json:"time"`
	MedianTime        int64       `json:"mediantime"`
	Nonce             uint32      `json:"nonce"`
	Bits              string      `json:"bits"`
	Target            string      `json:"target"`
	Difficulty        float64     `json:"difficulty"`
	ChainWork         string      `json:"chainwork"`
	PreviousBlockHash *chain.Hash `json:"previousblockhash,omitempty"`
	NextBlockHash     *chain.Hash `json:"nextblockhash,omitempty"`
}

// BlockResult is the result of getblock with verbosity 1: the header and
// the txids.
type BlockResult struct {
	BlockHeaderResult
	Size int          `json:"size"`
	NTx  int          `json:"nTx"`
	Tx   []chain.Hash `json:"tx"`
}

// BlockVerboseResult is the result of getblock with verbosity 2: the header
// and every transaction decoded.
type BlockVerboseResult struct {
	BlockHeaderResult
	Size int        `json:"size"`
	NTx  int        `json:"nTx"`
	Tx   []TxResult `json:"tx"`
}

// TxResult is a decoded transaction (getrawtransaction verbose, getblock
// verbosity 2).
type TxResult struct {
	TxID     chain.Hash    `json:"txid"`
	Hash     chain.Hash    `json:"hash"` // the wtxid
	Version  uint32        `json:"version"`
	Size     int           `json:"size"`
	LockTime uint32        `json:"locktime"`
	Vin      []TxInResult  `json:"vin"`
	Vout     []TxOutResult `json:"vout"`
	Hex      HexBytes      `json:"hex"`
	// The block fields are set for a confirmed transaction only.
	BlockHash     *chain.Hash `json:"blockhash,omitempty"`
	Height        uint32      `json:"height,omitempty"`
	Confirmations int64       `json:"confirmations,omitempty"`
	BlockTime     int64       `json:"blocktime,omitempty"`
	// InMempool is set for an unconfirmed transaction.
	InMempool bool `json:"inmempool,omitempty"`
}

// TxInResult is one input of a TxResult: Coinbase for a coinbase (its
// witness), otherwise the spent outpoint and the signature.
type TxInResult struct {
	Coinbase *HexBytes   `json:"coinbase,omitempty"`
	TxID     *chain.Hash `json:"txid,omitempty"`
	Vout     *uint32     `json:"vout,omitempty"`
	Witness  HexBytes    `json:"witness,omitempty"`
}

// TxOutResult is one output of a TxResult.
type TxOutResult struct {
	Value   chain.Amount `json:"value"`
	N       uint32       `json:"n"`
	PubKey  HexBytes     `json:"pubkey"`
	Address string       `json:"address"`
}

// MempoolInfo is the result of getmempoolinfo; the node fills it.
type MempoolInfo struct {
	// Size is the number of transactions.
	Size int `json:"size"`
	// Bytes is the sum of their serialized sizes.
	Bytes int64 `json:"bytes"`
	// Usage is the memory the pool takes, as well as the node can tell.
	Usage int64 `json:"usage"`
	// TotalFee is the sum of their fees.
	TotalFee chain.Amount `json:"total_fee"`
	// MaxMempool is the pool's byte limit.
	MaxMempool int64 `json:"maxmempool"`
	// MinFeeRate is the lowest fee rate accepted now, in units per byte.
	MinFeeRate uint64 `json:"minfeerate"`
}

// MempoolEntry is one mempool transaction as the node reports it.
type MempoolEntry struct {
	Tx     *chain.Tx
	Fee    uint64    // base units
	Time   time.Time // when it entered the pool
	Height uint32    // tip height when it entered
}

// MempoolEntryResult is one value of getrawmempool's verbose map.
type MempoolEntryResult struct {
	Size   int          `json:"size"`
	Fee    chain.Amount `json:"fee"`
	Time   int64        `json:"time"`
	Height uint32       `json:"height"`
	WTxID  chain.Hash   `json:"wtxid"`
}

// FeeEstimate is the result of estimatefee.
type FeeEstimate struct {
	// UnitsPerByte is the fee rate in base units per serialized byte.
	UnitsPerByte uint64 `json:"unitsperbyte"`
	// FeeRate is the same rate in FLT per 1000 bytes (Bitcoin Core's unit).
	FeeRate chain.Amount `json:"feerate"`
	// Blocks is the confirmation target the estimate is for.
	Blocks int `json:"blocks"`
}

// SmartFeeEstimate is the result of estimatesmartfee, in Bitcoin Core's
// shape.
type SmartFeeEstimate struct {
	// FeeRate is in FLT per 1000 bytes.
	FeeRate chain.Amount `json:"feerate"`
	Blocks  int          `json:"blocks"`
}

// NetworkInfo is the result of getnetworkinfo; the node fills its p2p
// side (the server sets Version and Subversion from internal/version, and
// Network).
type NetworkInfo struct {
	Version         int      `json:"version"`
	Subversion      string   `json:"subversion"`
	ProtocolVersion int      `json:"protocolversion"`
	Network         string   `json:"network"`
	NetworkActive   bool     `json:"networkactive"`
	Connections     int      `json:"connections"`
	ConnectionsIn   int      `json:"connections_in"`
	ConnectionsOut  int      `json:"connections_out"`
	LocalAddresses  []string `json:"localaddresses"`
	// PeerID is the node's libp2p peer ID ("" when it runs alone).
	PeerID   string `json:"peerid"`
	Warnings string `json:"warnings"`
}

// PeerInfo is one entry of getpeerinfo.
type PeerInfo struct {
	ID         string     `json:"id"`
	Addr       string     `json:"addr"`
	Addrs      []string   `json:"addrs"`
	Inbound    bool       `json:"inbound"`
	BestHeight uint32     `json:"bestheight"`
	BestHash   chain.Hash `json:"besthash"`
	// PingTime is in seconds, as Bitcoin Core's pingtime.
	PingTime  float64 `json:"pingtime"`
	BytesSent int64   `json:"bytessent"`
	BytesRecv int64   `json:"bytesrecv"`
	BanScore  int     `json:"banscore"`
	// ConnTime is the Unix time the connection opened.
	ConnTime int64 `json:"conntime"`
	Syncing  bool  `json:"syncing"`
}

// BannedEntry is one entry of listbanned.
type BannedEntry struct {
	// Address is a peer ID or an IP address.
	Address     string `json:"address"`
	BannedUntil int64  `json:"banned_until"`
	Reason      string `json:"ban_reason"`
}

// SyncState is what the p2p layer knows of the node's sync, for
// getblockchaininfo.
type SyncState struct {
	InitialBlockDownload bool
	// VerificationProgress is in [0, 1].
	VerificationProgress float64
}

// Network is the node's p2p layer as the RPC server uses it; every method
// may be called concurrently.
type Network interface {
	Peers() []PeerInfo
	// AddNode adds (cmd "add"), removes ("remove") or dials once
	// ("onetry") a peer by its full multiaddr.
	AddNode(ctx context.Context, addr, cmd string) error
	Disconnect(id string) error
	// SetBan bans (cmd "add") a peer ID or IP for the given time, or lifts
	// ("remove") its ban.
	SetBan(target, cmd string, d time.Duration) error
	ListBanned() []BannedEntry
	ClearBanned()
}

// MinerStatus is what the node's miner reports for getmininginfo.
type MinerStatus struct {
	// Mining is set while the local miner runs.
	Mining bool
	// Threads is the number of mining threads.
	Threads int
	// HashRate is the local miner's hashes per second.
	HashRate float64
}

// MiningInfo is the result of getmininginfo.
type MiningInfo struct {
	Blocks     uint32  `json:"blocks"`
	Bits       string  `json:"bits"`
	Difficulty float64 `json:"difficulty"`
	// NetworkHashPS is estimated from the work and time of the last
	// blocks (up to 120).
	NetworkHashPS float64 `json:"networkhashps"`
	// HashesPerSec is the local miner's rate; 0 when it does not run.
	HashesPerSec float64 `json:"hashespersec"`
	Mining       bool    `json:"mining"`
	Threads      int     `json:"threads"`
	PooledTx     int     `json:"pooledtx"`
	Chain        string  `json:"chain"`
	Warnings     string  `json:"warnings"`
}

// BlockTemplate is the result of getblocktemplate: a complete block paying
// the requested address, ready for a nonce search. An external miner
// decodes Block, varies the header nonce (and, when the nonce space runs
// out, the coinbase witness and merkle root) and calls submitblock.
type BlockTemplate struct {
	Version           uint32       `json:"version"`
	PreviousBlockHash chain.Hash   `json:"previousblockhash"`
	Height            uint32       `json:"height"`
	Bits              string       `json:"bits"`
	Target            string       `json:"target"`
	CurTime           uint32       `json:"curtime"`
	MinTime           int64        `json:"mintime"`
	CoinbaseValue     chain.Amount `json:"coinbasevalue"`
	Transactions      []TemplateTx `json:"transactions"`
	Block             HexBytes     `json:"block"`
	// LongPollID names the tip the template builds on; passing it back in
	// a template request waits for the next tip.
	LongPollID string `json:"longpollid"`
}

// DecodeBlock decodes the template's block.
func (t *BlockTemplate) DecodeBlock() (*chain.Block, error) {
	return chain.DecodeBlock(t.Block, len(t.Block))
}

// TemplateTx is a non-coinbase transaction of a BlockTemplate.
type TemplateTx struct {
	Data HexBytes   `json:"data"`
	TxID chain.Hash `json:"txid"`
	Hash chain.Hash `json:"hash"`
}

// Unspent is one element of listunspent.
type Unspent struct {
	TxID          chain.Hash   `json:"txid"`
	Vout          uint32       `json:"vout"`
	Address       string       `json:"address"`
	PubKey        HexBytes     `json:"pubkey"`
	Amount        chain.Amount `json:"amount"`
	Confirmations uint32       `json:"confirmations"`
	Height        uint32       `json:"height"`
	// BlockTime is the time in the header of the block at Height, in
	// unix seconds (Bitcoin Core's field name).
	BlockTime int64 `json:"blocktime"`
	Coinbase  bool  `json:"coinbase"`
	// Spendable is false for a coinbase output that has not matured: a
	// transaction spending it would not enter the next block.
	Spendable bool `json:"spendable"`
}

// AddressInfo is the result of validateaddress.
type AddressInfo struct {
	IsValid        bool     `json:"isvalid"`
	Address        string   `json:"address,omitempty"`
	PubKey         HexBytes `json:"pubkey,omitempty"`
	IsWitness      bool     `json:"iswitness,omitempty"`
	WitnessVersion int      `json:"witness_version,omitempty"`
	Error          string   `json:"error,omitempty"`
}
