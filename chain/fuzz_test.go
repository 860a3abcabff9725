package chain

import (
	"bytes"
	"testing"
)

// Fuzz targets, one per decoder. Each checks that the decoder never panics
// and that every input it accepts is canonical: re-encoding the decoded
// value gives back exactly the input bytes (SPEC §1). The seed corpus is the
// f.Add calls below, built from real encodings, plus the files under
// testdata/fuzz/<FuzzName>/ (valid, truncated and non-canonical inputs).
//
// Run one with, for example:
//
//	go test -run '^$' -fuzz '^FuzzDecodeTx$' -fuzztime 20s ./chain/

// fuzzBlockMaxSize is the maxSize FuzzDecodeBlock decodes with, the
// MaxBlockSize of every network.
const fuzzBlockMaxSize = 1_000_000

// fuzzSeedBlocks returns real block encodings: the regtest genesis and a
// block holding a coinbase and a signed 2-in-2-out spend.
func fuzzSeedBlocks(f *testing.F) [][]byte {
	return [][]byte{
		RegTestParams().GenesisBlock.Serialize(),
		encTestBlock(f).Serialize(),
	}
}

// fuzzSeedTxs returns real transaction encodings.
func fuzzSeedTxs(f *testing.F) [][]byte {
	spend, _ := encTestSpend(f, RegTestParams().GenesisHash)
	return [][]byte{
		RegTestParams().GenesisBlock.Txs[0].Serialize(),
		encTestCoinbase(1, "").Serialize(),
		spend.Serialize(),
	}
}

// fuzzSeedUtxoEntries returns real UTXO entry encodings.
func fuzzSeedUtxoEntries() []UtxoEntry {
	return []UtxoEntry{
		{Output: TxOut{Value: 50 * 100_000_000, PubKey: numsKey}, Height: 1, IsCoinbase: true},
		{Output: TxOut{Value: 12_345, PubKey: encTestHash(0x42)}, Height: 0xfffffffe},
	}
}

// fuzzAddTruncations adds every seed, the seed less its last byte, and the
// seed with one byte appended.
func fuzzAddTruncations(f *testing.F, seeds [][]byte) {
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)-1])
		f.Add(append(append([]byte(nil), s...), 0))
	}
}

func FuzzDecodeHeader(f *testing.F) {
	var seeds [][]byte
	for _, b := range fuzzSeedBlocks(f) {
		seeds = append(seeds, b[:HeaderSize])
	}
	fuzzAddTruncations(f, seeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		if err != nil {
			return
		}
		if re := h.Serialize(); !bytes.Equal(re[:], b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
		_ = h.BlockHash()
	})
}

func FuzzDecodeTx(f *testing.F) {
	fuzzAddTruncations(f, fuzzSeedTxs(f))
	// Non-minimal and huge input counts.
	f.Add([]byte("\x01\x00\x00\x00\xfd\x01\x00"))
	f.Add([]byte("\x01\x00\x00\x00\xfe\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b)
		if err != nil {
			if tx != nil {
				t.Fatalf("a transaction returned with error %v", err)
			}
			return
		}
		re := tx.Serialize()
		if !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
		if tx.SerializeSize() != len(b) {
			t.Fatalf("SerializeSize = %d, input is %d bytes", tx.SerializeSize(), len(b))
		}
		_ = CheckTransactionSanity(tx)
		_, _ = tx.TxID(), tx.WTxID()
	})
}

func FuzzDecodeBlock(f *testing.F) {
	fuzzAddTruncations(f, fuzzSeedBlocks(f))
	genesis := RegTestParams().GenesisBlock.Serialize()
	// Non-minimal and huge tx counts after a real header.
	f.Add(append(append([]byte(nil), genesis[:HeaderSize]...), "\xfd\x01\x00"...))
	f.Add(append(append([]byte(nil), genesis[:HeaderSize]...), "\xfe\xff\xff\xff\xff"...))
	params := RegTestParams()
	f.Fuzz(func(t *testing.T, b []byte) {
		blk, err := DecodeBlock(b, fuzzBlockMaxSize)
		if err != nil {
			if blk != nil {
				t.Fatalf("a block returned with error %v", err)
			}
			return
		}
		re := blk.Serialize()
		if !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
		if blk.SerializeSize() != len(b) {
			t.Fatalf("SerializeSize = %d, input is %d bytes", blk.SerializeSize(), len(b))
		}
		_ = CheckBlockSanity(blk, params)
		_ = BlockMerkleRoot(blk.Txs)
	})
}

func FuzzDecodeUtxoEntry(f *testing.F) {
	var seeds [][]byte
	for _, e := range fuzzSeedUtxoEntries() {
		seeds = append(seeds, e.Serialize())
	}
	fuzzAddTruncations(f, seeds)
	bad := append([]byte(nil), seeds[0]...)
	bad[4] = 2 // unknown flags
	f.Add(bad)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeUtxoEntry(b)
		if err != nil {
			return
		}
		if re := e.Serialize(); !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
	})
}

func FuzzDecodeUndo(f *testing.F) {
	entries := fuzzSeedUtxoEntries()
	seeds := [][]byte{
		encodeUndo(nil),
		encodeUndo(entries[:1]),
		encodeUndo(entries),
	}
	fuzzAddTruncations(f, seeds)
	// Non-minimal and huge counts.
	f.Add(append([]byte("\xfd\x02\x00"), seeds[2][1:]...))
	f.Add(append([]byte("\xfe\xff\xff\xff\xff"), seeds[2][1:]...))
	f.Fuzz(func(t *testing.T, b []byte) {
		spent, err := decodeUndo(b)
		if err != nil {
			return
		}
		if re := encodeUndo(spent); !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
	})
}

func FuzzDecodeIndexEntry(f *testing.F) {
	genesis := RegTestParams().GenesisBlock.Header
	n := newBlockNode(&genesis, nil)
	n.height, n.status, n.seq = 7, statusDataStored, 42
	fuzzAddTruncations(f, [][]byte{encodeIndexEntry(indexEntryOf(n))})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeIndexEntry(b)
		if err != nil {
			return
		}
		if re := encodeIndexEntry(e); !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
	})
}

func FuzzDecodeTxLocation(f *testing.F) {
	fuzzAddTruncations(f, [][]byte{
		encodeTxLocation(txLocation{block: RegTestParams().GenesisHash, offset: 81, length: 137}),
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := decodeTxLocation(b)
		if err != nil {
			return
		}
		if re := encodeTxLocation(l); !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, re)
		}
	})
}
