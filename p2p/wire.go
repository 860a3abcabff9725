package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/flint-chain/flint/chain"
)

// Message limits of SPEC §10. Every frame's length is checked against the
// limit of its type before a byte of it is read into memory.
const (
	// StatusSize is the exact size of a status frame.
	StatusSize = 32 + 32 + 4 + 32 + 4 + 32
	// MaxLocatorHashes bounds a getheaders request's locator.
	MaxLocatorHashes = 101
	// MaxHeadersPerReply bounds a headers reply (chain.MaxHeadersPerBatch).
	MaxHeadersPerReply = 2000
	// MaxGetHeadersSize is the largest getheaders request frame.
	MaxGetHeadersSize = 1 + MaxLocatorHashes*chain.HashSize + chain.HashSize
	// MaxHeadersSize is the largest headers reply frame.
	MaxHeadersSize = 3 + MaxHeadersPerReply*chain.HeaderSize
	// MaxBlocksPerRequest bounds a getblocks request.
	MaxBlocksPerRequest = 128
	// MaxGetBlocksSize is the largest getblocks request frame.
	MaxGetBlocksSize = 1 + MaxBlocksPerRequest*chain.HashSize
	// MaxBlocksResponseBytes bounds a getblocks response: every block frame,
	// length prefixes included.
	MaxBlocksResponseBytes = 8 << 20
	// MaxGossipSize is the largest gossip message: a MaxBlockSize block and
	// the pubsub framing around it.
	MaxGossipSize = 2 << 20
)

// Response codes: the first byte of every response (SPEC §10).
const (
	CodeOK           byte = 0
	CodeBadRequest   byte = 1
	CodeNotAvailable byte = 2
	CodeRateLimited  byte = 3
)

// Wire errors. A peer whose message fails with one of these broke the
// protocol; callers wrap them with what was being read.
var (
	// ErrNonMinimalLength: a frame length in a longer form than needed.
	ErrNonMinimalLength = errors.New("non-minimal frame length")
	// ErrFrameTooLarge: a frame longer than its type allows.
	ErrFrameTooLarge = errors.New("frame exceeds its limit")
	// ErrMalformed: a payload that does not decode as its type.
	ErrMalformed = errors.New("malformed message")
)

// readUvarint reads a minimal unsigned LEB128 value of at most 64 bits.
func readUvarint(r io.ByteReader) (uint64, error) {
	var x uint64
	var s uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if b < 0x80 {
			if i > 0 && b == 0 {
				return 0, ErrNonMinimalLength
			}
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, fmt.Errorf("frame length overflows 64 bits: %w", ErrMalformed)
			}
			return x | uint64(b)<<s, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, fmt.Errorf("frame length overflows 64 bits: %w", ErrMalformed)
}

// ReadFrame reads one length-prefixed frame of at most max bytes. io.EOF
// means the stream ended cleanly before a frame began.
func ReadFrame(r *bufio.Reader, max int) ([]byte, error) {
	n, err := readUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("frame of %d bytes, limit %d: %w", n, max, ErrFrameTooLarge)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendFrame appends the frame of payload: its minimal uvarint length,
// then the bytes.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...)
}

// FrameSize is the size of payload's frame.
func FrameSize(payloadLen int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(payloadLen)) + payloadLen
}

// Status is the /NET/status/1 message: what a node has.
type Status struct {
	Genesis          chain.Hash
	BestHeader       chain.Hash
	BestHeaderHeight uint32
	BestBlock        chain.Hash
	BestBlockHeight  uint32
	// Work is the cumulative work of the best header chain, genesis
	// included.
	Work *big.Int
}

// Encode returns the 136-byte status payload.
func (s *Status) Encode() []byte {
	b := make([]byte, 0, StatusSize)
	b = append(b, s.Genesis[:]...)
	b = append(b, s.BestHeader[:]...)
	b = binary.LittleEndian.AppendUint32(b, s.BestHeaderHeight)
	b = append(b, s.BestBlock[:]...)
	b = binary.LittleEndian.AppendUint32(b, s.BestBlockHeight)
	var work [32]byte
	if s.Work != nil {
		s.Work.FillBytes(work[:])
	}
	return append(b, work[:]...)
}

// DecodeStatus decodes a status payload, which must be exactly
// StatusSize bytes.
func DecodeStatus(b []byte) (Status, error) {
	if len(b) != StatusSize {
		return Status{}, fmt.Errorf("status of %d bytes, want %d: %w", len(b), StatusSize, ErrMalformed)
	}
	var s Status
	copy(s.Genesis[:], b[0:32])
	copy(s.BestHeader[:], b[32:64])
	s.BestHeaderHeight = binary.LittleEndian.Uint32(b[64:68])
	copy(s.BestBlock[:], b[68:100])
	s.BestBlockHeight = binary.LittleEndian.Uint32(b[100:104])
	s.Work = new(big.Int).SetBytes(b[104:136])
	return s, nil
}

// GetHeaders is the /NET/getheaders/1 request.
type GetHeaders struct {
	Locator []chain.Hash // 1..MaxLocatorHashes
	Stop    chain.Hash   // zero: none
}

// Encode returns the request payload.
func (g *GetHeaders) Encode() []byte {
	b := appendCompact(make([]byte, 0, 1+(len(g.Locator)+1)*chain.HashSize), uint64(len(g.Locator)))
	for _, h := range g.Locator {
		b = append(b, h[:]...)
	}
	return append(b, g.Stop[:]...)
}

// DecodeGetHeaders decodes a getheaders request payload.
func DecodeGetHeaders(b []byte) (GetHeaders, error) {
	n, rest, err := readCompact(b)
	if err != nil {
		return GetHeaders{}, err
	}
	if n < 1 || n > MaxLocatorHashes {
		return GetHeaders{}, fmt.Errorf("locator of %d hashes, want 1..%d: %w", n, MaxLocatorHashes, ErrMalformed)
	}
	if uint64(len(rest)) != (n+1)*chain.HashSize {
		return GetHeaders{}, fmt.Errorf("getheaders of %d bytes for %d hashes: %w", len(b), n, ErrMalformed)
	}
	g := GetHeaders{Locator: make([]chain.Hash, n)}
	for i := range g.Locator {
		copy(g.Locator[i][:], rest[i*chain.HashSize:])
	}
	copy(g.Stop[:], rest[n*chain.HashSize:])
	return g, nil
}

// EncodeHeaders returns a headers reply payload.
func EncodeHeaders(headers []chain.Header) []byte {
	b := appendCompact(make([]byte, 0, 3+len(headers)*chain.HeaderSize), uint64(len(headers)))
	for i := range headers {
		raw := headers[i].Serialize()
		b = append(b, raw[:]...)
	}
	return b
}

// DecodeHeaders decodes a headers reply payload: at most
// MaxHeadersPerReply headers, each the child of the one before. Whether the
// first continues the requester's chain is the requester's to check.
func DecodeHeaders(b []byte) ([]chain.Header, error) {
	n, rest, err := readCompact(b)
	if err != nil {
		return nil, err
	}
	if n > MaxHeadersPerReply {
		return nil, fmt.Errorf("%d headers, limit %d: %w", n, MaxHeadersPerReply, ErrMalformed)
	}
	if uint64(len(rest)) != n*chain.HeaderSize {
		return nil, fmt.Errorf("headers reply of %d bytes for %d headers: %w", len(b), n, ErrMalformed)
	}
	headers := make([]chain.Header, n)
	for i := range headers {
		h, err := chain.DecodeHeader(rest[i*chain.HeaderSize : (i+1)*chain.HeaderSize])
		if err != nil {
			return nil, fmt.Errorf("header %d: %w", i, ErrMalformed)
		}
		if i > 0 && h.Prev != headers[i-1].BlockHash() {
			return nil, fmt.Errorf("header %d does not follow header %d: %w", i, i-1, ErrMalformed)
		}
		headers[i] = h
	}
	return headers, nil
}

// EncodeGetBlocks returns a getblocks request payload.
func EncodeGetBlocks(hashes []chain.Hash) []byte {
	b := appendCompact(make([]byte, 0, 1+len(hashes)*chain.HashSize), uint64(len(hashes)))
	for _, h := range hashes {
		b = append(b, h[:]...)
	}
	return b
}

// DecodeGetBlocks decodes a getblocks request payload.
func DecodeGetBlocks(b []byte) ([]chain.Hash, error) {
	n, rest, err := readCompact(b)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > MaxBlocksPerRequest {
		return nil, fmt.Errorf("getblocks of %d hashes, want 1..%d: %w", n, MaxBlocksPerRequest, ErrMalformed)
	}
	if uint64(len(rest)) != n*chain.HashSize {
		return nil, fmt.Errorf("getblocks of %d bytes for %d hashes: %w", len(b), n, ErrMalformed)
	}
	hashes := make([]chain.Hash, n)
	for i := range hashes {
		copy(hashes[i][:], rest[i*chain.HashSize:])
	}
	return hashes, nil
}

// appendCompact appends v as a minimal CompactSize (SPEC §1). Counts on
// the wire are small, so only the one- and three-byte forms occur.
func appendCompact(b []byte, v uint64) []byte {
	if v < 0xfd {
		return append(b, byte(v))
	}
	return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(v))
}

// readCompact reads a minimal CompactSize of at most 16 bits (every count
// on the wire fits) and returns it with the bytes after it.
func readCompact(b []byte) (uint64, []byte, error) {
	if len(b) == 0 {
		return 0, nil, fmt.Errorf("missing count: %w", ErrMalformed)
	}
	switch {
	case b[0] < 0xfd:
		return uint64(b[0]), b[1:], nil
	case b[0] == 0xfd && len(b) >= 3:
		v := uint64(binary.LittleEndian.Uint16(b[1:3]))
		if v < 0xfd {
			return 0, nil, fmt.Errorf("non-minimal count: %w", ErrMalformed)
		}
		return v, b[3:], nil
	}
	return 0, nil, fmt.Errorf("count too large or truncated: %w", ErrMalformed)
}
