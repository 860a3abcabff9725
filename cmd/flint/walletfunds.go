package main

import (
	"fmt"
	"io"

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
func balanceJSON(b wallet.Balance) map[string]wallet.Amount {
	return map[string]wallet.Amount{"confirmed": b.Confirmed, "unconfirmed": b.Unconfirmed,
		"immature": b.Immature, "total": b.Total()}
}

func printBalance(out io.Writer, b wallet.Balance) error {
	_, err := fmt.Fprintf(out, "confirmed:   %s FLT\nunconfirmed: %s FLT\nimmature:    %s FLT\ntotal:       %s FLT\n",
		b.Confirmed, b.Unconfirmed, b.Immature, b.Total())
	return err
}

// historyEntry is one line of history. In JSON every field has one type:
// amounts are decimal strings of FLT, counts and heights numbers.
type historyEntry struct {
	Kind    string        `json:"kind"` // "sent" or "received"
	TxID    chain.Hash    `json:"txid"`
	Address string        `json:"address"`
	Amount  wallet.Amount `json:"amount"`
	Fee     wallet.Amount `json:"fee,omitempty"`
	// Status is "confirmed", "unconfirmed", "immature" (a mining reward
	// spendable from MatureHeight) or "dropped" (a payment the node no
	// longer holds).
	Status string `json:"status"`
	// Confirmations is known for received coins only.
	Confirmations *uint32 `json:"confirmations,omitempty"`
	MatureHeight  uint32  `json:"mature_height,omitempty"`
	Time          int64   `json:"time,omitempty"`
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
	case h.Confirmations != nil && *h.Confirmations > 0:
		return fmt.Sprintf("%d confirmations", *h.Confirmations)
	}
	return h.Status
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
				fmt.Fprintf(out, "%-8s %s FLT%s  %s  %s  %s\n", h.Kind, h.Amount, fee, h.statusText(), h.Address, h.TxID)
			}
			return nil
		}}, nil
	}}.action(ctx)
}

// historyEntries merges the payments the wallet sent with the coins it
// received and still holds.
func historyEntries(sent []wallet.SentTx, snap *wallet.Snapshot) []historyEntry {
	entries := []historyEntry{}
	for _, s := range sent {
		status := statusDropped
		switch {
		case s.Pending:
			status = statusUnconfirmed
		case s.Confirmed:
			status = statusConfirmed
		}
		entries = append(entries, historyEntry{Kind: "sent", TxID: s.TxID, Address: s.To, Amount: s.Amount,
			Fee: s.Fee, Status: status, Time: s.Time})
	}
	// The node reports unspent outputs only: money received and still
	// held. Change is not income and is left out.
	for _, c := range snap.Coins {
		if c.Branch != wallet.ReceiveBranch {
			continue
		}
		entries = append(entries, historyEntry{Kind: "received", TxID: c.OutPoint.TxID, Address: c.Address,
			Amount: wallet.Amount(c.Value), Status: coinStatus(c), Confirmations: &c.Confirmations,
			MatureHeight: c.MatureHeight})
	}
	return entries
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
	TxID          chain.Hash    `json:"txid"`
	Vout          uint32        `json:"vout"`
	Address       string        `json:"address"`
	Amount        wallet.Amount `json:"amount"`
	Confirmations uint32        `json:"confirmations"`
	Status        string        `json:"status"`
	MatureHeight  uint32        `json:"mature_height,omitempty"`
	Coinbase      bool          `json:"coinbase"`
	Spendable     bool          `json:"spendable"`
	Change        bool          `json:"change"`
}

func runWalletListUnspent(ctx *cli.Context) error {
	return walletOp{sync: true, run: func(s *walletSession) (walletOutput, error) {
		coins := s.snap.Coins
		entries := []unspentEntry{}
		for _, c := range coins {
			entries = append(entries, unspentEntry{TxID: c.OutPoint.TxID, Vout: c.OutPoint.Index, Address: c.Address,
				Amount: wallet.Amount(c.Value), Confirmations: c.Confirmations, Status: coinStatus(c),
				MatureHeight: c.MatureHeight, Coinbase: c.Coinbase,
				Spendable: !c.Immature, Change: c.Branch == wallet.ChangeBranch})
		}
		return walletOutput{json: entries, text: func(out io.Writer) error {
			for _, c := range coins {
				fmt.Fprintf(out, "%s:%d  %s FLT  %s  %s\n", c.OutPoint.TxID, c.OutPoint.Index, wallet.Amount(c.Value), c.Address, coinStatusText(c))
			}
			return nil
		}}, nil
	}}.action(ctx)
}
