package wallet

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/flint-chain/flint/chain"
)

// DustLimit is the smallest output the wallet creates, in base units. A
// payment below it is refused and change below it is added to the fee.
const DustLimit = 1_000

// MaxFeeRate is the highest fee rate, in units per byte, the wallet pays;
// a higher rate is taken for a typing mistake.
const MaxFeeRate = 100_000

// Sizes of the parts of a serialised transaction (SPEC §3). A signed input
// is its outpoint plus a witness of a one-byte length and a 64-byte
// BIP-340 signature, so the size of a signed transaction is known before
// signing.
const (
	txOverheadSize = 4 + 4  // version, locktime
	inputSize      = 32 + 4 // prev txid, prev index
	witnessSize    = 1 + 64 // varint length, signature
	outputSize     = 8 + 32 // value, x-only key
	signedInSize   = inputSize + witnessSize
)

// txSize returns the serialised size of a signed transaction with nIn
// inputs and nOut outputs.
func txSize(nIn, nOut int) int {
	return txOverheadSize + chain.VarIntSize(uint64(nIn)) + nIn*signedInSize +
		chain.VarIntSize(uint64(nOut)) + nOut*outputSize
}

// bnbMaxTries bounds the branch-and-bound search, as Bitcoin Core does.
const bnbMaxTries = 100_000

// ErrInsufficientFunds is matched (errors.Is) by an *InsufficientFundsError.
var ErrInsufficientFunds = errors.New("insufficient funds")

// ErrOnlyImmature is matched (errors.Is) by an *InsufficientFundsError
// when the wallet's only money is immature mining rewards.
var ErrOnlyImmature = errors.New("the only funds are immature coinbase outputs")

// InsufficientFundsError says how much a payment lacks.
type InsufficientFundsError struct {
	// Amount is the payment and Fee the fee of spending every spendable
	// coin to it (zero when the fee comes out of the amount).
	Amount, Fee chain.Amount
	// FeeFromAmount is set for a payment whose fee comes out of its
	// amount, and All for a sweep of every spendable coin.
	FeeFromAmount, All bool
	// Spendable is what the wallet can spend now; Missing what it lacks.
	Spendable, Missing chain.Amount
	// Immature is mining rewards not yet spendable, and MatureHeight the
	// height at which the first of them matures.
	Immature     chain.Amount
	MatureHeight uint32
}

// Error returns one sentence a user can act on.
func (e *InsufficientFundsError) Error() string {
	if e.Spendable == 0 && e.Immature > 0 {
		return fmt.Sprintf("the only funds are immature coinbase outputs (%s FLT); the first can be spent at height %d",
			e.Immature, e.MatureHeight)
	}
	var s string
	switch {
	case e.All:
		s = "nothing to send: the wallet has no spendable coins"
	case e.FeeFromAmount:
		s = fmt.Sprintf("insufficient funds: sending %s FLT with the fee taken from it but the wallet can spend %s FLT, so %s FLT is missing",
			e.Amount, e.Spendable, e.Missing)
	default:
		s = fmt.Sprintf("insufficient funds: sending %s FLT with a fee of %s FLT needs %s FLT but the wallet can spend %s FLT, so %s FLT is missing",
			e.Amount, e.Fee, e.Amount+e.Fee, e.Spendable, e.Missing)
	}
	if e.Immature > 0 {
		s += fmt.Sprintf(" (%s FLT of mining rewards matures from height %d)", e.Immature, e.MatureHeight)
	}
	return s
}

// Is makes errors.Is match ErrInsufficientFunds, and ErrOnlyImmature when
// it applies.
func (e *InsufficientFundsError) Is(target error) bool {
	return target == ErrInsufficientFunds || (target == ErrOnlyImmature && e.Spendable == 0 && e.Immature > 0)
}

// selection is the outcome of coin selection: which candidates to spend,
// the fee, and the change (zero for none).
type selection struct {
	Indexes []int // into the candidate slice, in the order to spend them
	Total   uint64
	Fee     uint64
	Change  uint64
}

// selectCoins chooses coins (by value) to pay amount at feeRate units per
// byte. It tries branch-and-bound first, which finds a set paying amount
// and fee with an excess small enough to give to the fee instead of
// making change, and falls back to largest-first with change to a new
// output; change below DustLimit is never made. The values are the
// spendable candidates; immature coins must be filtered out before.
func selectCoins(values []uint64, amount, feeRate uint64) (selection, error) {
	if sel, ok := selectBnB(values, amount, feeRate); ok {
		return sel, nil
	}
	return selectLargestFirst(values, amount, feeRate)
}

// finish returns the selection for the coins idx, with change if it is
// worth at least DustLimit after paying for its output, without change if
// the coins pay the fee of a change-less transaction, and ok false if the
// coins do not cover amount and fee.
func finish(idx []int, values []uint64, amount, feeRate uint64) (selection, bool) {
	var total uint64
	for _, i := range idx {
		total += values[i]
	}
	feeChange := feeRate * uint64(txSize(len(idx), 2))
	if total >= amount+feeChange && total-amount-feeChange >= DustLimit {
		return selection{Indexes: idx, Total: total, Fee: feeChange, Change: total - amount - feeChange}, true
	}
	feeNoChange := feeRate * uint64(txSize(len(idx), 1))
	if total >= amount+feeNoChange {
		return selection{Indexes: idx, Total: total, Fee: total - amount}, true
	}
	return selection{}, false
}

// selectBnB searches depth first, largest effective value first, for the
// set of coins whose effective values (value less the fee of spending it)
// sum to between the target (amount plus the fee of a change-less
// transaction without inputs) and the target plus the cost of change (the
// fee of a change output plus DustLimit): any change from such a set would
// be dust or would cost more than it is worth. Of the sets found within
// bnbMaxTries it keeps the one with the least excess.
func selectBnB(values []uint64, amount, feeRate uint64) (selection, bool) {
	inFee := feeRate * signedInSize
	type cand struct {
		idx int
		eff uint64
	}
	var cands []cand
	var remaining uint64
	for i, v := range values {
		if v > inFee {
			cands = append(cands, cand{i, v - inFee})
			remaining += v - inFee
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.eff > b.eff:
			return -1
		case a.eff < b.eff:
			return 1
		}
		return 0
	})
	target := amount + feeRate*uint64(txSize(0, 1))
	upper := target + feeRate*outputSize + DustLimit
	if remaining < target {
		return selection{}, false
	}
	var best []int
	bestExcess := ^uint64(0)
	var cur []int
	tries := 0
	var search func(pos int, sum, left uint64)
	search = func(pos int, sum, left uint64) {
		if tries >= bnbMaxTries || bestExcess == 0 {
			return
		}
		tries++
		if sum > upper || sum+left < target {
			return
		}
		if sum >= target {
			if sum-target < bestExcess {
				bestExcess = sum - target
				best = slices.Clone(cur)
			}
			return // adding more only grows the excess
		}
		if pos == len(cands) {
			return
		}
		c := cands[pos]
		cur = append(cur, c.idx)
		search(pos+1, sum+c.eff, left-c.eff)
		cur = cur[:len(cur)-1]
		search(pos+1, sum, left-c.eff)
	}
	search(0, 0, remaining)
	if best == nil {
		return selection{}, false
	}
	// The input count's varint is assumed one byte above; finish
	// recomputes the fee from the exact size and decides on change.
	sel, ok := finish(best, values, amount, feeRate)
	return sel, ok && sel.Change == 0 && txSize(len(sel.Indexes), 1) <= chain.MaxTxSize
}

// selectLargestFirst adds coins from the largest down until they pay the
// amount and fee.
func selectLargestFirst(values []uint64, amount, feeRate uint64) (selection, error) {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case values[a] > values[b]:
			return -1
		case values[a] < values[b]:
			return 1
		}
		return 0
	})
	var total uint64
	for _, v := range values {
		total += v
	}
	// Funds the balance cannot cover are reported as such, even when
	// the coins would not fit one transaction either.
	if fee := feeRate * uint64(txSize(len(values), 1)); total < amount+fee {
		return selection{}, &InsufficientFundsError{
			Amount:    chain.Amount(amount),
			Fee:       chain.Amount(fee),
			Spendable: chain.Amount(total),
			Missing:   chain.Amount(amount + fee - total),
		}
	}
	var idx []int
	var most uint64 // the value of the inputs that fit
	for _, i := range order {
		if txSize(len(idx)+1, 2) > chain.MaxTxSize {
			return selection{}, &TooManyInputsError{
				Amount:    chain.Amount(amount),
				Spendable: chain.Amount(total),
				Inputs:    len(idx),
				MaxSend:   chain.Amount(most - min(most, feeRate*uint64(txSize(len(idx), 1)))),
			}
		}
		idx = append(idx, i)
		most += values[i]
		if sel, ok := finish(idx, values, amount, feeRate); ok {
			return sel, nil
		}
	}
	// Unreachable: the coins cover amount and the fee of spending them
	// all, so finish accepts them all at the latest.
	return selection{}, fmt.Errorf("no coin selection for %s FLT from %s FLT", chain.Amount(amount), chain.Amount(total))
}

// ErrTooManyInputs is matched (errors.Is) by a *TooManyInputsError.
var ErrTooManyInputs = errors.New("the payment needs too many inputs")

// TooManyInputsError says that the balance covers a payment but that the
// coins it takes do not fit in one transaction.
type TooManyInputsError struct {
	// Amount is the payment and Spendable what the wallet can spend.
	Amount, Spendable chain.Amount
	// Inputs is how many coins fit in one transaction, and MaxSend
	// what those coins, the largest, can pay after the fee.
	Inputs  int
	MaxSend chain.Amount
}

// Error returns one sentence a user can act on.
func (e *TooManyInputsError) Error() string {
	return fmt.Sprintf("the wallet can spend %s FLT but sending %s FLT takes more than %d of its coins, past the %d-byte transaction limit; "+
		"consolidate them first by sending at most %s FLT to an address of this wallet ('flint wallet address'), then send again",
		e.Spendable, e.Amount, e.Inputs, chain.MaxTxSize, e.MaxSend)
}

// Is makes errors.Is match ErrTooManyInputs.
func (e *TooManyInputsError) Is(target error) bool { return target == ErrTooManyInputs }

// ErrDustAfterFee is matched (errors.Is) by a *DustAfterFeeError.
var ErrDustAfterFee = errors.New("the amount less the fee is below the dust limit")

// DustAfterFeeError says that a payment whose fee comes out of its amount
// (or a sweep of the whole balance) would leave the payee less than
// DustLimit.
type DustAfterFeeError struct {
	// Amount is what the fee comes out of, Fee the fee.
	Amount, Fee chain.Amount
	// All is set for a sweep of every spendable coin.
	All bool
}

// Error returns one sentence a user can act on.
func (e *DustAfterFeeError) Error() string {
	what := fmt.Sprintf("sending %s FLT", e.Amount)
	if e.All {
		what = fmt.Sprintf("sending all %s FLT the wallet can spend", e.Amount)
	}
	if e.Fee >= e.Amount {
		return fmt.Sprintf("%s with the fee taken from it leaves nothing: the fee is %s FLT", what, e.Fee)
	}
	return fmt.Sprintf("%s with the fee of %s FLT taken from it leaves %s FLT, below the dust limit of %s FLT",
		what, e.Fee, e.Amount-e.Fee, chain.Amount(DustLimit))
}

// Is makes errors.Is match ErrDustAfterFee.
func (e *DustAfterFeeError) Is(target error) bool { return target == ErrDustAfterFee }

// largestFirst returns the indexes of values from the largest value down.
func largestFirst(values []uint64) []int {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(values[b], values[a]) })
	return order
}

// selectAll spends every coin to one output without change, the fee taken
// from their sum, and returns the selection and what the payee receives.
func selectAll(values []uint64, feeRate uint64) (selection, uint64, error) {
	if len(values) == 0 {
		return selection{}, 0, &InsufficientFundsError{All: true}
	}
	idx := largestFirst(values)
	var total uint64
	for _, v := range values {
		total += v
	}
	if txSize(len(idx), 1) > chain.MaxTxSize {
		fit := maxInputs(1)
		var most uint64
		for _, i := range idx[:fit] {
			most += values[i]
		}
		return selection{}, 0, &TooManyInputsError{Amount: chain.Amount(total), Spendable: chain.Amount(total), Inputs: fit,
			MaxSend: chain.Amount(most - min(most, feeRate*uint64(txSize(fit, 1))))}
	}
	fee := feeRate * uint64(txSize(len(idx), 1))
	if fee >= total || total-fee < DustLimit {
		return selection{}, 0, &DustAfterFeeError{Amount: chain.Amount(total), Fee: chain.Amount(fee), All: true}
	}
	return selection{Indexes: idx, Total: total, Fee: fee}, total - fee, nil
}

// selectSubtractFee chooses coins, largest first, until they cover amount
// alone, and takes the fee from the payee's output: the payee receives
// amount less the fee and the change is what the coins hold beyond amount.
// Change below DustLimit is not made and goes to the payee instead. It
// returns the selection and what the payee receives.
func selectSubtractFee(values []uint64, amount, feeRate uint64) (selection, uint64, error) {
	var total uint64
	for _, v := range values {
		total += v
	}
	if total < amount {
		return selection{}, 0, &InsufficientFundsError{Amount: chain.Amount(amount), FeeFromAmount: true,
			Spendable: chain.Amount(total), Missing: chain.Amount(amount - total)}
	}
	var idx []int
	var sum uint64
	for _, i := range largestFirst(values) {
		if txSize(len(idx)+1, 2) > chain.MaxTxSize {
			return selection{}, 0, &TooManyInputsError{Amount: chain.Amount(amount), Spendable: chain.Amount(total), Inputs: len(idx),
				MaxSend: chain.Amount(sum - min(sum, feeRate*uint64(txSize(len(idx), 1))))}
		}
		idx = append(idx, i)
		sum += values[i]
		if sum >= amount {
			break
		}
	}
	sel := selection{Indexes: idx, Total: sum}
	if change := sum - amount; change >= DustLimit {
		sel.Fee, sel.Change = feeRate*uint64(txSize(len(idx), 2)), change
	} else {
		sel.Fee = feeRate * uint64(txSize(len(idx), 1))
	}
	if sel.Fee >= amount || amount-sel.Fee < DustLimit {
		return selection{}, 0, &DustAfterFeeError{Amount: chain.Amount(amount), Fee: chain.Amount(sel.Fee)}
	}
	return sel, sum - sel.Change - sel.Fee, nil
}

// maxInputs returns how many signed inputs fit in one transaction with
// nOut outputs.
func maxInputs(nOut int) int {
	n := (chain.MaxTxSize - txSize(0, nOut)) / signedInSize
	for n > 0 && txSize(n, nOut) > chain.MaxTxSize {
		n--
	}
	return n
}
