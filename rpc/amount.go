package rpc

import (
	"encoding/hex"
	"errors"

	"github.com/flint-chain/flint/chain"
)

// Amount is a value in base units (1 FLT = 100_000_000 units). In JSON it is
// a number of FLT with exactly eight decimals, 12.50000000, as Bitcoin Core
// prints BTC; it is formatted and parsed from the integer, never through a
// float64, so no value is ever rounded.
type Amount uint64

// String returns the amount in FLT with eight decimals.
func (a Amount) String() string { return chain.FormatAmount(uint64(a)) }

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
// "12.50000000" into base units (chain.ParseAmount).
func ParseAmount(s string) (Amount, error) {
	v, err := chain.ParseAmount(s)
	return Amount(v), err
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
