package chain

import (
	"errors"
	"fmt"
)

// Amount is a value in base units; 1 FLT = UnitsPerFLT units. It is signed,
// as Bitcoin Core's CAmount, so that a difference of two amounts is one
// too, but no amount parsed or read from JSON is negative or above
// MaxMoney. It is printed and parsed as a decimal number of FLT with eight
// places, through integers only, never a float64, so no value is ever
// rounded.
type Amount int64

// String returns the amount in FLT with exactly eight decimals, for
// example "1.50000000" (and "-1.50000000" for a negative difference).
func (a Amount) String() string {
	u, sign := uint64(a), ""
	if a < 0 {
		u, sign = -uint64(a), "-"
	}
	return fmt.Sprintf("%s%d.%08d", sign, u/UnitsPerFLT, u%UnitsPerFLT)
}

// Units returns the amount in base units, as a transaction output holds
// them. The caller makes sure the amount is not negative.
func (a Amount) Units() uint64 { return uint64(a) }

// MarshalJSON writes the amount as a JSON number of FLT with eight
// decimals, 12.50000000, as Bitcoin Core prints BTC.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON reads a JSON number of FLT, or a string holding one (what
// wallet files written before amounts were numbers hold), exactly, with
// ParseAmount's rules: no sign, exponent or ninth decimal, nothing above
// MaxMoney.
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := ParseAmount(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Amount parsing errors. ParseAmount wraps one of them with the input.
var (
	ErrAmountSyntax   = errors.New("is not a decimal number of FLT such as 1.5")
	ErrAmountNegative = errors.New("is negative")
	ErrAmountZero     = errors.New("must be greater than zero")
	ErrAmountDecimals = errors.New("has more than 8 decimal places")
	ErrAmountTooLarge = errors.New("is above the 21000000 FLT supply limit")
)

const (
	maxWholeDigits     = 8 // 21000000 has 8 digits
	maxFractionDigits  = 8
	maxMoneyWholeCoins = MaxMoney / UnitsPerFLT
)

// ParseAmount parses an amount of zero or more: a decimal number of FLT
// with at most eight decimals, such as "0", "1", "0.5" or
// "20999999.99999999", through integers only. It refuses an empty string,
// signs, exponents, spaces, separators, more than eight decimals, and
// anything above MaxMoney, each with an error wrapping the matching
// ErrAmount value and naming the input. It reads fees, balances and RPC
// values, where zero is an amount like any other.
func ParseAmount(s string) (Amount, error) {
	a, err := parseAmount(s, true)
	if err != nil {
		return 0, fmt.Errorf("amount %q %w", s, err)
	}
	return Amount(a), nil
}

// ParsePositiveAmount is ParseAmount that also refuses zero
// (ErrAmountZero), for an amount to pay.
func ParsePositiveAmount(s string) (Amount, error) {
	a, err := parseAmount(s, false)
	if err != nil {
		return 0, fmt.Errorf("amount %q %w", s, err)
	}
	return Amount(a), nil
}

func parseAmount(s string, allowZero bool) (uint64, error) {
	if s == "" {
		return 0, ErrAmountSyntax
	}
	if s[0] == '-' {
		if len(s) > 1 && isDigits(s[1:2]) {
			return 0, ErrAmountNegative
		}
		return 0, ErrAmountSyntax
	}
	whole, frac, dot := s, "", false
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			whole, frac, dot = s[:i], s[i+1:], true
			break
		}
	}
	if whole == "" || !isDigits(whole) || (dot && (frac == "" || !isDigits(frac))) {
		return 0, ErrAmountSyntax
	}
	if len(frac) > maxFractionDigits {
		return 0, ErrAmountDecimals
	}
	for len(whole) > 1 && whole[0] == '0' {
		whole = whole[1:]
	}
	if len(whole) > maxWholeDigits {
		return 0, ErrAmountTooLarge
	}
	var w, f uint64
	for i := 0; i < len(whole); i++ {
		w = w*10 + uint64(whole[i]-'0')
	}
	for i := 0; i < maxFractionDigits; i++ {
		f *= 10
		if i < len(frac) {
			f += uint64(frac[i] - '0')
		}
	}
	if w > maxMoneyWholeCoins {
		return 0, ErrAmountTooLarge
	}
	units := w*UnitsPerFLT + f // w <= 21e6: no overflow
	if units > MaxMoney {
		return 0, ErrAmountTooLarge
	}
	if units == 0 && !allowZero {
		return 0, ErrAmountZero
	}
	return units, nil
}

// isDigits reports whether s is non-empty and holds only ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
