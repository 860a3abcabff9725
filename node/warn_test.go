package node

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/syncbuf"
	"github.com/flint-chain/flint/p2p"
)

// logLines collects a logger's lines.
type logLines struct{ syncbuf.Buffer }

// warnings returns the messages of the WARN lines.
func (l *logLines) warnings() []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		var rec struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == "WARN" {
			out = append(out, rec.Msg)
		}
	}
	return out
}

// testPeerID returns a valid peer ID for a made-up peer.
func testPeerID(t *testing.T) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// startWarnings builds a node (without running it) and returns the
// warnings it logged at start.
func startWarnings(t *testing.T, params *chain.Params, dir string, p2pCfg P2PConfig) []string {
	t.Helper()
	var logs logLines
	n, err := New(Config{Params: params, DataDir: dir, P2P: p2pCfg,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.Run(ctx); err != nil { // a node never started, stopped at once
		t.Fatal(err)
	}
	return logs.warnings()
}

// TestWarnsWithNowhereToConnect: a main-network node with no bootstrap
// peer, no saved peer and no mDNS says, once, that it cannot reach the
// network and what to do; so does one with p2p off. A bootstrap peer, a
// saved peer or mDNS silences it, and test and regtest nodes are never
// warned.
func TestWarnsWithNowhereToConnect(t *testing.T) {
	const alone = "no peers to connect to: this main-network node has no --bootstrap peer and no saved peers, " +
		"so it syncs nothing until another node dials it; give it one with --bootstrap /ip4/<address>/tcp/8330/p2p/<peer id> " +
		"(getnetworkinfo on that node lists its addresses)"
	const off = "p2p is off (--p2p.off): this main-network node will neither sync with the network nor relay blocks and transactions"
	on := P2PConfig{Enable: true, Listen: []string{"/ip4/127.0.0.1/tcp/0"}}
	other := "/ip4/127.0.0.1/tcp/1/p2p/" + testPeerID(t).String()

	withBootstrap := on
	withBootstrap.Bootstrap = []string{other}
	withMDNS := on
	withMDNS.MDNS = true
	cases := []struct {
		name   string
		params *chain.Params
		cfg    P2PConfig
		saved  bool // a peers.json with one peer
		want   []string
	}{
		{"main alone", chain.MainNetParams(), on, false, []string{alone}},
		{"main p2p off", chain.MainNetParams(), P2PConfig{}, false, []string{off}},
		{"main with bootstrap", chain.MainNetParams(), withBootstrap, false, nil},
		{"main with saved peers", chain.MainNetParams(), on, true, nil},
		{"main with mDNS", chain.MainNetParams(), withMDNS, false, nil},
		{"test alone", chain.TestNetParams(), on, false, nil},
		{"test p2p off", chain.TestNetParams(), P2PConfig{}, false, nil},
		{"regtest alone", chain.RegTestParams(), on, false, nil},
		{"regtest p2p off", chain.RegTestParams(), P2PConfig{}, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.saved {
				if err := os.MkdirAll(filepath.Join(dir, "p2p"), 0o700); err != nil {
					t.Fatal(err)
				}
				saved := `{"peers":[{"id":"` + testPeerID(t).String() + `","addrs":["/ip4/127.0.0.1/tcp/1"],"lastseen":1}]}`
				if err := os.WriteFile(filepath.Join(dir, "p2p", p2p.PeersFile), []byte(saved), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got := startWarnings(t, c.params, dir, c.cfg)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("warnings at start:\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}
