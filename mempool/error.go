package mempool

import (
	"errors"
	"fmt"

	"github.com/flint-chain/flint/chain"
)

// Class says what a refusal proves about the peer that sent the
// transaction. The p2p layer penalises a peer only for ClassConsensus.
type Class string

const (
	// ClassConsensus: the transaction breaks a consensus rule and can never
	// be valid in any block (malformed, bad signature, spends more than its
	// inputs, ...). Only a faulty or hostile peer relays it: penalise.
	ClassConsensus = Class("consensus")
	// ClassPolicy: the transaction may be valid, but this node does not
	// take it now (fee too low, dust, conflict, chain limits, not final or
	// immature yet, pool full, duplicate). Honest peers with other
	// policies or another view of the tip send such transactions: never
	// penalise.
	ClassPolicy = Class("policy")
)

// ErrorKind identifies why the pool refused a transaction, usable with
// errors.Is, for example errors.Is(err, mempool.ErrDust).
type ErrorKind string

// Error satisfies the error interface.
func (e ErrorKind) Error() string { return string(e) }

// Refusal kinds. ErrInvalid is the one consensus kind: the chain.ErrorKind
// of the broken rule is wrapped next to it, so errors.Is(err,
// chain.ErrDuplicateInput) also works. Every other kind is a policy kind.
const (
	// ErrInvalid: the transaction breaks a consensus rule (class
	// consensus); the chain rule is wrapped.
	ErrInvalid = ErrorKind("ErrInvalid")
	// ErrNotYetValid: the transaction is not final at the next height and
	// median time past, or spends a coinbase that is not yet mature. It may
	// become valid later, so it is a policy refusal; the chain rule
	// (chain.ErrUnfinalizedTx or chain.ErrImmatureSpend) is wrapped.
	ErrNotYetValid = ErrorKind("ErrNotYetValid")
	// ErrDuplicate: the transaction is already in the pool or the orphan
	// pool.
	ErrDuplicate = ErrorKind("ErrDuplicate")
	// ErrAlreadyConfirmed: an output of the transaction is already in the
	// UTXO set, so the transaction is in the chain.
	ErrAlreadyConfirmed = ErrorKind("ErrAlreadyConfirmed")
	// ErrInsufficientFee: the fee rate is below the minimum relay fee rate
	// or the pool's current (rising) minimum fee rate.
	ErrInsufficientFee = ErrorKind("ErrInsufficientFee")
	// ErrDust: an output pays less than the dust limit.
	ErrDust = ErrorKind("ErrDust")
	// ErrAncestorLimit: the transaction would have too many unconfirmed
	// ancestors, or they would be too large together.
	ErrAncestorLimit = ErrorKind("ErrAncestorLimit")
	// ErrDescendantLimit: an unconfirmed ancestor would have too many
	// descendants.
	ErrDescendantLimit = ErrorKind("ErrDescendantLimit")
	// ErrReplaceFeeRate: the transaction conflicts with a pool transaction
	// whose fee rate is not lower than its own.
	ErrReplaceFeeRate = ErrorKind("ErrReplaceFeeRate")
	// ErrReplaceFee: the transaction's fee does not exceed the fees of all
	// the transactions it would replace by at least the minimum relay fee
	// for its own size.
	ErrReplaceFee = ErrorKind("ErrReplaceFee")
	// ErrReplaceTooMany: the replacement would evict more transactions
	// (conflicts and their descendants) than allowed.
	ErrReplaceTooMany = ErrorKind("ErrReplaceTooMany")
	// ErrReplaceSpendsConflict: the transaction spends an output of a
	// transaction it would replace.
	ErrReplaceSpendsConflict = ErrorKind("ErrReplaceSpendsConflict")
	// ErrPoolFull: the pool is at its byte budget and the transaction's
	// package has the lowest fee rate, so it was evicted at once.
	ErrPoolFull = ErrorKind("ErrPoolFull")
)

// RuleError is a refusal of a transaction. Class tells a consensus
// violation from a policy refusal; Kind is the mempool kind; Err, when set,
// is the chain.RuleError behind it. errors.Is matches both Kind and the
// chain kind inside Err.
type RuleError struct {
	Class       Class
	Kind        ErrorKind
	Err         error
	Description string
}

// Error satisfies the error interface.
func (e *RuleError) Error() string { return e.Description }

// Unwrap returns the kind and the wrapped chain error, if any.
func (e *RuleError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// IsConsensusError reports whether err is a refusal for a consensus
// violation: the peer that sent the transaction should be penalised.
// Policy refusals, orphans and internal errors return false.
func IsConsensusError(err error) bool {
	var re *RuleError
	return errors.As(err, &re) && re.Class == ClassConsensus
}

// IsPolicyError reports whether err is a policy refusal: the transaction
// is not taken, but its sender did nothing wrong.
func IsPolicyError(err error) bool {
	var re *RuleError
	return errors.As(err, &re) && re.Class == ClassPolicy
}

// policyError returns a policy refusal of the given kind.
func policyError(kind ErrorKind, format string, args ...any) *RuleError {
	return &RuleError{Class: ClassPolicy, Kind: kind, Description: fmt.Sprintf(format, args...)}
}

// chainError classifies an error from the chain package. A RuleError is a
// consensus violation, except the rules whose outcome depends on the tip
// (finality and coinbase maturity), which are policy refusals of kind
// ErrNotYetValid. Anything else (a database failure, an AssertError) is
// returned unchanged: it says nothing about the transaction.
func chainError(err error) error {
	var re chain.RuleError
	if !errors.As(err, &re) {
		return err
	}
	if errors.Is(err, chain.ErrUnfinalizedTx) || errors.Is(err, chain.ErrImmatureSpend) {
		return &RuleError{Class: ClassPolicy, Kind: ErrNotYetValid, Err: re, Description: re.Description}
	}
	return &RuleError{Class: ClassConsensus, Kind: ErrInvalid, Err: re, Description: re.Description}
}

// consensusError returns a consensus refusal wrapping a chain rule.
func consensusError(kind chain.ErrorKind, format string, args ...any) *RuleError {
	re := chain.RuleError{Err: kind, Description: fmt.Sprintf(format, args...)}
	return &RuleError{Class: ClassConsensus, Kind: ErrInvalid, Err: re, Description: re.Description}
}
