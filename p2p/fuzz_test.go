package p2p

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/flint-chain/flint/chain"
)

// Every decoder either refuses its input or accepts bytes that re-encode
// to the same bytes; none panics or allocates beyond its limit.

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{3, 'a', 'b', 'c'})
	f.Add([]byte{0x80, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		b, err := ReadFrame(r, 1000)
		if err != nil {
			return
		}
		if len(b) > 1000 {
			t.Fatalf("frame of %d bytes past the limit", len(b))
		}
		frame := AppendFrame(nil, b)
		if !bytes.Equal(frame, in[:len(frame)]) {
			t.Fatalf("re-encoded %x, read from %x", frame, in)
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	f.Add(make([]byte, StatusSize))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeStatus(in)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Encode(), in) {
			t.Fatalf("status re-encodes differently")
		}
	})
}

func FuzzDecodeGetHeaders(f *testing.F) {
	f.Add((&GetHeaders{Locator: []chain.Hash{{1}}}).Encode())
	f.Fuzz(func(t *testing.T, in []byte) {
		g, err := DecodeGetHeaders(in)
		if err != nil {
			return
		}
		if !bytes.Equal(g.Encode(), in) {
			t.Fatalf("getheaders re-encodes differently")
		}
	})
}

func FuzzDecodeHeaders(f *testing.F) {
	f.Add(EncodeHeaders(headerChain(2)))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := DecodeHeaders(in)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeHeaders(h), in) {
			t.Fatalf("headers re-encode differently")
		}
	})
}

func FuzzDecodeGetBlocks(f *testing.F) {
	f.Add(EncodeGetBlocks([]chain.Hash{{1}, {2}}))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := DecodeGetBlocks(in)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeGetBlocks(h), in) {
			t.Fatalf("getblocks re-encodes differently")
		}
	})
}
