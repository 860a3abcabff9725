package wallet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flint-chain/flint/chain"
)

// DefaultFeeTarget is the confirmation target, in blocks, of the node's fee
// estimate when no fee rate is given.
const DefaultFeeTarget = 6

// Payment is a request to pay one address.
type Payment struct {
	// To is the payee's address on the wallet's network.
	To string
	// Amount is what the payee receives; it must be at least DustLimit.
	// With SubtractFee the fee comes out of it; with All it must be zero.
	Amount chain.Amount
	// FeeRate is in base units per byte; zero asks the node for an
	// estimate for DefaultFeeTarget blocks.
	FeeRate uint64
	// SubtractFee takes the fee from Amount, as Bitcoin Core's
	// subtractfeefromamount: the wallet spends Amount and the payee
	// receives Amount less the fee. When the coins it spends leave less
	// than DustLimit beyond Amount, that remainder goes to the payee
	// rather than to a change output.
	SubtractFee bool
	// All sweeps every spendable coin (confirmed, and the unconfirmed
	// change of the wallet's own payments) to To in one transaction
	// without change; the payee receives their sum less the fee.
	All bool
}

// Draft is a signed transaction not yet broadcast, with what a user
// confirms before sending it.
type Draft struct {
	// Tx is the signed transaction.
	Tx *chain.Tx
	// TxID is Tx's txid.
	TxID chain.Hash
	// To is the payee and Amount what the payee receives: the payment's
	// amount, or with FeeFromAmount, what is left of it (or of the whole
	// balance) after the fee.
	To     string
	Amount chain.Amount
	// FeeFromAmount is set when the fee came out of the amount
	// (Payment.SubtractFee or Payment.All).
	FeeFromAmount bool
	// Fee is what the inputs hold beyond the outputs, FeeRate the rate it
	// was computed at and Size the serialised size it was computed on.
	Fee     chain.Amount
	FeeRate uint64
	Size    int
	// Change is the value returned to the wallet (zero for none) and
	// ChangeAddress the fresh change address it goes to.
	Change        chain.Amount
	ChangeAddress string
	// Inputs are the coins spent.
	Inputs []Coin

	changeIndex uint32
}

// CreateTransaction builds and signs a transaction paying p, without
// broadcasting it or changing the wallet file. It syncs with the node
// first. The errors are single sentences: an address of another network
// or a bad checksum (wrapping chain.ErrInvalidAddress), an amount below
// DustLimit, an amount given with All, a fee rate above MaxFeeRate,
// insufficient funds (an *InsufficientFundsError, which says how much is
// missing, or for All that there is nothing to send), funds that are all
// immature (ErrOnlyImmature), an amount the fee would leave below
// DustLimit with SubtractFee or All (ErrDustAfterFee), or funds that
// would cover the payment in more coins than one transaction holds (a
// *TooManyInputsError, which suggests consolidating).
func (w *Wallet) CreateTransaction(ctx context.Context, node Node, p Payment) (*Draft, error) {
	payee, err := chain.DecodeAddress(w.params, p.To)
	if err != nil {
		return nil, fmt.Errorf("pay to %q: %w", p.To, err)
	}
	switch {
	case p.All && p.Amount != 0:
		return nil, errors.New("an amount cannot be given when sending all the wallet's coins")
	case p.All:
	case p.Amount < DustLimit:
		return nil, fmt.Errorf("amount %s FLT is below the dust limit of %s FLT", p.Amount, chain.Amount(DustLimit))
	case p.Amount > chain.MaxMoney:
		return nil, fmt.Errorf("amount %s FLT is above the supply limit", p.Amount)
	}
	feeRate := p.FeeRate
	if feeRate == 0 {
		if feeRate, err = node.EstimateFeeRate(ctx, DefaultFeeTarget); err != nil {
			return nil, fmt.Errorf("node fee estimate: %w", err)
		}
		feeRate = max(feeRate, 1)
	}
	if feeRate > MaxFeeRate {
		return nil, fmt.Errorf("fee rate of %d units per byte is above the wallet's limit of %d", feeRate, MaxFeeRate)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	// Nothing is written until Send: a refused payment leaves the file
	// as it was.
	snap, err := w.syncLocked(ctx, node, false)
	if err != nil {
		return nil, err
	}
	var spendable []Coin
	var values []uint64
	var immature chain.Amount
	var matureAt uint32
	for _, c := range snap.Coins {
		if c.Immature {
			immature += chain.Amount(c.Value)
			if matureAt == 0 || c.MatureHeight < matureAt {
				matureAt = c.MatureHeight
			}
			continue
		}
		spendable = append(spendable, c)
		values = append(values, c.Value)
	}
	var sel selection
	payAmount := uint64(p.Amount)
	switch {
	case p.All:
		sel, payAmount, err = selectAll(values, feeRate)
	case p.SubtractFee:
		sel, payAmount, err = selectSubtractFee(values, uint64(p.Amount), feeRate)
	default:
		sel, err = selectCoins(values, uint64(p.Amount), feeRate)
	}
	if err != nil {
		var ife *InsufficientFundsError
		if errors.As(err, &ife) {
			ife.Immature, ife.MatureHeight = immature, matureAt
		}
		return nil, err
	}

	d := &Draft{To: p.To, Amount: chain.Amount(payAmount), FeeFromAmount: p.All || p.SubtractFee,
		Fee: chain.Amount(sel.Fee), FeeRate: feeRate, Change: chain.Amount(sel.Change)}
	tx := &chain.Tx{Version: 1}
	spent := make([]chain.TxOut, 0, len(sel.Indexes))
	for _, i := range sel.Indexes {
		c := spendable[i]
		d.Inputs = append(d.Inputs, c)
		tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: c.OutPoint})
		spent = append(spent, chain.TxOut{Value: c.Value, PubKey: c.PubKey})
	}
	tx.Outputs = append(tx.Outputs, chain.TxOut{Value: payAmount, PubKey: payee})
	if sel.Change > 0 {
		d.changeIndex = w.state.NextChange
		kp := keyPath{ChangeBranch, d.changeIndex}
		changeKey, err := w.pubKeyLocked(kp)
		if err != nil {
			return nil, err
		}
		d.ChangeAddress = chain.EncodeAddress(w.params, changeKey)
		tx.Outputs = append(tx.Outputs, chain.TxOut{Value: sel.Change, PubKey: changeKey})
	}
	if err := w.signLocked(tx, d.Inputs, spent); err != nil {
		return nil, err
	}
	d.Tx, d.TxID, d.Size = tx, tx.TxID(), tx.SerializeSize()
	if err := checkDraft(d, sel); err != nil {
		return nil, err
	}
	w.log.Debug("transaction built", "txid", d.TxID, "inputs", len(tx.Inputs), "outputs", len(tx.Outputs),
		"size", d.Size, "fee", d.Fee, "fee_rate", feeRate, "change", d.Change)
	return d, nil
}

// signLocked signs every input of tx; coins and spent are in input order.
// Caller holds mu.
func (w *Wallet) signLocked(tx *chain.Tx, coins []Coin, spent []chain.TxOut) error {
	txid := tx.TxID()
	for i, c := range coins {
		priv, err := w.keys.privKey(keyPath{c.Branch, c.Index})
		if err != nil {
			return err
		}
		hash := chain.CalcSigHash(w.params.GenesisHash, txid, i, spent)
		sig, err := signHashRandom(priv, hash)
		priv.Zero()
		if err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
		tx.Inputs[i].Witness = sig
	}
	return nil
}

// checkDraft is a last check that the transaction is what selection
// decided and that consensus would take it: its size is the one the fee
// was computed on, the fee is what the inputs leave, and the context-free
// rules pass.
func checkDraft(d *Draft, sel selection) error {
	if err := chain.CheckTransactionSanity(d.Tx); err != nil {
		return fmt.Errorf("built an invalid transaction: %w", err)
	}
	if want := txSize(len(d.Tx.Inputs), len(d.Tx.Outputs)); d.Size != want {
		return fmt.Errorf("built a transaction of %d bytes, expected %d", d.Size, want)
	}
	var out uint64
	for _, o := range d.Tx.Outputs {
		out += o.Value
	}
	if sel.Total-out != uint64(d.Fee) || uint64(d.Fee) < d.FeeRate*uint64(d.Size) {
		return fmt.Errorf("built a transaction whose fee %d does not match the selection", sel.Total-out)
	}
	return nil
}

// Send broadcasts a draft from CreateTransaction and records it: its
// inputs are no longer offered, its change is spendable at once, and the
// change index moves on. A draft made before another Send used its change
// address is refused; make a new one. If the node accepts the transaction
// but the file cannot be written, the txid is returned with an error
// saying so.
func (w *Wallet) Send(ctx context.Context, node Node, d *Draft) (chain.Hash, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d.Change > 0 && d.changeIndex != w.state.NextChange {
		return chain.Hash{}, errors.New("the draft is stale: another transaction used its change address; build it again")
	}
	txid, err := node.SendRawTransaction(ctx, d.Tx)
	if err != nil {
		return chain.Hash{}, fmt.Errorf("node refused the transaction: %w", err)
	}
	if txid != d.TxID {
		w.log.Warn("node reported another txid", "want", d.TxID, "got", txid)
	}
	if d.Change > 0 {
		w.state.NextChange = d.changeIndex + 1
	}
	w.state.Sent = append(w.state.Sent, SentTx{
		TxID: d.TxID, Raw: d.Tx.Serialize(), Time: time.Now().Unix(), To: d.To,
		Amount: d.Amount, Fee: d.Fee, Change: d.Change, Pending: true,
	})
	w.log.Info("transaction sent", "txid", d.TxID, "amount", d.Amount, "fee", d.Fee)
	if err := w.save(false); err != nil {
		return d.TxID, fmt.Errorf("transaction %s was broadcast but the wallet file could not be updated: %w", d.TxID, err)
	}
	return d.TxID, nil
}
