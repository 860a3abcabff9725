package p2p

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/big"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		max     int
		want    []byte
		wantErr error
	}{
		{name: "empty frame", in: []byte{0}, max: 10, want: []byte{}},
		{name: "three bytes", in: []byte{3, 'a', 'b', 'c'}, max: 10, want: []byte("abc")},
		{name: "two-byte length", in: append([]byte{0x80, 0x01}, make([]byte, 128)...), max: 200, want: make([]byte, 128)},
		{name: "non-minimal zero", in: []byte{0x80, 0x00}, max: 10, wantErr: ErrNonMinimalLength},
		{name: "non-minimal three", in: []byte{0x83, 0x00, 'a', 'b', 'c'}, max: 10, wantErr: ErrNonMinimalLength},
		{name: "over the limit", in: []byte{11}, max: 10, wantErr: ErrFrameTooLarge},
		{name: "huge length", in: []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, max: 10, wantErr: ErrFrameTooLarge},
		{name: "overflow", in: bytes.Repeat([]byte{0xff}, 11), max: 10, wantErr: ErrMalformed},
		{name: "truncated body", in: []byte{3, 'a'}, max: 10, wantErr: io.ErrUnexpectedEOF},
		{name: "truncated length", in: []byte{0x80}, max: 10, wantErr: io.ErrUnexpectedEOF},
		{name: "nothing", in: nil, max: 10, wantErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFrame(bufio.NewReader(bytes.NewReader(tt.in)), tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("got %x, %v; want %x", got, err, tt.want)
			}
			if re := AppendFrame(nil, got); !bytes.Equal(re, tt.in) {
				t.Fatalf("re-encoded %x, want %x", re, tt.in)
			}
		})
	}
}

func TestStatusRoundTrip(t *testing.T) {
	s := Status{
		Genesis: chain.Hash{1}, BestHeader: chain.Hash{2}, BestHeaderHeight: 7,
		BestBlock: chain.Hash{3}, BestBlockHeight: 5, Work: big.NewInt(123456),
	}
	b := s.Encode()
	if len(b) != StatusSize || StatusSize != 136 {
		t.Fatalf("status is %d bytes, want 136", len(b))
	}
	got, err := DecodeStatus(b)
	if err != nil || got.Work.Cmp(s.Work) != 0 || got.BestHeaderHeight != 7 || got.BestBlock != s.BestBlock {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, n := range []int{0, 135, 137} {
		if _, err := DecodeStatus(make([]byte, n)); !errors.Is(err, ErrMalformed) {
			t.Errorf("status of %d bytes: %v", n, err)
		}
	}
}

func TestGetHeadersLimits(t *testing.T) {
	loc := make([]chain.Hash, MaxLocatorHashes)
	g := GetHeaders{Locator: loc, Stop: chain.Hash{9}}
	b := g.Encode()
	if len(b) != MaxGetHeadersSize || MaxGetHeadersSize != 3265 {
		t.Fatalf("largest getheaders is %d bytes, want 3265", len(b))
	}
	got, err := DecodeGetHeaders(b)
	if err != nil || len(got.Locator) != MaxLocatorHashes || got.Stop != g.Stop {
		t.Fatalf("round trip: %v", err)
	}
	bad := map[string][]byte{
		"no hashes":        (&GetHeaders{}).Encode(),
		"102 hashes":       (&GetHeaders{Locator: make([]chain.Hash, 102)}).Encode(),
		"missing stop":     b[:len(b)-32],
		"trailing byte":    append(append([]byte{}, b...), 0),
		"non-minimal 0xfd": append([]byte{0xfd, 1, 0}, make([]byte, 64)...),
		"empty":            nil,
	}
	for name, in := range bad {
		if _, err := DecodeGetHeaders(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHeadersLimits(t *testing.T) {
	if MaxHeadersSize != 160003 {
		t.Fatalf("MaxHeadersSize %d, want 160003", MaxHeadersSize)
	}
	headers := headerChain(3)
	got, err := DecodeHeaders(EncodeHeaders(headers))
	if err != nil || len(got) != 3 || got[2] != headers[2] {
		t.Fatalf("round trip: %v", err)
	}
	broken := append([]chain.Header{}, headers...)
	broken[1].Nonce++
	if _, err := DecodeHeaders(EncodeHeaders(broken)); !errors.Is(err, ErrMalformed) {
		t.Errorf("a reply that is not a chain: %v", err)
	}
	if _, err := DecodeHeaders(EncodeHeaders(headerChain(MaxHeadersPerReply + 1))); !errors.Is(err, ErrMalformed) {
		t.Errorf("2,001 headers: %v", err)
	}
	if _, err := DecodeHeaders(EncodeHeaders(headers)[:100]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
	if got, err := DecodeHeaders([]byte{0}); err != nil || len(got) != 0 {
		t.Errorf("empty reply: %v", err)
	}
}

func TestGetBlocksLimits(t *testing.T) {
	b := EncodeGetBlocks(make([]chain.Hash, MaxBlocksPerRequest))
	if len(b) != MaxGetBlocksSize || MaxGetBlocksSize != 4097 {
		t.Fatalf("largest getblocks is %d bytes, want 4097", len(b))
	}
	if got, err := DecodeGetBlocks(b); err != nil || len(got) != MaxBlocksPerRequest {
		t.Fatalf("round trip: %v", err)
	}
	for name, in := range map[string][]byte{
		"none":     EncodeGetBlocks(nil),
		"129":      EncodeGetBlocks(make([]chain.Hash, 129)),
		"short":    b[:len(b)-1],
		"trailing": append(append([]byte{}, b...), 1),
	} {
		if _, err := DecodeGetBlocks(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// headerChain returns n headers, each the child of the one before.
func headerChain(n int) []chain.Header {
	out := make([]chain.Header, n)
	for i := range out {
		out[i] = chain.Header{Version: 1, Time: uint32(1000 + i), Bits: 0x207fffff, Nonce: uint32(i)}
		if i > 0 {
			out[i].Prev = out[i-1].BlockHash()
		}
	}
	return out
}
