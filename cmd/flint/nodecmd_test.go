package main

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/node"
)

// TestDevSummary checks the dev banner's exact text: its "Try:" lines
// start with the command given and carry --rpc.url when the port is not
// regtest's default.
func TestDevSummary(t *testing.T) {
	p := chain.RegTestParams()
	cfg := node.Config{Params: p, DataDir: "/tmp/flint-dev-1", DevPeriod: 2 * time.Second, MinePayTo: [32]byte{1}}
	addr := chain.EncodeAddress(p, cfg.MinePayTo)
	// The banner names regtest's default addresses; nothing listens on them here.
	defaultRPC := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.DefaultRPCPort)))
	defaultHTTP := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.DefaultRPCPort)+1))
	cases := []struct {
		name, self, dir, rpcAddr, httpAddr, wallet string
		notes                                      map[string]string
		want                                       string
	}{
		{"default port", "flint", "/tmp/flint-dev-1", defaultRPC, defaultHTTP, "/tmp/flint-dev-1/wallet.flw", nil, `Flint dev node (regtest), a block every 2s; stop with Ctrl-C
  data directory: /tmp/flint-dev-1
  JSON-RPC:       http://127.0.0.1:28331  (cookie: /tmp/flint-dev-1/.cookie)
  explorer:       http://127.0.0.1:28332/
  dev wallet:     /tmp/flint-dev-1/wallet.flw (passphrase-free dev wallet: insecure, for development only)
  mining to:      ` + addr + `
Try:
  flint wallet balance --network regtest --datadir /tmp/flint-dev-1
  flint wallet send --network regtest --datadir /tmp/flint-dev-1 --to ` + addr + ` --amount 1.5 --yes
  flint rpc --network regtest --datadir /tmp/flint-dev-1 generatetoaddress 10 ` + addr + `
`},
		{"busy default port", "go run ./cmd/flint", "my dev", "0.0.0.0:40001", "127.0.0.1:40002", "", map[string]string{"RPC": "127.0.0.1:28331 was in use", "explorer": "127.0.0.1:28332 was in use"}, `Flint dev node (regtest), a block every 2s; stop with Ctrl-C
  data directory: my dev
  JSON-RPC:       http://0.0.0.0:40001  (127.0.0.1:28331 was in use; cookie: my dev/.cookie)
  explorer:       http://127.0.0.1:40002/  (127.0.0.1:28332 was in use)
  dev wallet:     none (mining to --mine.address)
  mining to:      ` + addr + `
Try:
  go run ./cmd/flint rpc --network regtest --datadir 'my dev' --rpc.url 127.0.0.1:40001 generatetoaddress 10 ` + addr + `
`},
		{"rpc off", "./flint", "d", "", "", "", nil, `Flint dev node (regtest), a block every 2s; stop with Ctrl-C
  data directory: d
  JSON-RPC:       off (--rpc.addr off)
  explorer:       off (--http.addr off)
  dev wallet:     none (mining to --mine.address)
  mining to:      ` + addr + `
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg.DataDir = c.dir
			if got := devSummary(c.self, cfg, c.rpcAddr, c.httpAddr, c.wallet, c.notes); got != c.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// TestWatchSignals checks that signals echoing the first (timeout and the
// terminal each signal the group) do not force an exit, and that three
// more after the grace period do.
func TestWatchSignals(t *testing.T) {
	clock := time.Unix(1_000, 0)
	var mu sync.Mutex
	reads := 0 // the watcher reads the clock once per signal
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); reads++; return clock }
	sigs := make(chan os.Signal)
	cancelled, exited := make(chan struct{}), make(chan struct{})
	var lines []string
	go watchSignals(sigs, func() { close(cancelled) }, func(msg string, _ ...any) { lines = append(lines, msg) }, now,
		func() { close(exited) })

	sigs <- syscall.SIGTERM
	<-cancelled
	for range 5 { // echoes within the grace period
		sigs <- syscall.SIGINT
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		if reads == 6 { // the first and five echoes, all seen
			clock = clock.Add(signalGrace)
			mu.Unlock()
			break
		}
		mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not read the echoes")
		}
	}
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGINT
	select {
	case <-exited:
		t.Fatal("exited after two signals past the grace period")
	default:
	}
	sigs <- syscall.SIGINT
	<-exited
	want := []string{
		"shutting down cleanly; signal again after a few seconds, 3 times, to exit at once",
		"already shutting down", "already shutting down",
	}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("logged %q, want %q", lines, want)
	}
}
