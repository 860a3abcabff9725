package rpc

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestGetWorkDataFormat(t *testing.T) {
	genesis := chain.RegTestParams().GenesisBlock.Header.Serialize()
	d := EncodeGetWorkData(genesis)
	// bitcoind's padding, in its swapped word order: 0x80 after the
	// header, the length 640 in the last word.
	const tail = "000000800000000000000000000000000000000000000000000000000000000000000000000000000000000080020000"
	if got := hex.EncodeToString(d[80:]); got != tail {
		t.Fatalf("getwork padding %s, want %s", got, tail)
	}
	for i := 0; i < 80; i++ {
		if d[i] != genesis[i&^3+3-i&3] {
			t.Fatalf("data byte %d = %#x, want header byte %d swapped within its word", i, d[i], i)
		}
	}
	back, err := DecodeGetWorkData(d[:])
	if err != nil || back != genesis {
		t.Fatalf("DecodeGetWorkData(EncodeGetWorkData(h)) = %x, %v", back, err)
	}
	if _, err := DecodeGetWorkData(d[:127]); err == nil || !strings.Contains(err.Error(), "127 bytes") {
		t.Fatalf("127-byte data: %v", err)
	}

	r := GetWorkResultOf(Work{Header: genesis, Target: [32]byte{31: 0x7f}, Midstate: [8]uint32{0x01020304}})
	if r.Data != hex.EncodeToString(d[:]) || !strings.HasPrefix(r.Midstate, "04030201") ||
		r.Target != strings.Repeat("00", 31)+"7f" || len(r.Hash1) != 128 {
		t.Fatalf("getwork result %+v", r)
	}
}

// FuzzDecodeGetWorkData: any submitted data decodes or is refused with an
// error, and data of 128 bytes or more round-trips its header.
func FuzzDecodeGetWorkData(f *testing.F) {
	d := EncodeGetWorkData(chain.RegTestParams().GenesisBlock.Header.Serialize())
	f.Add(d[:])
	f.Add(d[:80])
	f.Add(append(d[:], 1, 2, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeGetWorkData(data)
		if err != nil {
			if len(data) >= GetWorkDataSize {
				t.Fatalf("%d bytes refused: %v", len(data), err)
			}
			return
		}
		again := EncodeGetWorkData(h)
		if !bytes.Equal(again[:80], data[:80]) {
			t.Fatalf("header of %x does not round-trip", data)
		}
	})
}
