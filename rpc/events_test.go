package rpc

import (
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// nextEvent reads one event, failing the test on error.
func nextEvent(t *testing.T, s *EventStream) StreamEvent {
	t.Helper()
	ev, err := s.Next()
	if err != nil {
		t.Fatalf("reading the event stream: %v", err)
	}
	return ev
}

func TestEvents(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	stream, err := h.client.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()

	hello := nextEvent(t, stream)
	var hd HelloData
	if hello.Type != EventHello || hello.Decode(&hd) != nil || hd.Seq != 0 || hd.Hash != h.params.GenesisHash || hd.Network != "regtest" {
		t.Fatalf("hello %+v / %+v", hello, hd)
	}

	var mined []*chain.Block
	for i := range 2 {
		b := h.mine(keyA)
		mined = append(mined, b)
		ev := nextEvent(t, stream)
		var d BlockEventData
		if err := ev.Decode(&d); err != nil {
			t.Fatal(err)
		}
		if ev.Type != EventBlockConnected || ev.Seq != uint64(i+1) || d.Hash != b.BlockHash() || d.Height != uint32(i+1) ||
			d.Prev != b.Header.Prev || len(d.Tx) != 1 || d.Tx[0] != b.Txs[0].TxID() {
			t.Fatalf("event %d: %+v / %+v", i, ev, d)
		}
	}

	// A reorganisation away from the tip: invalidateblock disconnects it.
	if err := h.client.InvalidateBlock(ctx, mined[1].BlockHash()); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, stream)
	var d BlockEventData
	if ev.Decode(&d); ev.Type != EventBlockDisconnected || ev.Seq != 3 || d.Hash != mined[1].BlockHash() {
		t.Fatalf("disconnect event %+v / %+v", ev, d)
	}

	// Mempool events come from the node through Publish.
	tx := spendTx(mined[0].Txs[0].TxID())
	h.srv.Publish(MempoolAddedEvent(tx, 1500))
	h.srv.Publish(MempoolRemovedEvent(tx, "conflict"))
	var td TxEventData
	ev = nextEvent(t, stream)
	if ev.Decode(&td); ev.Type != EventMempoolAdded || ev.Seq != 4 || td.TxID != tx.TxID() || td.Fee == nil || *td.Fee != 1500 {
		t.Fatalf("mempool_added %+v / %+v", ev, td)
	}
	td = TxEventData{}
	ev = nextEvent(t, stream)
	if ev.Decode(&td); ev.Type != EventMempoolRemoved || ev.Seq != 5 || td.Reason != "conflict" || td.Fee != nil {
		t.Fatalf("mempool_removed %+v / %+v", ev, td)
	}

	// A client reconnecting with the last id it saw gets what it missed.
	again, err := h.client.Events(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if ev := nextEvent(t, again); ev.Type != EventHello {
		t.Fatalf("want hello first, got %+v", ev)
	}
	for _, want := range []uint64{4, 5} {
		if ev := nextEvent(t, again); ev.Seq != want {
			t.Fatalf("replayed seq %d, want %d", ev.Seq, want)
		}
	}
}

func TestSlowEventClientDropped(t *testing.T) {
	hub := newEventHub(4, quietLogger())
	slow, _ := hub.subscribe(nil)
	fast, _ := hub.subscribe(nil)
	for i := range 4 + eventReplay + 1 {
		hub.publish(EventMempoolAdded, []byte(`{}`))
		if i%2 == 0 { // fast drains as it goes
			for len(fast.ch) > 0 {
				<-fast.ch
			}
		}
	}
	// The slow client's queue filled up: it was closed and removed.
	n := 0
	for range slow.ch {
		n++
	}
	if n != 4+eventReplay {
		t.Fatalf("slow client got %d queued events before the drop, want %d", n, 4+eventReplay)
	}
	hub.mu.Lock()
	_, slowIn := hub.clients[slow]
	_, fastIn := hub.clients[fast]
	hub.mu.Unlock()
	if slowIn || !fastIn {
		t.Fatalf("slow still subscribed: %v, fast still subscribed: %v", slowIn, fastIn)
	}
	hub.unsubscribe(slow) // harmless after a drop
	hub.unsubscribe(fast)
	hub.close()
	if c, _ := hub.subscribe(nil); c != nil {
		t.Fatal("subscribed to a closed hub")
	}
	hub.publish(EventMempoolAdded, []byte(`{}`)) // no panic after close
}

// TestEventsOutliveTimeouts checks that a stream lasts beyond the server's
// read and write timeouts, which bound ordinary calls.
func TestEventsOutliveTimeouts(t *testing.T) {
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.ReadTimeout = 200 * time.Millisecond
		cfg.WriteTimeout = 200 * time.Millisecond
	})
	stream, err := h.client.Events(ctxT(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	nextEvent(t, stream)               // hello
	time.Sleep(700 * time.Millisecond) // let both timeouts pass; nothing to poll for
	b := h.mine(keyA)
	if ev := nextEvent(t, stream); ev.Type != EventBlockConnected || ev.Seq != 1 {
		t.Fatalf("after the timeouts: %+v", ev)
	}
	if _, err := h.client.GetBlockCount(ctxT(t)); err != nil {
		t.Fatalf("calls after a block: %v (tip %v)", err, b.BlockHash())
	}
}
