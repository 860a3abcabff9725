package chain

import (
	"errors"
	"fmt"
)

// FormatAmount returns units as a decimal number of FLT with exactly eight
// places, for example "1.50000000", through integers only.
func FormatAmount(units uint64) string {
	return fmt.Sprintf("%d.%08d", units/UnitsPerFLT, units%UnitsPerFLT)
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

// ParseAmount parses a decimal number of FLT with at most eight decimals,
// such as "0", "1", "0.5" or "20999999.99999999", into base units, through
// integers only. It refuses an empty string, signs, exponents, spaces,
// separators, more than eight decimals, and anything above MaxMoney, each
// with an error wrapping the matching ErrAmount value and naming the input.
func ParseAmount(s string) (uint64, error) {
	a, err := parseAmount(s, true)
	if err != nil {
		return 0, fmt.Errorf("amount %q %w", s, err)
	}
	return a, nil
}

// ParsePositiveAmount is ParseAmount that also refuses zero, for amounts
// to pay.
func ParsePositiveAmount(s string) (uint64, error) {
	a, err := parseAmount(s, false)
	if err != nil {
		return 0, fmt.Errorf("amount %q %w", s, err)
	}
	return a, nil
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
