package miner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/syncbuf"
)

// aheadOfClockChain returns a regtest chain whose next block's earliest
// time is about 1 h beyond the future limit of the returned clock, as
// after regtest blocks mined faster than one a second. (The chain itself
// keeps the real clock, which accepts those blocks.)
func aheadOfClockChain(t *testing.T) (*chain.BlockChain, func() time.Time) {
	t.Helper()
	p := chain.RegTestParams()
	c := newTestChain(t, p)
	base := time.Now().Truncate(time.Second)
	m := newTestMiner(t, c, 1)
	m.cfg.Now = func() time.Time { return base.Add(time.Hour) }
	if _, err := m.Generate(context.Background(), 12, payKey); err != nil {
		t.Fatal(err)
	}
	behind := base.Add(-time.Hour)
	return c, func() time.Time { return behind }
}

// TestGenerateAheadOfClock checks that Generate refuses at once, saying
// why, when the next block's time would be refused as too far ahead.
func TestGenerateAheadOfClock(t *testing.T) {
	c, now := aheadOfClockChain(t)
	m := newTestMiner(t, c, 1)
	m.cfg.Now = now
	best := c.BestState()
	hashes, err := m.Generate(context.Background(), 5, payKey)
	if !errors.Is(err, ErrAheadOfClock) || len(hashes) != 0 {
		t.Fatalf("Generate ahead of the clock: %v, %v", hashes, err)
	}
	ahead := time.Unix(best.MedianTime+1, 0).Sub(now())
	want := fmt.Sprintf("cannot mine block 13: the next block's time is beyond the network's future limit "+
		"(its time, 1 s past the median of the last 11 blocks, is %v ahead of this clock; the limit is 2h0m0s): "+
		"blocks were mined faster than one a second; try again in %v", ahead, ahead-2*time.Hour)
	if err.Error() != want {
		t.Fatalf("got  %s\nwant %s", err, want)
	}
	if c.BestState().Height != best.Height {
		t.Fatal("a block was mined")
	}
}

// TestRunWaitsForClock checks that the continuous miner, ahead of the
// clock, neither submits blocks nor logs more than once.
func TestRunWaitsForClock(t *testing.T) {
	c, now := aheadOfClockChain(t)
	var submitted atomic.Int64
	var log syncbuf.Buffer
	m, err := New(Config{Params: c.Params(), BestState: c.BestState, Now: now, PayTo: payKey, Threads: 1,
		ProcessBlock: func(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
			submitted.Add(1)
			return c.ProcessBlock(ctx, b)
		},
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log.String(), "mining paused") {
		if time.Now().After(deadline) {
			t.Fatalf("no pause logged:\n%s", log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := submitted.Load(); n != 0 {
		t.Fatalf("%d blocks submitted ahead of the clock", n)
	}
	if n := strings.Count(log.String(), "mining paused"); n != 1 {
		t.Fatalf("the pause was logged %d times:\n%s", n, log.String())
	}
}
