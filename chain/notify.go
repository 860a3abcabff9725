package chain

import (
	"context"
	"slices"
	"sync"
)

// NotificationType says what a Notification reports.
type NotificationType int

const (
	// BlockConnected: a block became the tip of the main chain.
	BlockConnected NotificationType = iota
	// BlockDisconnected: the tip block was removed from the main chain by a
	// reorganisation.
	BlockDisconnected
)

// String returns the type's name.
func (t NotificationType) String() string {
	switch t {
	case BlockConnected:
		return "block connected"
	case BlockDisconnected:
		return "block disconnected"
	}
	return "unknown notification"
}

// Notification reports one change of the main chain. Block is the block
// connected or disconnected; if it could not be read (a broken database),
// Block is nil and Err says why, so that a subscriber keeping state in step
// with the chain knows it has lost that step.
type Notification struct {
	Type   NotificationType
	Block  *Block
	Hash   Hash
	Height uint32
	Err    error
}

// Subscribe registers fn to receive every later notification, in order.
// One goroutine of the chain calls the subscribers, one notification at a
// time, after the chain lock is released: fn may query the chain, and a
// slow fn does not hold up block processing. fn must not call ProcessBlock,
// ProcessHeaders, InvalidateBlock or ReconsiderBlock: those wait for their
// own notifications to be delivered.
func (c *BlockChain) Subscribe(fn func(Notification)) {
	c.events.mu.Lock()
	defer c.events.mu.Unlock()
	c.events.subs = append(c.events.subs, fn)
}

// eventQueue hands notifications from the goroutine that changed the chain
// (holding processLock) to the one goroutine that delivers them. Events are
// numbered in queue order; delivered counts those handed to every
// subscriber, so a caller can wait for its own.
type eventQueue struct {
	// mu guards every field below.
	mu        sync.Mutex
	subs      []func(Notification)
	queue     []Notification
	queued    uint64        // events ever queued
	delivered uint64        // events ever delivered
	wake      chan struct{} // signalled (buffer 1) when events are queued or closing
	progress  chan struct{} // closed and replaced when delivered grows
	closing   bool
	done      chan struct{} // closed when the delivery goroutine ends
}

func newEventQueue() *eventQueue {
	q := &eventQueue{
		wake:     make(chan struct{}, 1),
		progress: make(chan struct{}),
		done:     make(chan struct{}),
	}
	go q.run()
	return q
}

// push queues events and returns the number the last of them will have
// when delivered.
func (q *eventQueue) push(events []Notification) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = append(q.queue, events...)
	q.queued += uint64(len(events))
	if len(events) > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return q.queued
}

// run delivers queued events in order until the queue is closed and empty.
func (q *eventQueue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		events := q.queue
		q.queue = nil
		subs := slices.Clone(q.subs)
		closing := q.closing
		q.mu.Unlock()
		if len(events) == 0 {
			if closing {
				return
			}
			<-q.wake
			continue
		}
		for _, ev := range events {
			for _, fn := range subs {
				fn(ev)
			}
		}
		q.mu.Lock()
		q.delivered += uint64(len(events))
		close(q.progress)
		q.progress = make(chan struct{})
		q.mu.Unlock()
	}
}

// wait returns once event number seq has been delivered, or when ctx is
// done.
func (q *eventQueue) wait(ctx context.Context, seq uint64) {
	for {
		q.mu.Lock()
		if q.delivered >= seq {
			q.mu.Unlock()
			return
		}
		progress := q.progress
		q.mu.Unlock()
		if ctx == nil {
			<-progress
			continue
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return
		}
	}
}

// close delivers what is queued and stops the delivery goroutine.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closing = true
	select {
	case q.wake <- struct{}{}:
	default:
	}
	q.mu.Unlock()
	<-q.done
}

// queueTipChange queues the notifications of how the main chain moved from
// oldTip to the current tip: the blocks disconnected (tip first), then the
// blocks connected (in height order). A reorganisation that failed and was
// rolled back shows no change. It clears the blocks cache of this call and
// returns the number to wait for. Caller holds processLock.
func (c *BlockChain) queueTipChange(oldTip *blockNode) uint64 {
	defer clear(c.touched)
	newTip := c.tip()
	if newTip == oldTip {
		return c.events.push(nil)
	}
	fork := findFork(oldTip, newTip)
	var events []Notification
	for n := oldTip; n != fork; n = n.parent {
		events = append(events, c.notification(BlockDisconnected, n))
	}
	var connected []Notification
	for n := newTip; n != fork; n = n.parent {
		connected = append(connected, c.notification(BlockConnected, n))
	}
	slices.Reverse(connected)
	return c.events.push(append(events, connected...))
}

// notification returns the notification of type t for n. Every block a call
// connected or disconnected is in its cache, so the database is read only
// if something is badly wrong; then the subscriber is told.
func (c *BlockChain) notification(t NotificationType, n *blockNode) Notification {
	b, err := c.loadBlock(n.hash)
	if err != nil {
		c.log.Error("cannot load block for notification", "type", t, "hash", n.hash, "err", err)
	}
	return Notification{Type: t, Block: b, Hash: n.hash, Height: n.height, Err: err}
}
