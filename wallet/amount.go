package wallet

import "github.com/flint-chain/flint/chain"

// Amount is a value in base units; 1 FLT = chain.UnitsPerFLT units. It is
// printed and parsed as a decimal number of FLT with eight places, through
// integers only, never a float64, so no value is ever rounded.
type Amount uint64

// String returns the amount in FLT with exactly eight decimals, for
// example "1.50000000".
func (a Amount) String() string { return chain.FormatAmount(uint64(a)) }

// MarshalText writes the amount as String does, so JSON output carries
// exact decimal strings.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads what MarshalText writes. Unlike ParseAmount it
// accepts zero (a fee or change of nothing).
func (a *Amount) UnmarshalText(text []byte) error {
	v, err := chain.ParseAmount(string(text))
	if err != nil {
		return err
	}
	*a = Amount(v)
	return nil
}

// Amount parsing errors, from chain: ParseAmount wraps one of them.
var (
	ErrAmountSyntax   = chain.ErrAmountSyntax
	ErrAmountNegative = chain.ErrAmountNegative
	ErrAmountZero     = chain.ErrAmountZero
	ErrAmountDecimals = chain.ErrAmountDecimals
	ErrAmountTooLarge = chain.ErrAmountTooLarge
)

// ParseAmount parses a positive amount to pay: chain.ParsePositiveAmount.
func ParseAmount(s string) (Amount, error) {
	v, err := chain.ParsePositiveAmount(s)
	return Amount(v), err
}
