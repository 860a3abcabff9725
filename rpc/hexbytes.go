package rpc

import (
	"encoding/hex"
	"errors"
)

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
