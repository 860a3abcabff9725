package chain

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/bech32"
)

// addressWitnessVersion is the version in every Flint address (SPEC §9),
// as in Bitcoin's taproot addresses.
const addressWitnessVersion = 1

// ErrInvalidAddress is returned (wrapped, with the reason) for any string
// that is not an address of the expected network.
var ErrInvalidAddress = errors.New("invalid address")

// EncodeAddress returns the bech32m address of an x-only public key on the
// network: bech32m(HRP, version 1, key).
func EncodeAddress(p *Params, pubKey [32]byte) string {
	data, err := bech32.ConvertBits(pubKey[:], 8, 5, true)
	if err != nil {
		panic("chain: converting 32 bytes to 5-bit groups cannot fail: " + err.Error())
	}
	s, err := bech32.EncodeM(p.AddressHRP, append([]byte{addressWitnessVersion}, data...))
	if err != nil {
		panic("chain: encoding a 32-byte key cannot fail: " + err.Error())
	}
	return s
}

// DecodeAddress returns the x-only key an address pays. It refuses an
// address of another network, a bad checksum, a bech32 (not bech32m)
// checksum, another version or length, and a key that is not a valid x
// coordinate, each with an error wrapping ErrInvalidAddress that says which.
func DecodeAddress(p *Params, addr string) ([32]byte, error) {
	var key [32]byte
	hrp, data, version, err := bech32.DecodeGeneric(addr)
	var badSum bech32.ErrInvalidChecksum
	if errors.As(err, &badSum) {
		// Never echo the expected checksum: pasting it onto a mistyped
		// address would pay a key no one holds.
		return key, fmt.Errorf("%w: bad checksum (the address is mistyped)", ErrInvalidAddress)
	}
	var notInCharset bech32.ErrNonCharsetChar
	if errors.As(err, &notInCharset) {
		return key, fmt.Errorf("%w: character %q is not one bech32 uses (after the 1, addresses have no b, i, o or 1)",
			ErrInvalidAddress, rune(notInCharset))
	}
	if err != nil {
		return key, fmt.Errorf("%w: %v", ErrInvalidAddress, err)
	}
	if hrp != p.AddressHRP {
		return key, fmt.Errorf("%w: prefix %q is not this network's %q", ErrInvalidAddress, hrp, p.AddressHRP)
	}
	if version != bech32.VersionM {
		return key, fmt.Errorf("%w: checksum is bech32, not bech32m", ErrInvalidAddress)
	}
	if len(data) == 0 || data[0] != addressWitnessVersion {
		return key, fmt.Errorf("%w: not a version %d address", ErrInvalidAddress, addressWitnessVersion)
	}
	raw, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil {
		return key, fmt.Errorf("%w: %v", ErrInvalidAddress, err)
	}
	if len(raw) != 32 {
		return key, fmt.Errorf("%w: key of %d bytes, want 32", ErrInvalidAddress, len(raw))
	}
	if _, err := schnorr.ParsePubKey(raw); err != nil {
		return key, fmt.Errorf("%w: key is not a valid x coordinate", ErrInvalidAddress)
	}
	copy(key[:], raw)
	return key, nil
}
