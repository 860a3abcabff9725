package miner

import (
	"context"
	"errors"
	"testing"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner/kernel"
)

// solve searches the work's nonces with the best kernel and returns the
// header solved.
func solve(t *testing.T, w Work) [chain.HeaderSize]byte {
	t.Helper()
	kw := kernel.NewWork(w.Header, w.Target)
	n, ok := kernel.Best().Scan(kw, 0, 1<<20)
	if !ok {
		t.Fatal("no nonce below 2^20 meets the target")
	}
	h := w.Header
	h[76], h[77], h[78], h[79] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return h
}

func TestWorkServerRemembersBoundedAndDropsOnNewTip(t *testing.T) {
	c := newTestChain(t, chain.RegTestParams())
	ws, err := NewWorkServer(WorkConfig{Params: c.Params(), BestState: c.BestState, ProcessBlock: c.ProcessBlock, PayTo: payKey})
	if err != nil {
		t.Fatal(err)
	}
	first, err := ws.Get()
	if err != nil {
		t.Fatal(err)
	}
	if first.Midstate != kernel.Midstate(first.Header) {
		t.Fatal("work's midstate is not its header's")
	}
	for i := 0; i < MaxRememberedWork; i++ {
		if _, err := ws.Get(); err != nil {
			t.Fatal(err)
		}
	}
	if n := ws.Remembered(); n != MaxRememberedWork {
		t.Fatalf("remembers %d pieces of work, want the bound %d", n, MaxRememberedWork)
	}
	// The oldest was forgotten: its solution is unknown work.
	if ok, err := ws.Submit(context.Background(), solve(t, first)); ok || !errors.Is(err, ErrUnknownWork) {
		t.Fatalf("forgotten work: %v, %v; want ErrUnknownWork", ok, err)
	}

	recent, err := ws.Get()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := ws.Submit(context.Background(), solve(t, recent)); !ok || err != nil {
		t.Fatalf("solved work: %v, %v", ok, err)
	}
	if h := c.BestState().Height; h != 1 {
		t.Fatalf("height %d after solved work, want 1", h)
	}
	if _, err := ws.Get(); err != nil {
		t.Fatal(err)
	}
	if n := ws.Remembered(); n != 1 {
		t.Fatalf("remembers %d pieces of work after a new tip, want 1", n)
	}
}
