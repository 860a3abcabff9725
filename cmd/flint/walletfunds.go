package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/wallet"
)

// The funds commands: balance, history and list-unspent.

func runWalletBalance(ctx *cli.Context) error {
	return walletOp{sync: true, run: func(s *walletSession) (walletOutput, error) {
		bal := s.snap.Balance()
		return walletOutput{json: balanceJSON(bal), text: func(out io.Writer) error { return printBalance(out, bal) }}, nil
	}}.action(ctx)
}

// balanceJSON is the balance as balance --json and restore --json print it.
func balanceJSON(b wallet.Balance) map[string]chain.Amount {
	return map[string]chain.Amount{"confirmed": b.Confirmed, "unconfirmed": b.Unconfirmed,
		"immature": b.Immature, "total": b.Total()}
}

func printBalance(out io.Writer, b wallet.Balance) error {
	_, err := fmt.Fprintf(out, "confirmed:   %s FLT\nunconfirmed: %s FLT\nimmature:    %s FLT\ntotal:       %s FLT\n",
		b.Confirmed, b.Unconfirmed, b.Immature, b.Total())
	return err
}

// historyEntry is one line of history. In JSON every field has one type:
// amounts (FLT with eight decimals), counts, heights and times are numbers.
type historyEntry struct {
	Kind    string       `json:"kind"` // "sent" or "received"
	TxID    chain.Hash   `json:"txid"`
	Address string       `json:"address"`
	Amount  chain.Amount `json:"amount"`
	Fee     chain.Amount `json:"fee,omitempty"`
	// Status is "confirmed", "unconfirmed", "immature" (a mining reward
	// spendable from MatureHeight) or "dropped" (a payment the node no
	// longer holds).
	Status string `json:"status"`
	// Confirmations and BlockHeight are set once the transaction is in a
	// block whose height the wallet knows.
	Confirmations *uint32 `json:"confirmations,omitempty"`
	BlockHeight   uint32  `json:"blockheight,omitempty"`
	MatureHeight  uint32  `json:"mature_height,omitempty"`
	// Time is in unix seconds: the time of the block holding the
	// transaction or, for a payment in no block, when the wallet
	// broadcast it. Omitted when not known.
	Time int64 `json:"time,omitempty"`
}

// Statuses of history entries and unspent outputs.
const (
	statusConfirmed   = "confirmed"
	statusUnconfirmed = "unconfirmed"
	statusImmature    = "immature"
	statusDropped     = "dropped"
)

// statusText is the entry's status for people.
func (h historyEntry) statusText() string {
	switch {
	case h.Status == statusDropped:
		return "dropped by the node"
	case h.Status == statusImmature:
		return fmt.Sprintf("immature until height %d", h.MatureHeight)
	case h.Confirmations != nil && *h.Confirmations == 1:
		return "1 confirmation"
	case h.Confirmations != nil && *h.Confirmations > 1:
		return fmt.Sprintf("%d confirmations", *h.Confirmations)
	}
	return h.Status
}

// historyTimeLayout is how history prints a time for people: RFC 3339 in
// UTC, one width for every line.
const historyTimeLayout = "2006-01-02T15:04:05Z"

// timeText is the entry's time for people, or a dash when not known.
func (h historyEntry) timeText() string {
	if h.Time == 0 {
		return fmt.Sprintf("%-*s", len(historyTimeLayout), "-")
	}
	return time.Unix(h.Time, 0).UTC().Format(historyTimeLayout)
}

func runWalletHistory(ctx *cli.Context) error {
	return walletOp{sync: true, run: func(s *walletSession) (walletOutput, error) {
		entries := historyEntries(s.wallet.History(), s.snap)
		return walletOutput{json: entries, text: func(out io.Writer) error {
			for _, h := range entries {
				fee := ""
				if h.Kind == "sent" {
					fee = "  fee " + h.Fee.String()
				}
				fmt.Fprintf(out, "%s  %-8s %s FLT%s  %s  %s  %s\n", h.timeText(), h.Kind, h.Amount, fee, h.statusText(), h.Address, h.TxID)
			}
			return nil
		}}, nil
	}}.action(ctx)
}

// historyEntries merges the payments the wallet sent with the coins it
// received and still holds, newest first: what is in no block yet, then
// by block height from the tip down, then the payments the node dropped.
func historyEntries(sent []wallet.SentTx, snap *wallet.Snapshot) []historyEntry {
	entries := []historyEntry{}
	broadcast := make(map[chain.Hash]int64, len(sent))
	for _, s := range sent {
		broadcast[s.TxID] = s.Time
		h := historyEntry{Kind: "sent", TxID: s.TxID, Address: s.To, Amount: s.Amount, Fee: s.Fee,
			Status: statusDropped, Time: s.Time}
		switch {
		case s.Pending:
			h.Status = statusUnconfirmed
		case s.Confirmed:
			h.Status = statusConfirmed
			if s.BlockTime != 0 {
				h.Time = s.BlockTime
			}
			if s.Height != 0 && s.Height <= snap.Height {
				conf := snap.Height - s.Height + 1
				h.Confirmations, h.BlockHeight = &conf, s.Height
			}
		}
		entries = append(entries, h)
	}
	// The node reports unspent outputs only: money received and still
	// held. Change is not income and is left out.
	for _, c := range snap.Coins {
		if c.Branch != wallet.ReceiveBranch {
			continue
		}
		h := historyEntry{Kind: "received", TxID: c.OutPoint.TxID, Address: c.Address,
			Amount: chain.Amount(c.Value), Status: coinStatus(c), Confirmations: &c.Confirmations,
			MatureHeight: c.MatureHeight, Time: c.BlockTime}
		if c.Confirmations > 0 {
			h.BlockHeight = c.Height
		} else {
			h.Time = broadcast[c.OutPoint.TxID] // a payment to itself, not yet mined
		}
		entries = append(entries, h)
	}
	// Sent payments are oldest first: reversed, the stable sort keeps the
	// newest first among equals.
	slices.Reverse(entries[:len(sent)])
	slices.SortStableFunc(entries, func(a, b historyEntry) int {
		if c := cmp.Compare(historyRank(a), historyRank(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.BlockHeight, a.BlockHeight); c != 0 {
			return c
		}
		return cmp.Compare(b.Time, a.Time)
	})
	return entries
}

// historyRank orders the groups of history: unconfirmed (the newest),
// then in a block, then dropped.
func historyRank(h historyEntry) int {
	switch h.Status {
	case statusUnconfirmed:
		return 0
	case statusDropped:
		return 2
	}
	return 1
}

// coinStatus is a coin's status: immature, unconfirmed or confirmed.
func coinStatus(c wallet.Coin) string {
	switch {
	case c.Immature:
		return statusImmature
	case c.Confirmations == 0:
		return statusUnconfirmed
	}
	return statusConfirmed
}

// coinStatusText is a coin's status for people.
func coinStatusText(c wallet.Coin) string {
	return historyEntry{Status: coinStatus(c), Confirmations: &c.Confirmations, MatureHeight: c.MatureHeight}.statusText()
}

// unspentEntry is one coin in list-unspent's JSON.
type unspentEntry struct {
	TxID          chain.Hash   `json:"txid"`
	Vout          uint32       `json:"vout"`
	Address       string       `json:"address"`
	Amount        chain.Amount `json:"amount"`
	Confirmations uint32       `json:"confirmations"`
	Status        string       `json:"status"`
	MatureHeight  uint32       `json:"mature_height,omitempty"`
	Coinbase      bool         `json:"coinbase"`
	Spendable     bool         `json:"spendable"`
	Change        bool         `json:"change"`
}

func runWalletListUnspent(ctx *cli.Context) error {
	return walletOp{sync: true, run: func(s *walletSession) (walletOutput, error) {
		coins := s.snap.Coins
		entries := []unspentEntry{}
		for _, c := range coins {
			entries = append(entries, unspentEntry{TxID: c.OutPoint.TxID, Vout: c.OutPoint.Index, Address: c.Address,
				Amount: chain.Amount(c.Value), Confirmations: c.Confirmations, Status: coinStatus(c),
				MatureHeight: c.MatureHeight, Coinbase: c.Coinbase,
				Spendable: !c.Immature, Change: c.Branch == wallet.ChangeBranch})
		}
		return walletOutput{json: entries, text: func(out io.Writer) error {
			for _, c := range coins {
				fmt.Fprintf(out, "%s:%d  %s FLT  %s  %s\n", c.OutPoint.TxID, c.OutPoint.Index, chain.Amount(c.Value), c.Address, coinStatusText(c))
			}
			return nil
		}}, nil
	}}.action(ctx)
}
