package chain

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestSlowSubscriberDoesNotHoldUpProcessing blocks a subscriber on the
// first notification and checks that another block is still processed, and
// that the notifications then arrive in order.
func TestSlowSubscriberDoesNotHoldUpProcessing(t *testing.T) {
	g := matureHarness(t, 2)
	b3 := g.NextBlock("b3", nil)
	b4 := g.NextBlock("b4", nil)

	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	g.chain.Subscribe(func(n Notification) {
		if n.Hash == b3.BlockHash() {
			<-release
		}
		mu.Lock()
		got = append(got, g.names[n.Hash])
		mu.Unlock()
	})

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := g.chain.ProcessBlock(context.Background(), b3); err != nil {
			t.Error(err)
		}
	}()
	// b3 is processed and its notification is stuck in the subscriber;
	// b4 must still connect.
	deadline := time.Now().Add(20 * time.Second)
	for g.chain.BestState().Hash != b3.BlockHash() {
		if time.Now().After(deadline) {
			t.Fatal("b3 never connected")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := g.chain.ProcessBlock(ctx, b4)
		done <- err
	}()
	for g.chain.BestState().Hash != b4.BlockHash() {
		if time.Now().After(deadline) {
			t.Fatal("b4 was held up by a subscriber busy with b3")
		}
		time.Sleep(time.Millisecond)
	}
	cancel() // the caller may stop waiting for its notification
	if err := <-done; err != nil {
		t.Fatalf("ProcessBlock of b4 with its caller gone: %v", err)
	}
	mu.Lock()
	if len(got) != 0 {
		t.Fatalf("notifications %v delivered past a blocked subscriber", got)
	}
	mu.Unlock()
	close(release)
	wg.Wait()
	// Close delivers what is still queued.
	if err := g.chain.Close(); err != nil {
		t.Fatal(err)
	}
	g.chain = nil
	if len(got) != 2 || got[0] != "b3" || got[1] != "b4" {
		t.Fatalf("notifications %v, want b3 then b4", got)
	}
}

// TestNotificationOfUnreadableBlock tells the subscriber when a block
// cannot be read instead of skipping it.
func TestNotificationOfUnreadableBlock(t *testing.T) {
	g := matureHarness(t, 1)
	b := g.NextBlock("never_stored", nil)
	n := newBlockNode(&b.Header, g.chain.tip())
	ev := g.chain.notification(BlockConnected, n)
	if ev.Err == nil || ev.Block != nil || ev.Hash != n.hash || ev.Height != 2 {
		t.Fatalf("notification of an unreadable block: %+v", ev)
	}
}

// TestCancelDuringReorg cancels the caller's context at random points of
// 100-block reorganisations: whenever the call returns, the tip is the
// most-work chain stored, its UTXO set that of replaying it, and a restart
// comes back at it.
func TestCancelDuringReorg(t *testing.T) {
	g := matureHarness(t, 1)
	rounds := 6
	if testing.Short() {
		rounds = 3
	}
	// Two branches from b1 take the lead in turn: each round extends the
	// losing one until it ties, then submits the block that gives it more
	// work, with a context cancelled at a random moment.
	branches := [2]string{"a", "z"}
	lengths := [2]int{0, 0}
	rng := rand.New(rand.NewPCG(5, 5))
	var reorgTime time.Duration
	for round := 0; round <= rounds; round++ {
		side := round % 2
		other := 1 - side
		target := max(100, lengths[other]+1)
		if lengths[side] == 0 {
			g.SetTip("b1")
		} else {
			g.SetTip(branches[side] + itoa(lengths[side]))
		}
		for lengths[side] < target-1 {
			lengths[side]++
			g.NextBlock(branches[side]+itoa(lengths[side]), nil)
			g.AcceptBlock(g.tipName)
		}
		lengths[side]++
		last := g.NextBlock(branches[side]+itoa(lengths[side]), nil)
		oldTip := g.chain.BestState().Hash

		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		if round > 0 {
			// Round 0 measures how long a reorganisation takes; later
			// rounds cancel somewhere in that span, or before the call.
			delay := time.Duration(rng.Int64N(int64(reorgTime) + 1))
			if rng.IntN(4) == 0 {
				delay = 0
			}
			timer := time.AfterFunc(delay, cancel)
			defer timer.Stop()
			if delay == 0 {
				cancel()
			}
		}
		_, err := g.chain.ProcessBlock(ctx, last)
		if round == 0 {
			reorgTime = time.Since(start)
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			t.Fatalf("round %d: %v", round, err)
		}
		best := g.chain.BestState().Hash
		if g.chain.HaveBlock(last.BlockHash()) {
			if best != last.BlockHash() {
				t.Fatalf("round %d: %s stored but the tip is %s", round, g.tipName, g.names[best])
			}
		} else {
			// Cancelled before it began: nothing changed. Submit it
			// again for the next round.
			if best != oldTip {
				t.Fatalf("round %d: refused call moved the tip to %s", round, g.names[best])
			}
			g.AcceptBlock(g.tipName)
		}
		g.ExpectTip(g.tipName)
		g.expectReplayedUtxos()
	}
	g.reopen()
	g.ExpectTip(g.tipName)
}
