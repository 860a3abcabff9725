package chain

import (
	"strings"
	"testing"
	"time"
)

func TestNetworkParams(t *testing.T) {
	cases := []struct {
		name             string
		params           *Params
		hrp              string
		p2p, rpc         uint16
		spacing, half    time.Duration
		maturity         uint32
		halving          uint32
		future           time.Duration
		powLimitBits     uint32
		retargets        bool
		genesisHashStart string
	}{
		{"main", MainNetParams(), "flt", 8330, 8331, time.Minute, 2 * time.Hour, 100, 210_000, 2 * time.Hour, 0x1d00ffff, true, "00000000"},
		{"test", TestNetParams(), "tflt", 18330, 18331, 10 * time.Second, 10 * time.Minute, 20, 210_000, 10 * time.Minute, 0x1f00ffff, true, "0000"},
		{"regtest", RegTestParams(), "rflt", 28330, 28331, 0, 0, 100, 150, 2 * time.Hour, 0x207fffff, false, ""},
	}
	seen := make(map[Hash]string)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.params
			if p.Name != c.name || p.AddressHRP != c.hrp || p.DefaultP2PPort != c.p2p || p.DefaultRPCPort != c.rpc {
				t.Errorf("identity: %s %s %d %d", p.Name, p.AddressHRP, p.DefaultP2PPort, p.DefaultRPCPort)
			}
			if p.TargetSpacing != c.spacing || p.ASERTHalfLife != c.half || p.NoRetarget == c.retargets {
				t.Errorf("difficulty: spacing %v half-life %v retarget %v", p.TargetSpacing, p.ASERTHalfLife, !p.NoRetarget)
			}
			if p.CoinbaseMaturity != c.maturity || p.SubsidyHalvingInterval != c.halving ||
				p.MaxFutureBlockTime != c.future || p.MaxBlockSize != 1_000_000 {
				t.Errorf("limits: maturity %d halving %d future %v size %d",
					p.CoinbaseMaturity, p.SubsidyHalvingInterval, p.MaxFutureBlockTime, p.MaxBlockSize)
			}
			if p.PowLimitBits != c.powLimitBits {
				t.Errorf("powLimit bits %08x, want %08x", p.PowLimitBits, c.powLimitBits)
			}

			// The genesis block hashes to the constant in the code, meets
			// its own target, which is the network's limit, and passes
			// every context-free rule.
			g := p.GenesisBlock
			if h := g.BlockHash(); h != p.GenesisHash {
				t.Fatalf("genesis hashes to %v, constant is %v", h, p.GenesisHash)
			}
			if !strings.HasPrefix(p.GenesisHash.String(), c.genesisHashStart) {
				t.Errorf("genesis hash %v lacks the leading zeros of its target", p.GenesisHash)
			}
			if g.Header.Bits != p.PowLimitBits {
				t.Errorf("genesis bits %08x, want powLimit %08x", g.Header.Bits, p.PowLimitBits)
			}
			if err := CheckProofOfWork(p.GenesisHash, g.Header.Bits, p.PowLimit); err != nil {
				t.Errorf("genesis fails its target: %v", err)
			}
			if err := CheckBlockSanity(g, p); err != nil {
				t.Errorf("genesis fails sanity: %v", err)
			}
			bad := *g
			bad.Header.Nonce++
			if err := CheckProofOfWork(bad.BlockHash(), bad.Header.Bits, p.PowLimit); err == nil && c.name == "main" {
				t.Error("main genesis with another nonce still meets the target")
			}
			if other, dup := seen[p.GenesisHash]; dup {
				t.Errorf("genesis shared with %s", other)
			}
			seen[p.GenesisHash] = c.name
			if id, g := p.NetworkID(), p.GenesisHash.String(); id != "flint/"+g[len(g)-8:] {
				t.Errorf("network id %q", id)
			}
			byName, err := ParamsByName(c.name)
			if err != nil || byName.GenesisHash != p.GenesisHash {
				t.Errorf("ParamsByName(%q): %v", c.name, err)
			}
		})
	}
	if _, err := ParamsByName("moon"); err == nil {
		t.Error("unknown network name accepted")
	}
	// Each call returns a fresh value: changing one does not change another.
	a, b := MainNetParams(), MainNetParams()
	a.CoinbaseMaturity = 1
	if b.CoinbaseMaturity != 100 {
		t.Error("params share state between calls")
	}
}
