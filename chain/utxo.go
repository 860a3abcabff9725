package chain

import "encoding/binary"

// utxoEntrySize is the size of a serialized UtxoEntry.
const utxoEntrySize = 4 + 1 + 8 + 32

// UtxoEntry is an unspent output with what validation needs to spend it: the
// height of the block that created it and whether that was a coinbase (for
// the maturity rule).
type UtxoEntry struct {
	Output     TxOut
	Height     uint32
	IsCoinbase bool
}

// Serialize returns the fixed 45-byte storage encoding:
// u32 height || u8 flags (bit 0: coinbase) || u64 value || pubkey.
func (e *UtxoEntry) Serialize() []byte {
	b := make([]byte, 0, utxoEntrySize)
	b = binary.LittleEndian.AppendUint32(b, e.Height)
	var flags byte
	if e.IsCoinbase {
		flags = 1
	}
	b = append(b, flags)
	b = binary.LittleEndian.AppendUint64(b, e.Output.Value)
	return append(b, e.Output.PubKey[:]...)
}

// DecodeUtxoEntry decodes a storage encoding produced by Serialize. Flags
// other than 0 or 1 are refused so that the encoding stays canonical.
func DecodeUtxoEntry(b []byte) (UtxoEntry, error) {
	r := reader{buf: b}
	var e UtxoEntry
	e.Height = r.u32("utxo height")
	flags := r.bytes(1, "utxo flags")
	e.Output.Value = r.u64("utxo value")
	if pk := r.bytes(32, "utxo pubkey"); pk != nil {
		copy(e.Output.PubKey[:], pk)
	}
	if err := r.done("utxo entry"); err != nil {
		return UtxoEntry{}, err
	}
	if flags[0] > 1 {
		return UtxoEntry{}, ruleError(ErrMalformed, "utxo entry: unknown flags %#x", flags[0])
	}
	e.IsCoinbase = flags[0] == 1
	return e, nil
}
