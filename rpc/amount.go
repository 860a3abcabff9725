package rpc

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/flint-chain/flint/chain"
)

// Amount is a value in base units (1 FLT = 100_000_000 units). In JSON it is
// a number of FLT with exactly eight decimals, 12.50000000, as Bitcoin Core
// prints BTC; it is formatted and parsed from the integer, never through a
// float64, so no value is ever rounded.
type Amount uint64

// String returns the amount in FLT with eight decimals.
func (a Amount) String() string {
	return fmt.Sprintf("%d.%08d", uint64(a)/chain.UnitsPerFLT, uint64(a)%chain.UnitsPerFLT)
}

// Units returns the amount in base units.
func (a Amount) Units() uint64 { return uint64(a) }

// MarshalJSON writes the amount as a JSON number of FLT.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON reads a JSON number of FLT (or a string holding one)
// exactly; more than eight decimals, a sign or an exponent is an error.
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

// ParseAmount parses a decimal number of FLT such as "1", "0.5" or
// "12.50000000" into base units. It refuses signs, exponents, more than
// eight decimals and values that overflow.
func ParseAmount(s string) (Amount, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > 8 || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("amount %q: want a decimal number of FLT with at most 8 decimals", s)
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || w > ^uint64(0)/chain.UnitsPerFLT {
		return 0, fmt.Errorf("amount %q: too large", s)
	}
	var f uint64
	if frac != "" {
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", 8-len(frac)), 10, 64)
	}
	units := w*chain.UnitsPerFLT + f
	if units < w*chain.UnitsPerFLT {
		return 0, fmt.Errorf("amount %q: too large", s)
	}
	return Amount(units), nil
}

// allDigits reports whether s holds only ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// HexBytes is a byte string that is hex in JSON.
type HexBytes []byte

// MarshalText encodes the bytes as lower-case hex.
func (h HexBytes) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(h)), nil
}

// UnmarshalText decodes hex.
func (h *HexBytes) UnmarshalText(text []byte) error {
	b, err := hex.DecodeString(string(text))
	if err != nil {
		return errors.New("not hex: " + err.Error())
	}
	*h = b
	return nil
}
