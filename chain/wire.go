package chain

import (
	"encoding/binary"
)

// Encoding limits from SPEC §5. Decoders check counts against these and
// against the bytes that remain before allocating anything.
const (
	// MaxTxSize is the largest serialized transaction, in bytes.
	MaxTxSize = 100_000
	// MaxCoinbaseWitness is the largest coinbase witness, in bytes.
	MaxCoinbaseWitness = 100
	// SignatureSize is the size of a BIP-340 signature, the witness of every
	// non-coinbase input.
	SignatureSize = 64
	// minTxInSize is the smallest encoding of an input: outpoint only (its
	// witness is counted separately).
	minTxInSize = HashSize + 4
	// minTxOutSize is the encoding size of every output.
	minTxOutSize = 8 + 32
	// minTxSize is the smallest possible transaction: version, one input,
	// one output, locktime, one empty witness.
	minTxSize = 4 + 1 + minTxInSize + 1 + minTxOutSize + 4 + 1
)

// VarIntSize returns the encoded size of v as a CompactSize.
func VarIntSize(v uint64) int {
	switch {
	case v < 0xfd:
		return 1
	case v <= 0xffff:
		return 3
	case v <= 0xffffffff:
		return 5
	default:
		return 9
	}
}

// appendVarInt appends v in its minimal CompactSize form.
func appendVarInt(b []byte, v uint64) []byte {
	switch {
	case v < 0xfd:
		return append(b, byte(v))
	case v <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(v))
	case v <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(v))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
	}
}

// reader is a strict cursor over a byte slice. The first error sticks: every
// later read returns zero values, so decoders check err once per object.
type reader struct {
	buf []byte
	off int
	err error
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// bytes returns the next n bytes without copying, or nil on a short read.
func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.remaining() < n {
		r.fail(ruleError(ErrShortRead, "%s: need %d bytes, %d left", what, n, r.remaining()))
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u32(what string) uint32 {
	b := r.bytes(4, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) u64(what string) uint64 {
	b := r.bytes(8, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *reader) hash(what string) (h Hash) {
	if b := r.bytes(HashSize, what); b != nil {
		copy(h[:], b)
	}
	return h
}

// varInt reads a minimal CompactSize.
func (r *reader) varInt(what string) uint64 {
	b := r.bytes(1, what)
	if b == nil {
		return 0
	}
	var v, min uint64
	switch b[0] {
	case 0xfd:
		if b = r.bytes(2, what); b == nil {
			return 0
		}
		v, min = uint64(binary.LittleEndian.Uint16(b)), 0xfd
	case 0xfe:
		if b = r.bytes(4, what); b == nil {
			return 0
		}
		v, min = uint64(binary.LittleEndian.Uint32(b)), 0x10000
	case 0xff:
		if b = r.bytes(8, what); b == nil {
			return 0
		}
		v, min = binary.LittleEndian.Uint64(b), 0x100000000
	default:
		return uint64(b[0])
	}
	if v < min {
		r.fail(ruleError(ErrNonMinimalVarint, "%s: non-minimal varint %d", what, v))
		return 0
	}
	return v
}

// count reads a varint count of items, each at least minItemSize bytes, and
// rejects it unless count <= max and the items could fit in what is
// left. It returns 0 after an error.
func (r *reader) count(what string, max uint64, minItemSize int) int {
	n := r.varInt(what)
	if r.err != nil {
		return 0
	}
	if n > max || n*uint64(minItemSize) > uint64(r.remaining()) {
		r.fail(ruleError(ErrCountTooLarge, "%s: count %d exceeds limit or the %d bytes left", what, n, r.remaining()))
		return 0
	}
	return int(n)
}

// done fails unless every byte was consumed.
func (r *reader) done(what string) error {
	if r.err == nil && r.remaining() != 0 {
		r.fail(ruleError(ErrTrailingBytes, "%s: %d trailing bytes", what, r.remaining()))
	}
	return r.err
}
