package logging

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/internal/syncbuf"
)

func newTestLogger(window time.Duration) (*slog.Logger, *syncbuf.Buffer, *RateLimited) {
	var out syncbuf.Buffer
	h := NewRateLimited(slog.NewTextHandler(&out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}), 3, window)
	return slog.New(h), &out, h
}

// TestRateLimitedSummarises checks that a flood of one line passes its
// burst and is then summarised once the window closes, while other lines
// and other subsystems are counted apart.
func TestRateLimitedSummarises(t *testing.T) {
	log, out, h := newTestLogger(10 * time.Second)
	now := time.Unix(1_000, 0)
	h.state.now = func() time.Time { return now }
	chainLog, minerLog := log.With("sub", "chain"), log.With("sub", "miner")
	for i := range 1000 {
		minerLog.Warn("mined block refused", "height", i)
	}
	minerLog.Info("mining")
	chainLog.Warn("mined block refused", "height", 7)
	want := `level=WARN msg="mined block refused" sub=miner height=0
level=WARN msg="mined block refused" sub=miner height=1
level=WARN msg="mined block refused" sub=miner height=2
level=INFO msg=mining sub=miner
level=WARN msg="mined block refused" sub=chain height=7
`
	if out.String() != want {
		t.Fatalf("during the flood:\n%s\nwant:\n%s", out.String(), want)
	}
	// The next line after the window first summarises the flood.
	now = now.Add(10 * time.Second)
	minerLog.Warn("mined block refused", "height", 1000)
	want += `level=WARN msg="mined block refused" sub=miner height=999 repeated=997 within=10s
level=WARN msg="mined block refused" sub=miner height=1000
`
	if out.String() != want {
		t.Fatalf("after the window:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRateLimitedFlushesOnTimer checks that the summary comes when the
// window closes even if the line never comes again.
func TestRateLimitedFlushesOnTimer(t *testing.T) {
	log, out, _ := newTestLogger(20 * time.Millisecond)
	for i := range 10 {
		log.Info("dev block", "height", i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "height=9 repeated=7 within=20ms") {
		if time.Now().After(deadline) {
			t.Fatalf("no summary after the window:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := strings.Count(out.String(), "\n"); n != 4 {
		t.Fatalf("%d lines, want 3 and the summary:\n%s", n, out.String())
	}
}
