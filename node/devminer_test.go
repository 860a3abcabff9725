package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flint-chain/flint/internal/syncbuf"
	"github.com/flint-chain/flint/rpc"
)

// count is how many times s occurs in what b holds.
func count(b *syncbuf.Buffer, s string) int { return strings.Count(b.String(), s) }

// TestDevMinerWaitsForTheClock: when the next block's time is beyond the
// future limit of the node's clock, the dev miner says so once and waits,
// with no error per tick, and mines again once the clock catches up.
func TestDevMinerWaitsForTheClock(t *testing.T) {
	dir := t.TempDir()
	n, err := New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	runUntil(t, n, 12) // block times at the real clock

	var behind atomic.Int64
	behind.Store(int64(3 * time.Hour))
	logs := &syncbuf.Buffer{}
	cfg := devConfig(dir)
	cfg.Now = func() time.Time { return time.Now().Add(-time.Duration(behind.Load())) }
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if n, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	runInBackground(t, n)
	height := n.Chain().BestState().Height
	deadline := time.Now().Add(10 * time.Second)
	for count(logs, "dev miner waiting for the clock") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // some 60 more ticks of 5 ms
	if got := count(logs, "dev miner waiting for the clock"); got != 1 {
		t.Errorf("%d lines say the miner waits, want 1", got)
	}
	if got := count(logs, "level=ERROR"); got != 0 {
		t.Errorf("%d error lines while waiting for the clock, want none", got)
	}
	if got := n.Chain().BestState().Height; got != height {
		t.Fatalf("mined from %d to %d ahead of the clock", height, got)
	}

	behind.Store(0)
	waitHeight(t, n, height+1)
	// The block connects inside Generate; the line follows its return.
	deadline = time.Now().Add(10 * time.Second)
	for count(logs, "dev miner mining again") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := count(logs, "dev miner mining again"); got != 1 {
		t.Errorf("%d lines say the miner resumed, want 1", got)
	}
}

// TestGenerateSaysWhyItStopped: generatetoaddress that runs ahead of the
// clock part way answers -1 with how many blocks it mined and why it
// stopped, not an internal error.
func TestGenerateSaysWhyItStopped(t *testing.T) {
	dir := t.TempDir()
	n, err := New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	runUntil(t, n, 12)
	cfg := devConfig(dir)
	cfg.DevPeriod = 0
	// The future limit (2 h) ends 30 s past the real clock: a few hundred
	// blocks mined at once push the next block's time past it.
	cfg.Now = func() time.Time { return time.Now().Add(-2*time.Hour + 30*time.Second) }
	if n, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	defer func() {
		n.closeListeners()
		n.chain.Close()
	}()
	start := n.Chain().BestState().Height
	hashes, err := n.generate(context.Background(), 5000, testKey())
	var rerr *rpc.Error
	if !errors.As(err, &rerr) || rerr.Code != rpc.CodeMisc {
		t.Fatalf("generate ahead of the clock: %v, want an RPC error with code %d", err, rpc.CodeMisc)
	}
	if len(hashes) == 0 || len(hashes) == 5000 {
		t.Fatalf("mined %d blocks, want some and not all", len(hashes))
	}
	prefix := fmt.Sprintf("mined %d of 5000 blocks, then cannot mine block %d: the next block's time is beyond the network's future limit (its time, 1 s past the median of the last 11 blocks, is ",
		len(hashes), start+uint32(len(hashes))+1)
	if !strings.HasPrefix(rerr.Message, prefix) || !strings.Contains(rerr.Message, "; the limit is 2h0m0s): blocks were mined faster than one a second; try again in ") {
		t.Fatalf("message %q\nwant it to start %q", rerr.Message, prefix)
	}
}
