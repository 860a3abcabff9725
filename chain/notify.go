package chain

import "slices"

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

// Notification reports one change of the main chain.
type Notification struct {
	Type   NotificationType
	Block  *Block
	Hash   Hash
	Height uint32
}

// Subscribe registers fn to receive every notification, in order. fn is
// called without the state lock held, so it may query the chain, but it
// must not call ProcessBlock and should return quickly: block processing
// waits for it.
func (c *BlockChain) Subscribe(fn func(Notification)) {
	c.subsLock.Lock()
	defer c.subsLock.Unlock()
	c.subscribers = append(c.subscribers, fn)
}

// notifyTipChange tells subscribers how the main chain moved from oldTip to
// the current tip: the blocks disconnected (tip first), then the blocks
// connected (in height order). A reorganisation that failed and was rolled
// back shows no change. It clears the blocks cache of this call. Caller
// holds processLock and not stateLock.
func (c *BlockChain) notifyTipChange(oldTip *blockNode) {
	defer clear(c.touched)
	newTip := c.tip()
	if newTip == oldTip {
		return
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
	for i := len(connected) - 1; i >= 0; i-- {
		events = append(events, connected[i])
	}

	c.subsLock.Lock()
	subs := slices.Clone(c.subscribers)
	c.subsLock.Unlock()
	for _, ev := range events {
		if ev.Block == nil {
			continue
		}
		for _, fn := range subs {
			fn(ev)
		}
	}
}

func (c *BlockChain) notification(t NotificationType, n *blockNode) Notification {
	b, err := c.loadBlock(n.hash)
	if err != nil {
		c.log.Error("cannot load block for notification", "hash", n.hash, "err", err)
	}
	return Notification{Type: t, Block: b, Hash: n.hash, Height: n.height}
}
