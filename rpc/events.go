package rpc

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/flint-chain/flint/chain"
)

// EventType names an event of the /events stream; it is the SSE "event:"
// field.
type EventType string

// The events the node publishes. EventHello is sent by the server itself,
// once, when a client connects.
const (
	EventBlockConnected    EventType = "block_connected"
	EventBlockDisconnected EventType = "block_disconnected"
	EventMempoolAdded      EventType = "mempool_added"
	EventMempoolRemoved    EventType = "mempool_removed"
	EventHello             EventType = "hello"
)

// Event stream limits.
const (
	// DefaultEventBuffer is how many events wait for one client before it
	// is dropped as too slow.
	DefaultEventBuffer = 256
	// eventReplay is how many recent events are kept for a client that
	// reconnects with Last-Event-ID.
	eventReplay = 256
	// eventWriteTimeout bounds each write to an /events client.
	eventWriteTimeout = 10 * time.Second
	// eventHeartbeat is how often an idle stream carries a comment, so
	// that proxies and clients see the connection alive.
	eventHeartbeat = 15 * time.Second
)

// Event is one notification for /events clients: its type and a payload
// that is marshalled to JSON as the SSE data. The server gives it its
// sequence number.
type Event struct {
	Type EventType
	Data any
}

// BlockEventData is the payload of block_connected and block_disconnected.
type BlockEventData struct {
	Hash   chain.Hash   `json:"hash"`
	Height uint32       `json:"height"`
	Prev   chain.Hash   `json:"prev"`
	Time   uint32       `json:"time"`
	Tx     []chain.Hash `json:"tx"` // txids, coinbase first
}

// TxEventData is the payload of mempool_added and mempool_removed.
type TxEventData struct {
	TxID  chain.Hash `json:"txid"`
	WTxID chain.Hash `json:"wtxid"`
	Size  int        `json:"size"`
	// Fee is set on mempool_added.
	Fee *chain.Amount `json:"fee,omitempty"`
	// Reason is set on mempool_removed: "confirmed", "conflict",
	// "expired", "evicted", ... as the mempool says.
	Reason string `json:"reason,omitempty"`
}

// HelloData is the payload of the hello event: the sequence number of the
// last event published before the client connected (0 if none) and the tip
// at that moment.
type HelloData struct {
	Seq     uint64     `json:"seq"`
	Height  uint32     `json:"height"`
	Hash    chain.Hash `json:"hash"`
	Network string     `json:"network"`
}

// ChainEvent turns a chain notification into a block event; the node calls
// Publish(ChainEvent(n)) from its chain subscription.
func ChainEvent(n chain.Notification) Event {
	typ := EventBlockConnected
	if n.Type == chain.BlockDisconnected {
		typ = EventBlockDisconnected
	}
	d := BlockEventData{Hash: n.Hash, Height: n.Height, Tx: []chain.Hash{}}
	if n.Block != nil {
		d.Prev, d.Time = n.Block.Header.Prev, n.Block.Header.Time
		for _, tx := range n.Block.Txs {
			d.Tx = append(d.Tx, tx.TxID())
		}
	}
	return Event{Type: typ, Data: d}
}

// MempoolAddedEvent reports a transaction entering the mempool with its fee
// in base units.
func MempoolAddedEvent(tx *chain.Tx, fee uint64) Event {
	f := chain.Amount(fee)
	return Event{Type: EventMempoolAdded, Data: TxEventData{TxID: tx.TxID(), WTxID: tx.WTxID(), Size: tx.SerializeSize(), Fee: &f}}
}

// MempoolRemovedEvent reports a transaction leaving the mempool and why.
func MempoolRemovedEvent(tx *chain.Tx, reason string) Event {
	return Event{Type: EventMempoolRemoved, Data: TxEventData{TxID: tx.TxID(), WTxID: tx.WTxID(), Size: tx.SerializeSize(), Reason: reason}}
}

// Publish sends ev to every /events client with the next sequence number.
// It never blocks on a client: one whose buffer is full is dropped (its
// stream ends, and on reconnecting it sees the gap in the ids). It is safe
// to call from chain and mempool notification callbacks, concurrently.
func (s *Server) Publish(ev Event) {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		s.log.Error("cannot encode event", "type", ev.Type, "err", err)
		return
	}
	s.events.publish(ev.Type, data)
}

// eventHub fans events out to the stream clients.
type eventHub struct {
	log *slog.Logger
	buf int // per-client queue length

	// mu guards seq, recent, clients and closed.
	mu      sync.Mutex
	seq     uint64       // the last sequence number given
	recent  []eventFrame // the last eventReplay frames, oldest first
	clients map[*eventClient]struct{}
	closed  bool
	done    chan struct{} // closed when the server shuts down
}

// eventFrame is one encoded SSE event.
type eventFrame struct {
	seq   uint64
	bytes []byte
}

// eventClient is one /events connection's queue. The hub closes ch when it
// drops the client.
type eventClient struct {
	ch chan []byte
}

func newEventHub(buf int, log *slog.Logger) *eventHub {
	return &eventHub{log: log, buf: buf, clients: map[*eventClient]struct{}{}, done: make(chan struct{})}
}

// publish numbers and queues one event.
func (h *eventHub) publish(typ EventType, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.seq++
	f := eventFrame{seq: h.seq, bytes: fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", h.seq, typ, data)}
	if len(h.recent) == eventReplay {
		copy(h.recent, h.recent[1:])
		h.recent = h.recent[:eventReplay-1]
	}
	h.recent = append(h.recent, f)
	for c := range h.clients {
		select {
		case c.ch <- f.bytes:
		default:
			delete(h.clients, c)
			close(c.ch)
			h.log.Warn("events client too slow: dropped", "seq", f.seq, "buffer", h.buf)
		}
	}
}

// subscribe adds a client. With after set, the kept events numbered above
// *after are queued first. It returns the last sequence number given, and
// nil once the hub is closed.
func (h *eventHub) subscribe(after *uint64) (*eventClient, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, h.seq
	}
	c := &eventClient{ch: make(chan []byte, h.buf+eventReplay)}
	if after != nil {
		for _, f := range h.recent {
			if f.seq > *after {
				c.ch <- f.bytes
			}
		}
	}
	h.clients[c] = struct{}{}
	return c, h.seq
}

// unsubscribe removes a client that is going away.
func (h *eventHub) unsubscribe(c *eventClient) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		close(c.ch)
	}
}

// close ends every stream.
func (h *eventHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// handleEvents serves GET /events as Server-Sent Events: first a hello
// event, then every published event with "id: <seq>". A Last-Event-ID
// header (or ?last_id=) replays the kept events after that id.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "the event stream is an HTTP GET", http.StatusMethodNotAllowed)
		return
	}
	var after *uint64
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_id")
	}
	if last != "" {
		n, err := strconv.ParseUint(last, 10, 64)
		if err != nil {
			http.Error(w, "Last-Event-ID must be an event sequence number", http.StatusBadRequest)
			return
		}
		after = &n
	}
	c, seq := s.events.subscribe(after)
	if c == nil {
		http.Error(w, "the node is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.events.unsubscribe(c)
	log := s.log.With("remote", r.RemoteAddr)
	log.Debug("events client connected", "seq", seq)

	rc := http.NewResponseController(w)
	// The stream outlives the server's read timeout: without this the
	// connection's read deadline would cancel the request after it.
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		log.Debug("cannot clear the read deadline", "err", err)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(b []byte) bool {
		// Each write gets its own deadline instead of the server's
		// WriteTimeout, which would cut a long-lived stream.
		rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write(b); err != nil {
			log.Debug("events client gone", "err", err)
			return false
		}
		if err := rc.Flush(); err != nil {
			log.Debug("events client gone", "err", err)
			return false
		}
		return true
	}
	best := s.cfg.Chain.BestState()
	hello, _ := json.Marshal(HelloData{Seq: seq, Height: best.Height, Hash: best.Hash, Network: s.cfg.Params.Name})
	if !send(fmt.Appendf(nil, "retry: 2000\nevent: %s\ndata: %s\n\n", EventHello, hello)) {
		return
	}
	heartbeat := time.NewTicker(eventHeartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case b, ok := <-c.ch:
			if !ok {
				log.Info("events client dropped: it did not keep up")
				return
			}
			if !send(b) {
				return
			}
		case <-heartbeat.C:
			if !send([]byte(": ping\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.events.done:
			return
		}
	}
}
