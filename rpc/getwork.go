package rpc

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/flint-chain/flint/chain"
)

// getwork as bitcoind 0.8–0.9 served it, so that existing CPU, GPU and
// FPGA miners that speak it mine Flint unchanged. Flint's header is
// Bitcoin's, so the wire format is bitcoind's to the byte:
//
//   - data: the 80-byte header followed by SHA-256 padding to 128 bytes
//     (0x80, zeros, the bit length 640 big-endian), every 4-byte word then
//     byte-swapped, so that a miner reads the message words of SHA-256
//     with little-endian loads. The nonce is data's word 19.
//   - midstate: the SHA-256 state after the header's first 64 bytes,
//     each word little-endian.
//   - hash1: a zero 32-byte hash with its padding, in the same word
//     order: the second hash's message block minus the first hash.
//   - target: the 256-bit target, little-endian.

// GetWorkDataSize is the size of getwork's data: two SHA-256 blocks.
const GetWorkDataSize = 128

// getworkHash1 is hash1 as bitcoind sent it.
const getworkHash1 = "00000000000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000010000"

// Work is one unit of getwork work, as the node's work source hands it out.
type Work struct {
	// Header is the serialised 80-byte header to search.
	Header [chain.HeaderSize]byte
	// Target is the 256-bit target, little-endian.
	Target [32]byte
	// Midstate is the SHA-256 state after the header's first 64 bytes.
	Midstate [8]uint32
}

// GetWorkResult is the result of getwork called without parameters.
type GetWorkResult struct {
	Data     string `json:"data"`
	Target   string `json:"target"`
	Midstate string `json:"midstate"`
	Hash1    string `json:"hash1"`
}

// EncodeGetWorkData returns getwork's data for header: padded to two
// SHA-256 blocks, each 4-byte word byte-swapped.
func EncodeGetWorkData(header [chain.HeaderSize]byte) [GetWorkDataSize]byte {
	var d [GetWorkDataSize]byte
	copy(d[:], header[:])
	d[chain.HeaderSize] = 0x80
	binary.BigEndian.PutUint32(d[GetWorkDataSize-4:], chain.HeaderSize*8)
	swapWords(d[:])
	return d
}

// DecodeGetWorkData returns the header in a solved getwork data. Only the
// first 80 bytes matter; bitcoind accepted (and ignored) anything after.
func DecodeGetWorkData(data []byte) ([chain.HeaderSize]byte, error) {
	var h [chain.HeaderSize]byte
	if len(data) < GetWorkDataSize {
		return h, fmt.Errorf("getwork data is %d bytes, want %d", len(data), GetWorkDataSize)
	}
	copy(h[:], data[:chain.HeaderSize])
	swapWords(h[:])
	return h, nil
}

// swapWords reverses the bytes of each 4-byte word of b in place.
func swapWords(b []byte) {
	for i := 0; i+4 <= len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
}

// GetWorkResultOf formats w as getwork answers it.
func GetWorkResultOf(w Work) GetWorkResult {
	data := EncodeGetWorkData(w.Header)
	var mid [32]byte
	for i, v := range w.Midstate {
		binary.LittleEndian.PutUint32(mid[4*i:], v)
	}
	return GetWorkResult{
		Data:     hex.EncodeToString(data[:]),
		Target:   hex.EncodeToString(w.Target[:]),
		Midstate: hex.EncodeToString(mid[:]),
		Hash1:    getworkHash1,
	}
}

func getWork(ctx context.Context, s *Server, a args) (any, error) {
	if s.cfg.GetWork == nil || s.cfg.SubmitWork == nil {
		return nil, unavailable(CodeMisc, "getwork needs a payout address: start the node with --mining.address")
	}
	if !a.given(0) {
		w, err := s.cfg.GetWork()
		if err != nil {
			return nil, err
		}
		return GetWorkResultOf(w), nil
	}
	raw, perr := a.hexBytes(0)
	if perr != nil {
		return nil, perr
	}
	header, err := DecodeGetWorkData(raw)
	if err != nil {
		return nil, errorf(CodeInvalidParameter, "%v", err)
	}
	hash := chain.DoubleSHA256(header[:])
	ok, err := s.cfg.SubmitWork(ctx, header)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// bitcoind answered false without a reason; the log keeps it.
		s.log.Info("getwork submission refused", "hash", hash, "err", err)
		return false, nil
	}
	if ok {
		s.log.Info("getwork block accepted", "hash", hash)
	}
	return ok, nil
}
