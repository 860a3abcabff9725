package explorer

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
)

// Live-update limits.
const (
	// maxReorgs is how many reorganisations the reorg log keeps.
	maxReorgs = 200
	// maxEventClients bounds the /events streams served at once.
	maxEventClients = 64
	// eventHeartbeat is how often an idle stream carries a comment.
	eventHeartbeat = 15 * time.Second
	// eventWriteTimeout bounds each write to a stream.
	eventWriteTimeout = 10 * time.Second
)

// Reorg is one reorganisation of the main chain, as the explorer saw it in
// the chain's notifications since it started.
type Reorg struct {
	Time time.Time
	// Depth is how many blocks left the main chain.
	Depth int
	// OldTip and OldHeight were the tip before.
	OldTip    chain.Hash
	OldHeight uint32
	// ForkHeight is the height of the last block both chains share.
	ForkHeight uint32
	// NewTip and NewHeight are the tip once the new branch was connected.
	NewTip    chain.Hash
	NewHeight uint32
}

// tipSignal is the tip as last notified; done is closed when a newer one
// replaces it, waking every /events stream.
type tipSignal struct {
	Height uint32     `json:"height"`
	Hash   chain.Hash `json:"hash"`
	done   chan struct{}
}

// liveState is what the explorer learns from chain notifications. Readers
// load immutable values through atomic pointers; the one writer is the
// chain's notification delivery, which calls in order, one at a time — so
// block processing never waits on a lock of the explorer.
type liveState struct {
	tip    atomic.Pointer[tipSignal]
	reorgs atomic.Pointer[[]Reorg] // newest first; never modified once stored
	// pending is the reorganisation being seen: disconnections so far,
	// not yet followed by a connection. Only the writer touches it.
	pending *Reorg
	clients atomic.Int32
}

func newLiveState() *liveState {
	s := &liveState{}
	s.tip.Store(&tipSignal{done: make(chan struct{})})
	s.reorgs.Store(&[]Reorg{})
	return s
}

// HandleChainNotification records a chain notification: it wakes the live
// pages and keeps the reorg log. Register it with the chain's Subscribe; it
// must be called in order, one notification at a time, as the chain
// delivers them. It never blocks.
func (e *Explorer) HandleChainNotification(n chain.Notification) {
	e.live.observe(n, e.cfg.Chain, e.cfg.Now())
}

func (s *liveState) observe(n chain.Notification, c Chain, now time.Time) {
	switch n.Type {
	case chain.BlockDisconnected:
		if s.pending == nil {
			s.pending = &Reorg{Time: now, OldTip: n.Hash, OldHeight: n.Height}
		}
		s.pending.Depth++
		s.pending.ForkHeight = n.Height - 1
	case chain.BlockConnected:
		if r := s.pending; r != nil {
			s.pending = nil
			// The tip once the whole branch is connected: the chain
			// delivers a reorganisation's notifications after its state
			// changed, so the best state already shows it.
			r.NewTip, r.NewHeight = n.Hash, n.Height
			if best := c.BestState(); best.Height >= n.Height {
				r.NewTip, r.NewHeight = best.Hash, best.Height
			}
			old := *s.reorgs.Load()
			log := make([]Reorg, 0, min(len(old)+1, maxReorgs))
			log = append(log, *r)
			log = append(log, old[:min(len(old), maxReorgs-1)]...)
			s.reorgs.Store(&log)
		}
	}
	next := &tipSignal{Height: n.Height, Hash: n.Hash, done: make(chan struct{})}
	if n.Type == chain.BlockDisconnected {
		// The tip is now the block's parent; the notification's block may
		// be missing (it could not be read), its header never is.
		next.Height = n.Height - 1
		if info, err := c.HeaderByHash(n.Hash); err == nil {
			next.Hash = info.Header.Prev
		}
	}
	old := s.tip.Swap(next)
	close(old.done)
}

// Reorgs returns the reorganisations seen since the explorer started,
// newest first.
func (e *Explorer) Reorgs() []Reorg { return *e.live.reorgs.Load() }

// handleEvents serves GET /events: Server-Sent Events on the explorer's own
// origin, one "block" event each time the tip changes, so that the pages'
// script needs no credentials and no other origin. The node's JSON-RPC
// /events stream is the full feed for programs.
func (e *Explorer) handleEvents(w http.ResponseWriter, r *http.Request) {
	if e.live.clients.Add(1) > maxEventClients {
		e.live.clients.Add(-1)
		e.renderError(w, r, http.StatusServiceUnavailable, "Too many live pages are open; this one will not update by itself.")
		return
	}
	defer e.live.clients.Add(-1)
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The tip is read before the first line goes out: a block connected
	// once the client has that line is then always sent.
	sig := e.live.tip.Load()
	if !send([]byte("retry: 2000\n\n")) {
		return
	}
	heartbeat := time.NewTicker(eventHeartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-sig.done:
			sig = e.live.tip.Load()
			data, _ := json.Marshal(sig)
			if !send(fmt.Appendf(nil, "event: block\ndata: %s\n\n", data)) {
				return
			}
		case <-heartbeat.C:
			if !send([]byte(": ping\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
