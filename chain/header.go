package chain

import (
	"encoding/binary"
	"time"
)

// HeaderSize is the size of a serialized block header.
const HeaderSize = 80

// Header is a block header, byte for byte Bitcoin's (SPEC §2).
type Header struct {
	Version    uint32
	Prev       Hash
	MerkleRoot Hash
	Time       uint32
	Bits       uint32
	Nonce      uint32
}

// Serialize returns the 80-byte wire encoding of h.
func (h *Header) Serialize() [HeaderSize]byte {
	var b [HeaderSize]byte
	binary.LittleEndian.PutUint32(b[0:4], h.Version)
	copy(b[4:36], h.Prev[:])
	copy(b[36:68], h.MerkleRoot[:])
	binary.LittleEndian.PutUint32(b[68:72], h.Time)
	binary.LittleEndian.PutUint32(b[72:76], h.Bits)
	binary.LittleEndian.PutUint32(b[76:80], h.Nonce)
	return b
}

// BlockHash returns SHA256d of the serialized header.
func (h *Header) BlockHash() Hash {
	b := h.Serialize()
	return DoubleSHA256(b[:])
}

// Timestamp returns the header time as a time.Time.
func (h *Header) Timestamp() time.Time { return time.Unix(int64(h.Time), 0) }

// DecodeHeader decodes exactly one 80-byte header.
func DecodeHeader(b []byte) (Header, error) {
	r := reader{buf: b}
	h := readHeader(&r)
	return h, r.done("header")
}

func readHeader(r *reader) Header {
	return Header{
		Version:    r.u32("header version"),
		Prev:       r.hash("header prev"),
		MerkleRoot: r.hash("header merkle root"),
		Time:       r.u32("header time"),
		Bits:       r.u32("header bits"),
		Nonce:      r.u32("header nonce"),
	}
}
