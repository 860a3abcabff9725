package chain

import (
	"fmt"
	"math/big"
	"time"
)

// Monetary constants (SPEC §3, §6 rule 9).
const (
	// UnitsPerFLT is the number of base units in one FLT.
	UnitsPerFLT = 100_000_000
	// MaxMoney is the most base units that can ever exist; no output and no
	// sum of a transaction's outputs may exceed it.
	MaxMoney = 21_000_000 * UnitsPerFLT
	// BaseSubsidy is the block subsidy before the first halving.
	BaseSubsidy = 50 * UnitsPerFLT
	// MedianTimeBlocks is how many previous blocks the median time past
	// is taken over.
	MedianTimeBlocks = 11
	// LockTimeThreshold separates height locktimes (below) from Unix times.
	LockTimeThreshold = 500_000_000
)

// Params are the consensus and default network parameters of one Flint
// network (SPEC §9). Build them with MainNetParams, TestNetParams or
// RegTestParams; each call returns a fresh value, so no one shares a
// mutable global.
type Params struct {
	// Name is the network's short name: "main", "test" or "regtest".
	Name string
	// GenesisBlock is the network's first block; its outputs are not
	// spendable.
	GenesisBlock *Block
	// GenesisHash is the hash of GenesisBlock, a constant checked by tests.
	GenesisHash Hash
	// PowLimit is the highest (easiest) target a block may have.
	PowLimit *big.Int
	// PowLimitBits is PowLimit in compact form; the genesis block uses it.
	PowLimitBits uint32
	// NoRetarget, when set, makes every block carry PowLimitBits instead of
	// the ASERT value (regtest).
	NoRetarget bool
	// TargetSpacing is the ideal time between blocks, for ASERT.
	TargetSpacing time.Duration
	// ASERTHalfLife is the time ahead of or behind schedule that doubles or
	// halves the target.
	ASERTHalfLife time.Duration
	// CoinbaseMaturity is how many blocks a coinbase output must wait: an
	// output created at height c is spendable from height c+CoinbaseMaturity.
	CoinbaseMaturity uint32
	// SubsidyHalvingInterval is the number of blocks between halvings.
	SubsidyHalvingInterval uint32
	// MaxFutureBlockTime is how far ahead of the local clock a block's
	// time may be.
	MaxFutureBlockTime time.Duration
	// MaxBlockSize is the largest serialized block, in bytes.
	MaxBlockSize int
	// AddressHRP is the bech32m human-readable prefix of addresses.
	AddressHRP string
	// DefaultP2PPort and DefaultRPCPort are the ports a node listens on
	// unless told otherwise.
	DefaultP2PPort, DefaultRPCPort uint16
}

// MainNetParams returns the parameters of Flint's main network.
func MainNetParams() *Params {
	return newParams(Params{
		Name:                   "main",
		PowLimit:               powLimitBelow(224),
		TargetSpacing:          60 * time.Second,
		ASERTHalfLife:          2 * time.Hour,
		CoinbaseMaturity:       100,
		SubsidyHalvingInterval: 210_000,
		MaxFutureBlockTime:     2 * time.Hour,
		MaxBlockSize:           1_000_000,
		AddressHRP:             "flt",
		DefaultP2PPort:         8330,
		DefaultRPCPort:         8331,
	}, mainGenesisNonce, mainGenesisHash)
}

// TestNetParams returns the parameters of Flint's public test network.
func TestNetParams() *Params {
	return newParams(Params{
		Name:                   "test",
		PowLimit:               powLimitBelow(240),
		TargetSpacing:          10 * time.Second,
		ASERTHalfLife:          10 * time.Minute,
		CoinbaseMaturity:       20,
		SubsidyHalvingInterval: 210_000,
		MaxFutureBlockTime:     10 * time.Minute,
		MaxBlockSize:           1_000_000,
		AddressHRP:             "tflt",
		DefaultP2PPort:         18330,
		DefaultRPCPort:         18331,
	}, testGenesisNonce, testGenesisHash)
}

// RegTestParams returns the parameters of the regression-test network: the
// easiest target, no retargeting, fast halvings.
func RegTestParams() *Params {
	return newParams(Params{
		Name:                   "regtest",
		PowLimit:               powLimitBelow(255),
		NoRetarget:             true,
		CoinbaseMaturity:       100,
		SubsidyHalvingInterval: 150,
		MaxFutureBlockTime:     2 * time.Hour,
		MaxBlockSize:           1_000_000,
		AddressHRP:             "rflt",
		DefaultP2PPort:         28330,
		DefaultRPCPort:         28331,
	}, regGenesisNonce, regGenesisHash)
}

// ParamsByName returns the parameters of the named network ("main", "test"
// or "regtest").
func ParamsByName(name string) (*Params, error) {
	switch name {
	case "main", "mainnet":
		return MainNetParams(), nil
	case "test", "testnet":
		return TestNetParams(), nil
	case "regtest":
		return RegTestParams(), nil
	}
	return nil, fmt.Errorf("unknown network %q (want main, test or regtest)", name)
}

// newParams fills in the derived fields and the genesis block.
func newParams(p Params, genesisNonce uint32, genesisHash string) *Params {
	p.PowLimitBits = TargetToCompact(p.PowLimit)
	p.GenesisBlock = genesisBlock(p.Name, p.PowLimitBits, genesisNonce)
	h, err := NewHashFromStr(genesisHash)
	if err != nil {
		panic("chain: malformed genesis hash constant: " + err.Error())
	}
	p.GenesisHash = h
	return &p
}

// powLimitBelow returns 2^bits - 1.
func powLimitBelow(bits uint) *big.Int {
	one := big.NewInt(1)
	return new(big.Int).Sub(new(big.Int).Lsh(one, bits), one)
}

// NetworkID is the name carried by the network's p2p protocols and topics:
// "flint/" and the last 8 hex digits of the printed genesis hash (SPEC §10:
// the first digits are zeros on any network with real proof of work).
func (p *Params) NetworkID() string {
	s := p.GenesisHash.String()
	return "flint/" + s[len(s)-8:]
}

// CalcBlockSubsidy returns the subsidy of a block at height: BaseSubsidy
// halved every SubsidyHalvingInterval blocks, zero from the 64th halving on.
func (p *Params) CalcBlockSubsidy(height uint32) uint64 {
	halvings := height / p.SubsidyHalvingInterval
	if halvings >= 64 {
		return 0
	}
	return BaseSubsidy >> halvings
}
