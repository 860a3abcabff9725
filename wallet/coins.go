package wallet

import (
	"context"
	"fmt"
	"slices"

	"github.com/flint-chain/flint/chain"
)

// Coin is an unspent output the wallet owns.
type Coin struct {
	Unspent
	// Address is the address the output pays.
	Address string
	// Branch and Index locate its key: m/86'/C'/0'/Branch/Index.
	Branch, Index uint32
	// Immature is set for a coinbase output that may not be spent in the
	// next block (Height + CoinbaseMaturity > next height).
	Immature bool
	// MatureHeight is the first height at which a coinbase output can be
	// spent; zero for other outputs.
	MatureHeight uint32
}

// Balance is the wallet's money by state, in base units.
type Balance struct {
	// Confirmed is spendable money in mined blocks.
	Confirmed chain.Amount `json:"confirmed"`
	// Unconfirmed is money in transactions not yet mined (the change of
	// the wallet's own transactions, or outputs the node lists from its
	// mempool). The wallet spends it.
	Unconfirmed chain.Amount `json:"unconfirmed"`
	// Immature is mining rewards that cannot be spent yet.
	Immature chain.Amount `json:"immature"`
}

// Total returns the sum of the three parts.
func (b Balance) Total() chain.Amount { return b.Confirmed + b.Unconfirmed + b.Immature }

// Snapshot is the wallet's coins at one node height.
type Snapshot struct {
	// Height is the node's best height when the coins were listed.
	Height uint32
	// Coins are the wallet's unspent outputs, spendable or not, largest
	// first.
	Coins []Coin
}

// Balance sums the snapshot's coins by state.
func (s *Snapshot) Balance() Balance {
	var b Balance
	for _, c := range s.Coins {
		switch {
		case c.Immature:
			b.Immature += chain.Amount(c.Value)
		case c.Confirmations == 0:
			b.Unconfirmed += chain.Amount(c.Value)
		default:
			b.Confirmed += chain.Amount(c.Value)
		}
	}
	return b
}

// Sync asks the node for the wallet's unspent outputs, advances the
// address indexes past every used address (saving the file if they
// moved), and returns the coins. Unconfirmed change of the wallet's own
// transactions is included; their spent inputs are not.
func (w *Wallet) Sync(ctx context.Context, node Node) (*Snapshot, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncLocked(ctx, node, true)
}

// Balance returns the wallet's balance (see Sync).
func (w *Wallet) Balance(ctx context.Context, node Node) (Balance, error) {
	s, err := w.Sync(ctx, node)
	if err != nil {
		return Balance{}, err
	}
	return s.Balance(), nil
}

// syncLocked is Sync; with persist false the moved indexes stay in memory
// until the next save. Caller holds mu.
func (w *Wallet) syncLocked(ctx context.Context, node Node, persist bool) (*Snapshot, error) {
	before := [2]uint32{w.state.NextReceive, w.state.NextChange}
	height, err := node.BestHeight(ctx)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	utxos, err := w.scanLocked(ctx, node)
	if err != nil {
		return nil, err
	}
	utxos, sentMoved, err := w.applyPendingLocked(ctx, node, height, utxos)
	if err != nil {
		return nil, err
	}
	moved := before != [2]uint32{w.state.NextReceive, w.state.NextChange} || sentMoved
	if persist && moved {
		if err := w.save(false); err != nil {
			return nil, err
		}
	}
	snap := &Snapshot{Height: height}
	for _, u := range utxos {
		kp, ok := w.owned[u.PubKey]
		if !ok {
			continue // not ours: a node bug or a key past the window
		}
		c := Coin{Unspent: u, Address: chain.EncodeAddress(w.params, u.PubKey), Branch: kp.Branch, Index: kp.Index}
		if u.Coinbase {
			c.MatureHeight = u.Height + w.params.CoinbaseMaturity
			c.Immature = c.MatureHeight > height+1
		}
		snap.Coins = append(snap.Coins, c)
	}
	slices.SortStableFunc(snap.Coins, func(a, b Coin) int {
		switch {
		case a.Value > b.Value:
			return -1
		case a.Value < b.Value:
			return 1
		}
		return 0
	})
	w.log.Debug("wallet synced", "height", height, "coins", len(snap.Coins),
		"next_receive", w.state.NextReceive, "next_change", w.state.NextChange)
	return snap, nil
}

// scanLocked lists the unspent outputs of the watched addresses of both
// branches, widening the window while used addresses are found inside
// its last GapLimit, so that a restore finds every address used with
// gaps shorter than GapLimit. It moves NextReceive and NextChange past
// the last used address but does not save. Caller holds mu.
func (w *Wallet) scanLocked(ctx context.Context, node Node) ([]Unspent, error) {
	seen := make(map[chain.OutPoint]bool)
	var all []Unspent
	scanned := [2]uint32{}
	for {
		var addrs []string
		for b := ReceiveBranch; b <= ChangeBranch; b++ {
			watched, err := w.watchedLocked(b)
			if err != nil {
				return nil, err
			}
			addrs = append(addrs, watched[scanned[b]:]...)
			scanned[b] = uint32(len(watched))
		}
		if len(addrs) == 0 {
			return all, nil
		}
		utxos, err := node.ListUnspent(ctx, addrs)
		if err != nil {
			return nil, fmt.Errorf("node: %w", err)
		}
		for _, u := range utxos {
			kp, ok := w.owned[u.PubKey]
			if !ok || seen[u.OutPoint] {
				continue
			}
			seen[u.OutPoint] = true
			all = append(all, u)
			w.markUsedLocked(kp)
		}
	}
}

// markUsedLocked moves the branch's next index past kp. Caller holds mu.
func (w *Wallet) markUsedLocked(kp keyPath) {
	next := &w.state.NextReceive
	if kp.Branch == ChangeBranch {
		next = &w.state.NextChange
	}
	if kp.Index >= *next {
		*next = kp.Index + 1
	}
}

// applyPendingLocked merges the wallet's own unconfirmed transactions into
// the node's listing: while the node holds one in its mempool, its inputs
// are spent and its outputs to the wallet (change, payments to itself) are
// unconfirmed coins. Once the node has it in a block, or no longer has it
// at all (a conflict won, or it was dropped), it stops being pending; the
// node's own listing then tells the truth. Recently confirmed or dropped
// transactions are asked about again (see mayBeReorgedLocked): one back in
// the mempool is pending again. It reports whether any sent transaction's
// state changed. Caller holds mu.
func (w *Wallet) applyPendingLocked(ctx context.Context, node Node, tip uint32, utxos []Unspent) ([]Unspent, bool, error) {
	byOp := make(map[chain.OutPoint]int, len(utxos))
	for i, u := range utxos {
		byOp[u.OutPoint] = i
	}
	removed := make(map[chain.OutPoint]bool)
	changed := false
	for i := range w.state.Sent {
		s := &w.state.Sent[i]
		if !s.Pending && !w.mayBeReorgedLocked(s, tip) {
			continue
		}
		st, err := node.TxState(ctx, s.TxID)
		if err != nil {
			return nil, false, fmt.Errorf("node: %w", err)
		}
		if st.Status != TxInMempool {
			confirmed, droppedAt := st.Status == TxConfirmed, s.DroppedAt
			switch {
			case confirmed:
				droppedAt = 0
			case s.Pending || s.Confirmed:
				droppedAt = tip // dropped just now
			}
			if s.Pending || s.Confirmed != confirmed || s.Height != st.Height || s.BlockTime != st.BlockTime {
				changed = true
				switch {
				case s.Pending:
					w.log.Debug("sent transaction left the pending set", "txid", s.TxID, "confirmed", confirmed)
				case s.Confirmed && !confirmed:
					w.log.Debug("a reorganisation took a sent transaction out of the chain", "txid", s.TxID, "height", s.Height)
				case confirmed:
					w.log.Debug("a sent transaction was mined in another block", "txid", s.TxID, "height", st.Height)
				}
			}
			s.Pending, s.Confirmed, s.Height, s.BlockTime, s.DroppedAt = false, confirmed, st.Height, st.BlockTime, droppedAt
			continue
		}
		if !s.Pending {
			changed = true
			w.log.Debug("a sent transaction is back in the node's mempool", "txid", s.TxID, "height", s.Height)
			s.Pending, s.Confirmed, s.Height, s.BlockTime, s.DroppedAt = true, false, 0, 0, 0
		}
		tx, err := chain.DecodeTx(s.Raw)
		if err != nil {
			s.Pending = false // cannot happen: the wallet wrote it
			continue
		}
		for _, in := range tx.Inputs {
			removed[in.Prev] = true
		}
		for j, out := range tx.Outputs {
			op := chain.OutPoint{TxID: s.TxID, Index: uint32(j)}
			if _, ok := w.owned[out.PubKey]; !ok {
				continue
			}
			if _, ok := byOp[op]; ok {
				continue
			}
			byOp[op] = len(utxos)
			utxos = append(utxos, Unspent{OutPoint: op, Value: out.Value, PubKey: out.PubKey})
		}
	}
	kept := utxos[:0]
	for _, u := range utxos {
		if !removed[u.OutPoint] {
			kept = append(kept, u)
		}
	}
	return kept, changed, nil
}

// mayBeReorgedLocked reports whether a sent transaction that is not
// pending should be asked about again: it was confirmed less than
// CoinbaseMaturity blocks below tip (a reorganisation may move it to
// another block, back to the mempool, or drop it), or before the wallet
// kept block heights and times, or it was found dropped less than
// CoinbaseMaturity blocks ago (it may still be mined). Older ones are not
// asked about at every sync. Caller holds mu.
func (w *Wallet) mayBeReorgedLocked(s *SentTx, tip uint32) bool {
	if s.Confirmed {
		return s.BlockTime == 0 || s.Height+w.params.CoinbaseMaturity > tip
	}
	return s.DroppedAt+w.params.CoinbaseMaturity > tip
}
