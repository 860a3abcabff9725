package chain

import "fmt"

// ErrorKind identifies a kind of error. It lets callers tell rule violations
// apart with errors.Is, for example errors.Is(err, chain.ErrDuplicateInput).
type ErrorKind string

// Error satisfies the error interface and prints human-readable errors.
func (e ErrorKind) Error() string { return string(e) }

// Decoding errors. Every malformed encoding maps to one of these.
const (
	// ErrShortRead: the input ended before the object did.
	ErrShortRead = ErrorKind("ErrShortRead")
	// ErrNonMinimalVarint: a CompactSize was not in its shortest form.
	ErrNonMinimalVarint = ErrorKind("ErrNonMinimalVarint")
	// ErrTrailingBytes: bytes remained after a complete object.
	ErrTrailingBytes = ErrorKind("ErrTrailingBytes")
	// ErrCountTooLarge: a count or length exceeds its limit or the bytes left.
	ErrCountTooLarge = ErrorKind("ErrCountTooLarge")
	// ErrMalformed: a field holds a value its encoding does not allow.
	ErrMalformed = ErrorKind("ErrMalformed")
)

// Header rules (SPEC §6, rules 1–4).
const (
	// ErrBadBits: the compact target is negative, overflows, is zero or is
	// above the network's powLimit.
	ErrBadBits = ErrorKind("ErrBadBits")
	// ErrHighHash: the header hash is above its target.
	ErrHighHash = ErrorKind("ErrHighHash")
	// ErrUnexpectedBits: bits differ from the ASERT value for the height.
	ErrUnexpectedBits = ErrorKind("ErrUnexpectedBits")
	// ErrTimeTooOld: the time is not after the median time past.
	ErrTimeTooOld = ErrorKind("ErrTimeTooOld")
	// ErrTimeTooNew: the time is too far ahead of the local clock. A block
	// failing only this rule is not marked invalid.
	ErrTimeTooNew = ErrorKind("ErrTimeTooNew")
	// ErrBadBlockVersion: the header version is not 1.
	ErrBadBlockVersion = ErrorKind("ErrBadBlockVersion")
	// ErrInvalidAncestor: the block builds on a block known to be invalid.
	ErrInvalidAncestor = ErrorKind("ErrInvalidAncestor")
	// ErrKnownInvalid: the block itself is already known to be invalid.
	ErrKnownInvalid = ErrorKind("ErrKnownInvalid")
	// ErrDuplicateBlock: the block is already stored.
	ErrDuplicateBlock = ErrorKind("ErrDuplicateBlock")
)

// Header batch errors (ProcessHeaders). None marks a header invalid.
const (
	// ErrMissingParent: the first header's parent is not in the index.
	ErrMissingParent = ErrorKind("ErrMissingParent")
	// ErrHeadersNotContinuous: a header of a batch is not the child of
	// the header before it.
	ErrHeadersNotContinuous = ErrorKind("ErrHeadersNotContinuous")
	// ErrTooManyHeaders: a batch holds more than MaxHeadersPerBatch
	// headers.
	ErrTooManyHeaders = ErrorKind("ErrTooManyHeaders")
)

// Body rules (SPEC §6, rules 5–9).
const (
	// ErrNoTransactions: the block has no transactions.
	ErrNoTransactions = ErrorKind("ErrNoTransactions")
	// ErrFirstTxNotCoinbase: the first transaction is not a coinbase.
	ErrFirstTxNotCoinbase = ErrorKind("ErrFirstTxNotCoinbase")
	// ErrMultipleCoinbases: a transaction other than the first is a coinbase.
	ErrMultipleCoinbases = ErrorKind("ErrMultipleCoinbases")
	// ErrBadMerkleRoot: the merkle root does not commit to the body. The
	// header is not marked invalid for this.
	ErrBadMerkleRoot = ErrorKind("ErrBadMerkleRoot")
	// ErrDuplicateTx: two transactions of the block share a txid.
	ErrDuplicateTx = ErrorKind("ErrDuplicateTx")
	// ErrBlockTooBig: the serialized block exceeds MaxBlockSize.
	ErrBlockTooBig = ErrorKind("ErrBlockTooBig")
	// ErrTxTooBig: a serialized transaction exceeds MaxTxSize.
	ErrTxTooBig = ErrorKind("ErrTxTooBig")
	// ErrBadTxVersion: a transaction version is not 1.
	ErrBadTxVersion = ErrorKind("ErrBadTxVersion")
	// ErrNoTxInputs: a transaction has no inputs.
	ErrNoTxInputs = ErrorKind("ErrNoTxInputs")
	// ErrNoTxOutputs: a transaction has no outputs.
	ErrNoTxOutputs = ErrorKind("ErrNoTxOutputs")
	// ErrDuplicateInput: one transaction spends the same outpoint twice.
	ErrDuplicateInput = ErrorKind("ErrDuplicateInput")
	// ErrBadTxOutValue: an output value exceeds MaxMoney.
	ErrBadTxOutValue = ErrorKind("ErrBadTxOutValue")
	// ErrTotalOutValue: the outputs of a transaction sum past MaxMoney.
	ErrTotalOutValue = ErrorKind("ErrTotalOutValue")
	// ErrUnfinalizedTx: a transaction is not final by its locktime.
	ErrUnfinalizedTx = ErrorKind("ErrUnfinalizedTx")
	// ErrBadWitnessSize: a spend's witness is not exactly 64 bytes.
	ErrBadWitnessSize = ErrorKind("ErrBadWitnessSize")
	// ErrBadSignatureEncoding: a signature has r >= p or s >= n.
	ErrBadSignatureEncoding = ErrorKind("ErrBadSignatureEncoding")
	// ErrBadSignature: a signature does not verify.
	ErrBadSignature = ErrorKind("ErrBadSignature")
	// ErrMissingInput: an input spends an output that does not exist or is
	// already spent.
	ErrMissingInput = ErrorKind("ErrMissingInput")
	// ErrImmatureSpend: an input spends a coinbase output before maturity.
	ErrImmatureSpend = ErrorKind("ErrImmatureSpend")
	// ErrSpendTooHigh: a transaction's outputs exceed its inputs.
	ErrSpendTooHigh = ErrorKind("ErrSpendTooHigh")
	// ErrBadCoinbaseValue: the coinbase pays more than subsidy plus fees.
	ErrBadCoinbaseValue = ErrorKind("ErrBadCoinbaseValue")
	// ErrBadCoinbaseLockTime: the coinbase locktime is not the block height.
	ErrBadCoinbaseLockTime = ErrorKind("ErrBadCoinbaseLockTime")
	// ErrBadCoinbaseWitness: the coinbase witness exceeds 100 bytes.
	ErrBadCoinbaseWitness = ErrorKind("ErrBadCoinbaseWitness")
)

// RuleError describes a consensus rule violation or a malformed encoding.
// Err is the kind, usable with errors.Is; Description says what was wrong
// for a person.
type RuleError struct {
	Err         ErrorKind
	Description string
}

// Error satisfies the error interface.
func (e RuleError) Error() string { return e.Description }

// Unwrap returns the kind so errors.Is(err, kind) works.
func (e RuleError) Unwrap() error { return e.Err }

// ruleError creates a RuleError of the given kind.
func ruleError(kind ErrorKind, format string, args ...any) RuleError {
	return RuleError{Err: kind, Description: fmt.Sprintf(format, args...)}
}

// AssertError reports an internal inconsistency: a bug in Flint or a
// corrupted database, never bad input from a peer.
type AssertError string

// Error satisfies the error interface.
func (e AssertError) Error() string { return "assertion failed: " + string(e) }
