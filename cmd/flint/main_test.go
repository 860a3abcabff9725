package main

import (
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestNodeFlagErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"mine without address", []string{"node", "--network", "regtest", "--datadir", t.TempDir(), "--mine"}, "--mine needs --mine.address"},
		{"unknown network", []string{"node", "--network", "moon"}, "unknown network"},
		{"address of another network", []string{"node", "--network", "regtest", "--datadir", t.TempDir(),
			"--mine.address", mainAddress(t)}, "not this network's"},
		{"bad log level", []string{"node", "--log.level", "loud"}, "--log.level"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(append([]string{"flint"}, c.args...))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// mainAddress returns a valid main-network address.
func mainAddress(t *testing.T) string {
	p := chain.MainNetParams()
	return chain.EncodeAddress(p, p.GenesisBlock.Txs[0].Outputs[0].PubKey)
}
