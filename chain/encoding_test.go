package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// This file checks the §1 encodings: CompactSize varints, headers,
// transactions, blocks, the hashes over them, and the storage records of
// schema.go. The fuzz targets in fuzz_test.go check the same decoders
// against arbitrary input.

// encTestKey returns a fixed private key and its x-only public key.
func encTestKey(t testing.TB, seed byte) (*btcec.PrivateKey, [32]byte) {
	t.Helper()
	priv, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{seed}, 32))
	var pk [32]byte
	copy(pk[:], schnorr.SerializePubKey(priv.PubKey()))
	return priv, pk
}

// encTestHash returns a recognisable hash whose every byte is b.
func encTestHash(b byte) (h Hash) {
	for i := range h {
		h[i] = b
	}
	return h
}

// encTestCoinbase returns a coinbase for height with a free witness.
func encTestCoinbase(height uint32, witness string) *Tx {
	return &Tx{
		Version:  1,
		Inputs:   []TxIn{{Prev: NullOutPoint, Witness: []byte(witness)}},
		Outputs:  []TxOut{{Value: 50 * 100_000_000, PubKey: encTestHash(0x11)}},
		LockTime: height,
	}
}

// encTestSpend returns a 2-in-2-out transaction signed on genesis for the
// spent outputs it also returns.
func encTestSpend(t testing.TB, genesis Hash) (*Tx, []TxOut) {
	t.Helper()
	priv, pk := encTestKey(t, 0x42)
	spent := []TxOut{{Value: 30_000, PubKey: pk}, {Value: 70_000, PubKey: pk}}
	tx := &Tx{
		Version: 1,
		Inputs: []TxIn{
			{Prev: OutPoint{TxID: encTestHash(0xa1), Index: 0}},
			{Prev: OutPoint{TxID: encTestHash(0xa2), Index: 7}},
		},
		Outputs: []TxOut{
			{Value: 60_000, PubKey: encTestHash(0xb1)},
			{Value: 39_000, PubKey: pk},
		},
		LockTime: 0,
	}
	txid := tx.TxID()
	for i := range tx.Inputs {
		sh := CalcSigHash(genesis, txid, i, spent)
		sig, err := schnorr.Sign(priv, sh[:])
		if err != nil {
			t.Fatalf("sign input %d: %v", i, err)
		}
		tx.Inputs[i].Witness = sig.Serialize()
	}
	return tx, spent
}

// encTestBlock returns a block of a coinbase and a signed spend with a
// correct merkle root and proof of work at the regtest limit.
func encTestBlock(t testing.TB) *Block {
	t.Helper()
	p := RegTestParams()
	spend, _ := encTestSpend(t, p.GenesisHash)
	txs := []*Tx{encTestCoinbase(1, "block one"), spend}
	b := &Block{
		Header: Header{
			Version:    1,
			Prev:       p.GenesisHash,
			MerkleRoot: BlockMerkleRoot(txs),
			Time:       genesisTime + 60,
			Bits:       p.PowLimitBits,
			Nonce:      3,
		},
		Txs: txs,
	}
	for CheckProofOfWork(b.BlockHash(), b.Header.Bits, p.PowLimit) != nil {
		b.Header.Nonce++
	}
	return b
}

// encHashBytes returns encTestHash(b) as a slice.
func encHashBytes(b byte) []byte {
	h := encTestHash(b)
	return h[:]
}

// encConcat joins byte slices into a new one.
func encConcat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func encHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestVarintRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		v    uint64
		size int
		enc  string
	}{
		{name: "zero", v: 0, size: 1, enc: "00"},
		{name: "largest one byte", v: 0xfc, size: 1, enc: "fc"},
		{name: "smallest u16", v: 0xfd, size: 3, enc: "fdfd00"},
		{name: "largest u16", v: 0xffff, size: 3, enc: "fdffff"},
		{name: "smallest u32", v: 0x10000, size: 5, enc: "fe00000100"},
		{name: "largest u32", v: 0xffffffff, size: 5, enc: "feffffffff"},
		{name: "smallest u64", v: 0x100000000, size: 9, enc: "ff0000000001000000"},
		{name: "max u64", v: ^uint64(0), size: 9, enc: "ffffffffffffffffff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := VarIntSize(tc.v); got != tc.size {
				t.Errorf("VarIntSize(%#x) = %d, want %d", tc.v, got, tc.size)
			}
			enc := appendVarInt(nil, tc.v)
			if want := encHex(t, tc.enc); !bytes.Equal(enc, want) {
				t.Fatalf("appendVarInt(%#x) = %x, want %x", tc.v, enc, want)
			}
			if len(enc) != tc.size {
				t.Errorf("encoding is %d bytes, VarIntSize says %d", len(enc), tc.size)
			}
			r := reader{buf: enc}
			got := r.varInt("test")
			if err := r.done("test"); err != nil {
				t.Fatalf("decode %x: %v", enc, err)
			}
			if got != tc.v {
				t.Errorf("decode %x = %#x, want %#x", enc, got, tc.v)
			}
			// Every strict prefix is a short read.
			for i := 0; i < len(enc); i++ {
				r := reader{buf: enc[:i]}
				r.varInt("test")
				if !errors.Is(r.err, ErrShortRead) {
					t.Errorf("decode of %d-byte prefix %x: err %v, want ErrShortRead", i, enc[:i], r.err)
				}
			}
		})
	}
}

func TestVarintNonMinimal(t *testing.T) {
	tests := []struct {
		name string
		enc  string
	}{
		{name: "fd carrying 0", enc: "fd0000"},
		{name: "fd carrying 0xfc", enc: "fdfc00"},
		{name: "fe carrying 0", enc: "fe00000000"},
		{name: "fe carrying 0xfc", enc: "fefc000000"},
		{name: "fe carrying 0xffff", enc: "feffff0000"},
		{name: "ff carrying 0", enc: "ff0000000000000000"},
		{name: "ff carrying 0xffff", enc: "ffffff000000000000"},
		{name: "ff carrying 0xffffffff", enc: "ffffffffff00000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := reader{buf: encHex(t, tc.enc)}
			if v := r.varInt("test"); v != 0 {
				t.Errorf("value %#x returned with an error, want 0", v)
			}
			if !errors.Is(r.err, ErrNonMinimalVarint) {
				t.Fatalf("err = %v, want ErrNonMinimalVarint", r.err)
			}
			// The error sticks: later reads return zero values.
			if v := r.u32("after"); v != 0 || !errors.Is(r.err, ErrNonMinimalVarint) {
				t.Errorf("read after error = %d, err %v", v, r.err)
			}
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	hdr := Header{
		Version:    1,
		Prev:       encTestHash(0x01),
		MerkleRoot: encTestHash(0x02),
		Time:       0x5f5e1000,
		Bits:       0x1d00ffff,
		Nonce:      0xdeadbeef,
	}
	enc := hdr.Serialize()
	wantHex := "01000000" + strings.Repeat("01", 32) + strings.Repeat("02", 32) +
		"00105e5f" + "ffff001d" + "efbeadde"
	if got := hex.EncodeToString(enc[:]); got != wantHex {
		t.Fatalf("Serialize = %s, want %s", got, wantHex)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{name: "80 bytes", in: enc[:]},
		{name: "79 bytes", in: enc[:79], wantErr: ErrShortRead},
		{name: "empty", in: nil, wantErr: ErrShortRead},
		{name: "81 bytes", in: append(enc[:], 0), wantErr: ErrTrailingBytes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeHeader(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeHeader: %v", err)
			}
			if got != hdr {
				t.Fatalf("decoded %+v, want %+v", got, hdr)
			}
			if re := got.Serialize(); !bytes.Equal(re[:], tc.in) {
				t.Fatalf("re-encoding differs")
			}
		})
	}
}

func TestDecodeTxRoundTrip(t *testing.T) {
	spend, _ := encTestSpend(t, RegTestParams().GenesisHash)
	tests := []struct {
		name string
		tx   *Tx
	}{
		{name: "coinbase", tx: encTestCoinbase(7, "extra nonce and tag")},
		{name: "coinbase empty witness", tx: encTestCoinbase(0, "")},
		{name: "2-in-2-out spend", tx: spend},
		{name: "regtest genesis coinbase", tx: RegTestParams().GenesisBlock.Txs[0]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := tc.tx.Serialize()
			if len(enc) != tc.tx.SerializeSize() {
				t.Errorf("Serialize gave %d bytes, SerializeSize says %d", len(enc), tc.tx.SerializeSize())
			}
			got, err := DecodeTx(enc)
			if err != nil {
				t.Fatalf("DecodeTx: %v", err)
			}
			if !bytes.Equal(got.Serialize(), enc) {
				t.Fatalf("re-encoding differs")
			}
			if got.Version != tc.tx.Version || got.LockTime != tc.tx.LockTime ||
				len(got.Inputs) != len(tc.tx.Inputs) || len(got.Outputs) != len(tc.tx.Outputs) {
				t.Fatalf("decoded %+v, want %+v", got, tc.tx)
			}
			for i := range got.Inputs {
				if got.Inputs[i].Prev != tc.tx.Inputs[i].Prev || !bytes.Equal(got.Inputs[i].Witness, tc.tx.Inputs[i].Witness) {
					t.Errorf("input %d = %+v, want %+v", i, got.Inputs[i], tc.tx.Inputs[i])
				}
			}
			for i := range got.Outputs {
				if got.Outputs[i] != tc.tx.Outputs[i] {
					t.Errorf("output %d = %+v, want %+v", i, got.Outputs[i], tc.tx.Outputs[i])
				}
			}
			if got.TxID() != tc.tx.TxID() || got.WTxID() != tc.tx.WTxID() {
				t.Errorf("ids changed by the round trip")
			}
			// The decoded witness must not alias the input buffer.
			if len(got.Inputs[0].Witness) > 0 {
				enc[len(enc)-1] ^= 0xff
				if got.Serialize()[len(enc)-1] == enc[len(enc)-1] {
					t.Errorf("decoded witness aliases the input")
				}
			}
		})
	}
}

func TestDecodeTxTruncated(t *testing.T) {
	spend, _ := encTestSpend(t, RegTestParams().GenesisHash)
	tests := []struct {
		name string
		tx   *Tx
	}{
		{name: "coinbase", tx: encTestCoinbase(7, "truncate me")},
		{name: "spend", tx: spend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := tc.tx.Serialize()
			for n := 0; n < len(enc); n++ {
				tx, err := DecodeTx(enc[:n])
				if err == nil {
					t.Fatalf("%d of %d bytes decoded", n, len(enc))
				}
				if tx != nil {
					t.Errorf("%d bytes: a transaction returned with error %v", n, err)
				}
				if !errors.Is(err, ErrShortRead) && !errors.Is(err, ErrCountTooLarge) {
					t.Errorf("%d bytes: err = %v, want ErrShortRead or ErrCountTooLarge", n, err)
				}
			}
		})
	}
}

func TestDecodeTxErrors(t *testing.T) {
	cb := encTestCoinbase(1, "cb").Serialize()
	// A coinbase whose witness is so large that the transaction is over
	// MaxTxSize although every field is well formed.
	big := encTestCoinbase(1, strings.Repeat("x", MaxTxSize)).Serialize()
	version := []byte{1, 0, 0, 0}
	input := encConcat(encHashBytes(0x33), []byte{0, 0, 0, 0})
	output := encConcat(make([]byte, 8), encHashBytes(0x44))
	locktime := []byte{0, 0, 0, 0}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{name: "trailing byte", in: append(append([]byte(nil), cb...), 0), wantErr: ErrTrailingBytes},
		{name: "input count beyond the bytes left",
			in:      encConcat(version, []byte{3}, input, []byte{1}, output, locktime, []byte{0}),
			wantErr: ErrCountTooLarge},
		{name: "input count 0xffffffff",
			in:      encConcat(version, encHex(t, "feffffffff"), input),
			wantErr: ErrCountTooLarge},
		{name: "input count max u64",
			in:      encConcat(version, encHex(t, "ffffffffffffffffff"), input),
			wantErr: ErrCountTooLarge},
		{name: "non-minimal input count",
			in:      encConcat(version, encHex(t, "fd0100"), input, []byte{1}, output, locktime, []byte{0}),
			wantErr: ErrNonMinimalVarint},
		{name: "non-minimal output count",
			in:      encConcat(version, []byte{1}, input, encHex(t, "fd0100"), output, locktime, []byte{0}),
			wantErr: ErrNonMinimalVarint},
		{name: "output count beyond the bytes left",
			in:      encConcat(version, []byte{1}, input, []byte{3}, output, locktime, []byte{0}),
			wantErr: ErrCountTooLarge},
		{name: "non-minimal witness length",
			in:      encConcat(version, []byte{1}, input, []byte{1}, output, locktime, encHex(t, "fd0100"), []byte{0xaa}),
			wantErr: ErrNonMinimalVarint},
		{name: "witness length past the end",
			in:      encConcat(version, []byte{1}, input, []byte{1}, output, locktime, []byte{64}, make([]byte, 10)),
			wantErr: ErrCountTooLarge},
		{name: "witness missing for second input",
			in:      encConcat(version, []byte{2}, input, input, []byte{1}, output, locktime, []byte{0}),
			wantErr: ErrShortRead},
		{name: "oversize input", in: make([]byte, MaxTxSize+1), wantErr: ErrTxTooBig},
		{name: "oversize well-formed transaction", in: big, wantErr: ErrTxTooBig},
		{name: "empty", in: nil, wantErr: ErrShortRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := DecodeTx(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tx != nil {
				t.Errorf("a transaction returned with an error")
			}
		})
	}

	// The same shapes without the fault decode, so each case above fails
	// for the reason its name gives.
	good := encConcat(version, []byte{1}, input, []byte{1}, output, locktime, []byte{0})
	if _, err := DecodeTx(good); err != nil {
		t.Fatalf("control transaction: %v", err)
	}
	if _, err := DecodeTx(cb); err != nil {
		t.Fatalf("control coinbase: %v", err)
	}
}

// TestDecodeTxHugeCountNoAlloc checks that a count the remaining bytes
// cannot hold is refused before anything is sized by it.
func TestDecodeTxHugeCountNoAlloc(t *testing.T) {
	version := []byte{1, 0, 0, 0}
	tests := []struct {
		name string
		in   []byte
	}{
		{name: "0xffffffff inputs", in: encConcat(version, encHex(t, "feffffffff"))},
		{name: "max u64 inputs", in: encConcat(version, encHex(t, "ffffffffffffffffff"))},
		// 2777 is MaxTxSize/minTxInSize, the largest count the limit
		// allows: only the bytes left refuse it.
		{name: "2777 inputs in 5 bytes", in: encConcat(version, encHex(t, "fdd90a"), make([]byte, 5))},
		{name: "2500 outputs", in: encConcat(version, []byte{1}, make([]byte, minTxInSize), encHex(t, "fdc409"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeTx(tc.in); !errors.Is(err, ErrCountTooLarge) {
				t.Fatalf("err = %v, want ErrCountTooLarge", err)
			}
			// The transaction struct and the error cost a few small
			// allocations; a slice sized by the count would cost one
			// allocation of hundreds of kilobytes (or a panic).
			allocs := testing.AllocsPerRun(100, func() { _, _ = DecodeTx(tc.in) })
			if allocs > 8 {
				t.Errorf("%v allocations per failed decode", allocs)
			}
			const runs = 100
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < runs; i++ {
				_, _ = DecodeTx(tc.in)
			}
			runtime.ReadMemStats(&after)
			if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 2048 {
				t.Errorf("%d bytes allocated per failed decode", perRun)
			}
		})
	}
}

func TestDecodeBlock(t *testing.T) {
	blk := encTestBlock(t)
	enc := blk.Serialize()
	hdr := blk.Header.Serialize()
	txs := encConcat(blk.Txs[0].Serialize(), blk.Txs[1].Serialize())
	oversizeTx := encTestCoinbase(1, strings.Repeat("x", MaxTxSize)).Serialize()
	tests := []struct {
		name    string
		in      []byte
		maxSize int
		wantErr error
	}{
		{name: "round trip", in: enc, maxSize: 1_000_000},
		{name: "exactly maxSize", in: enc, maxSize: len(enc)},
		{name: "regtest genesis", in: RegTestParams().GenesisBlock.Serialize(), maxSize: 1_000_000},
		{name: "over maxSize", in: enc, maxSize: len(enc) - 1, wantErr: ErrBlockTooBig},
		{name: "trailing byte", in: append(append([]byte(nil), enc...), 0), maxSize: 1_000_000, wantErr: ErrTrailingBytes},
		{name: "non-minimal tx count", in: encConcat(hdr[:], encHex(t, "fd0200"), txs), maxSize: 1_000_000, wantErr: ErrNonMinimalVarint},
		{name: "tx count beyond the bytes left", in: encConcat(hdr[:], []byte{100}, txs), maxSize: 1_000_000, wantErr: ErrCountTooLarge},
		{name: "tx count 0xffffffff", in: encConcat(hdr[:], encHex(t, "feffffffff"), txs), maxSize: 1_000_000, wantErr: ErrCountTooLarge},
		{name: "one tx too few", in: encConcat(hdr[:], []byte{3}, txs), maxSize: 1_000_000, wantErr: ErrShortRead},
		{name: "tx over MaxTxSize", in: encConcat(hdr[:], []byte{1}, oversizeTx), maxSize: 1_000_000, wantErr: ErrTxTooBig},
		{name: "header only", in: hdr[:], maxSize: 1_000_000, wantErr: ErrShortRead},
		{name: "short header", in: hdr[:79], maxSize: 1_000_000, wantErr: ErrShortRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeBlock(tc.in, tc.maxSize)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("a block returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeBlock: %v", err)
			}
			if !bytes.Equal(got.Serialize(), tc.in) {
				t.Fatalf("re-encoding differs")
			}
			if got.SerializeSize() != len(tc.in) {
				t.Errorf("SerializeSize = %d, want %d", got.SerializeSize(), len(tc.in))
			}
			if err := CheckBlockSanity(got, RegTestParams()); err != nil {
				t.Errorf("CheckBlockSanity of a decoded valid block: %v", err)
			}
		})
	}

	// Truncation at every length fails without a panic.
	for n := 0; n < len(enc); n++ {
		if _, err := DecodeBlock(enc[:n], 1_000_000); err == nil {
			t.Fatalf("%d of %d bytes decoded", n, len(enc))
		}
	}
}

func TestHashTxIDExcludesWitness(t *testing.T) {
	spend, _ := encTestSpend(t, RegTestParams().GenesisHash)
	tests := []struct {
		name   string
		mutate func(tx *Tx)
		sameID bool
	}{
		{name: "witness byte flipped", mutate: func(tx *Tx) { tx.Inputs[1].Witness[5] ^= 1 }, sameID: true},
		{name: "witness emptied", mutate: func(tx *Tx) { tx.Inputs[0].Witness = nil }, sameID: true},
		{name: "locktime changed", mutate: func(tx *Tx) { tx.LockTime++ }},
		{name: "output value changed", mutate: func(tx *Tx) { tx.Outputs[0].Value++ }},
		{name: "outpoint index changed", mutate: func(tx *Tx) { tx.Inputs[0].Prev.Index++ }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := DecodeTx(spend.Serialize()) // a deep copy
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(tx)
			if got := tx.TxID() == spend.TxID(); got != tc.sameID {
				t.Errorf("txid unchanged = %v, want %v", got, tc.sameID)
			}
			if tx.WTxID() == spend.WTxID() {
				t.Errorf("wtxid unchanged")
			}
		})
	}

	// The txid is SHA256d of the serialization up to the locktime.
	enc := spend.Serialize()
	base := enc[:spend.baseSize()]
	if spend.TxID() != DoubleSHA256(base) {
		t.Errorf("TxID is not SHA256d of the witness-free serialization")
	}
	if spend.WTxID() != DoubleSHA256(enc) {
		t.Errorf("WTxID is not SHA256d of the full serialization")
	}
}

func TestBlockHashIsDoubleSHA256(t *testing.T) {
	tests := []struct {
		name string
		hdr  Header
	}{
		{name: "regtest genesis", hdr: RegTestParams().GenesisBlock.Header},
		{name: "testnet genesis", hdr: TestNetParams().GenesisBlock.Header},
		{name: "arbitrary", hdr: Header{Version: 1, Prev: encTestHash(9), Time: 1, Bits: 2, Nonce: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.hdr.Serialize()
			first := sha256.Sum256(b[:])
			want := Hash(sha256.Sum256(first[:]))
			if got := tc.hdr.BlockHash(); got != want {
				t.Fatalf("BlockHash = %v, want %v", got, want)
			}
			blk := Block{Header: tc.hdr}
			if blk.BlockHash() != want {
				t.Fatalf("Block.BlockHash differs from Header.BlockHash")
			}
		})
	}
	// The genesis constants are the printed form of these hashes.
	for _, p := range []*Params{RegTestParams(), TestNetParams()} {
		if got := p.GenesisBlock.BlockHash(); got != p.GenesisHash {
			t.Errorf("%s: genesis hashes to %v, constant is %v", p.Name, got, p.GenesisHash)
		}
	}
}

func TestHashString(t *testing.T) {
	var h Hash
	for i := range h {
		h[i] = byte(i)
	}
	tests := []struct {
		name string
		h    Hash
		str  string
	}{
		{name: "zero", h: Hash{}, str: strings.Repeat("00", 32)},
		{name: "counting bytes print reversed", h: h,
			str: "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"},
		{name: "leading zeros are the digest's last bytes", h: Hash{31: 0, 30: 0, 0: 0xff},
			str: strings.Repeat("00", 31) + "ff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.String(); got != tc.str {
				t.Fatalf("String = %s, want %s", got, tc.str)
			}
			parsed, err := NewHashFromStr(tc.str)
			if err != nil {
				t.Fatalf("NewHashFromStr: %v", err)
			}
			if parsed != tc.h {
				t.Fatalf("NewHashFromStr(%s) = %x, want %x", tc.str, parsed[:], tc.h[:])
			}
			text, _ := tc.h.MarshalText()
			var back Hash
			if err := back.UnmarshalText(text); err != nil || back != tc.h {
				t.Fatalf("text round trip = %v, %v", back, err)
			}
		})
	}

	bad := []struct {
		name string
		s    string
	}{
		{name: "empty", s: ""},
		{name: "63 digits", s: strings.Repeat("0", 63)},
		{name: "65 digits", s: strings.Repeat("0", 65)},
		{name: "not hex", s: strings.Repeat("zz", 32)},
	}
	for _, tc := range bad {
		t.Run("refuse "+tc.name, func(t *testing.T) {
			if _, err := NewHashFromStr(tc.s); err == nil {
				t.Fatalf("NewHashFromStr(%q) accepted", tc.s)
			}
		})
	}
}

func TestTaggedHash(t *testing.T) {
	manual := func(tag string, x []byte) Hash {
		th := sha256.Sum256([]byte(tag))
		return sha256.Sum256(encConcat(th[:], th[:], x))
	}
	tests := []struct {
		name  string
		tag   string
		parts [][]byte
	}{
		{name: "empty message", tag: "FLINT/merkle", parts: nil},
		{name: "one part", tag: "FLINT/sighash", parts: [][]byte{[]byte("hello")}},
		{name: "several parts", tag: "BIP0340/challenge", parts: [][]byte{{1, 2}, nil, {3}, bytes.Repeat([]byte{7}, 100)}},
		{name: "empty tag", tag: "", parts: [][]byte{{0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := manual(tc.tag, encConcat(tc.parts...))
			if got := TaggedHash(tc.tag, tc.parts...); got != want {
				t.Fatalf("TaggedHash = %x, want %x", got[:], want[:])
			}
		})
	}
	if TaggedHash("FLINT/merkle", []byte{1}) == TaggedHash("FLINT/sighash", []byte{1}) {
		t.Errorf("different tags gave the same hash")
	}
}

func TestMerkleRoot(t *testing.T) {
	a, b, c, d, e := encTestHash(0xa), encTestHash(0xb), encTestHash(0xc), encTestHash(0xd), encTestHash(0xe)
	node := func(l, r Hash) Hash { return TaggedHash("FLINT/merkle", l[:], r[:]) }
	tests := []struct {
		name   string
		leaves []Hash
		want   Hash
	}{
		{name: "no leaves", leaves: nil, want: Hash{}},
		{name: "one leaf", leaves: []Hash{a}, want: a},
		{name: "two leaves", leaves: []Hash{a, b}, want: node(a, b)},
		{name: "three leaves carry the odd one up", leaves: []Hash{a, b, c}, want: node(node(a, b), c)},
		{name: "four leaves", leaves: []Hash{a, b, c, d}, want: node(node(a, b), node(c, d))},
		{name: "five leaves", leaves: []Hash{a, b, c, d, e}, want: node(node(node(a, b), node(c, d)), e)},
		{name: "duplicated last leaf is hashed, not collapsed", leaves: []Hash{a, b, c, c}, want: node(node(a, b), node(c, c))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]Hash(nil), tc.leaves...)
			if got := MerkleRoot(in); got != tc.want {
				t.Fatalf("MerkleRoot = %x, want %x", got[:], tc.want[:])
			}
			for i := range in {
				if in[i] != tc.leaves[i] {
					t.Fatalf("MerkleRoot modified its input")
				}
			}
		})
	}
	// CVE-2012-2459: Bitcoin's tree gives [a b c] and [a b c c] one root.
	if MerkleRoot([]Hash{a, b, c}) == MerkleRoot([]Hash{a, b, c, c}) {
		t.Errorf("[a b c] and [a b c c] share a root")
	}
	if MerkleRoot([]Hash{a, b}) == MerkleRoot([]Hash{b, a}) {
		t.Errorf("leaf order does not matter")
	}
	// BlockMerkleRoot commits to wtxids.
	blk := encTestBlock(t)
	if got, want := BlockMerkleRoot(blk.Txs), node(blk.Txs[0].WTxID(), blk.Txs[1].WTxID()); got != want {
		t.Errorf("BlockMerkleRoot = %v, want %v", got, want)
	}
}

func TestCalcSigHash(t *testing.T) {
	genesis := RegTestParams().GenesisHash
	txid := encTestHash(0x5a)
	spent := []TxOut{
		{Value: 1, PubKey: encTestHash(0x61)},
		{Value: 0x0102030405060708, PubKey: encTestHash(0x62)},
		{Value: 0, PubKey: encTestHash(0x63)},
	}
	manual := func(genesis Hash, idx uint32) Hash {
		pre := encConcat(genesis[:], txid[:], binary.LittleEndian.AppendUint32(nil, idx))
		for _, o := range spent {
			pre = binary.LittleEndian.AppendUint64(pre, o.Value)
			pre = append(pre, o.PubKey[:]...)
		}
		return TaggedHash("FLINT/sighash", pre)
	}
	tests := []struct {
		name    string
		genesis Hash
		idx     int
	}{
		{name: "regtest input 0", genesis: genesis, idx: 0},
		{name: "regtest input 2", genesis: genesis, idx: 2},
		{name: "testnet input 0", genesis: TestNetParams().GenesisHash, idx: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := CalcSigHash(tc.genesis, txid, tc.idx, spent), manual(tc.genesis, uint32(tc.idx)); got != want {
				t.Fatalf("CalcSigHash = %x, want %x", got[:], want[:])
			}
		})
	}
	base := CalcSigHash(genesis, txid, 0, spent)
	differs := []struct {
		name string
		h    Hash
	}{
		{name: "another genesis", h: CalcSigHash(TestNetParams().GenesisHash, txid, 0, spent)},
		{name: "another input index", h: CalcSigHash(genesis, txid, 1, spent)},
		{name: "another txid", h: CalcSigHash(genesis, encTestHash(0x5b), 0, spent)},
		{name: "another spent value", h: CalcSigHash(genesis, txid, 0, []TxOut{{Value: 2, PubKey: spent[0].PubKey}, spent[1], spent[2]})},
		{name: "another spent key", h: CalcSigHash(genesis, txid, 0, []TxOut{spent[0], {Value: spent[1].Value}, spent[2]})},
		{name: "one spent output fewer", h: CalcSigHash(genesis, txid, 0, spent[:2])},
	}
	for _, tc := range differs {
		t.Run(tc.name, func(t *testing.T) {
			if tc.h == base {
				t.Fatalf("sighash unchanged")
			}
		})
	}
}

func TestUtxoEntryEncoding(t *testing.T) {
	entries := []struct {
		name string
		e    UtxoEntry
	}{
		{name: "coinbase", e: UtxoEntry{Output: TxOut{Value: 50 * 100_000_000, PubKey: encTestHash(1)}, Height: 100, IsCoinbase: true}},
		{name: "spend output", e: UtxoEntry{Output: TxOut{Value: 1, PubKey: encTestHash(2)}, Height: 0xffffffff}},
		{name: "zero", e: UtxoEntry{}},
	}
	for _, tc := range entries {
		t.Run(tc.name, func(t *testing.T) {
			enc := tc.e.Serialize()
			if len(enc) != utxoEntrySize {
				t.Fatalf("Serialize gave %d bytes, want %d", len(enc), utxoEntrySize)
			}
			got, err := DecodeUtxoEntry(enc)
			if err != nil {
				t.Fatalf("DecodeUtxoEntry: %v", err)
			}
			if got != tc.e {
				t.Fatalf("decoded %+v, want %+v", got, tc.e)
			}
		})
	}

	good := entries[0].e.Serialize()
	withFlags := func(f byte) []byte {
		b := append([]byte(nil), good...)
		b[4] = f
		return b
	}
	bad := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{name: "flags 2", in: withFlags(2), wantErr: ErrMalformed},
		{name: "flags 0xff", in: withFlags(0xff), wantErr: ErrMalformed},
		{name: "44 bytes", in: good[:44], wantErr: ErrShortRead},
		{name: "5 bytes", in: good[:5], wantErr: ErrShortRead},
		{name: "4 bytes", in: good[:4], wantErr: ErrShortRead},
		{name: "empty", in: nil, wantErr: ErrShortRead},
		{name: "46 bytes", in: append(append([]byte(nil), good...), 0), wantErr: ErrTrailingBytes},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeUtxoEntry(tc.in); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestUndoEncoding(t *testing.T) {
	e1 := UtxoEntry{Output: TxOut{Value: 5, PubKey: encTestHash(1)}, Height: 3, IsCoinbase: true}
	e2 := UtxoEntry{Output: TxOut{Value: 6, PubKey: encTestHash(2)}, Height: 4}
	many := make([]UtxoEntry, 300) // a count that needs the 0xfd form
	for i := range many {
		many[i] = UtxoEntry{Output: TxOut{Value: uint64(i)}, Height: uint32(i), IsCoinbase: i%2 == 0}
	}
	tests := []struct {
		name  string
		spent []UtxoEntry
	}{
		{name: "none", spent: nil},
		{name: "one", spent: []UtxoEntry{e1}},
		{name: "two", spent: []UtxoEntry{e1, e2}},
		{name: "three hundred", spent: many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := encodeUndo(tc.spent)
			if want := VarIntSize(uint64(len(tc.spent))) + len(tc.spent)*utxoEntrySize; len(enc) != want {
				t.Fatalf("encodeUndo gave %d bytes, want %d", len(enc), want)
			}
			got, err := decodeUndo(enc)
			if err != nil {
				t.Fatalf("decodeUndo: %v", err)
			}
			if len(got) != len(tc.spent) {
				t.Fatalf("decoded %d entries, want %d", len(got), len(tc.spent))
			}
			for i := range got {
				if got[i] != tc.spent[i] {
					t.Fatalf("entry %d = %+v, want %+v", i, got[i], tc.spent[i])
				}
			}
		})
	}

	two := encodeUndo([]UtxoEntry{e1, e2})
	badFlags := append([]byte(nil), two...)
	badFlags[1+utxoEntrySize+4] = 2
	bad := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{name: "empty", in: nil, wantErr: ErrShortRead},
		{name: "count beyond the bytes left", in: encConcat([]byte{3}, two[1:]), wantErr: ErrCountTooLarge},
		{name: "count 0xffffffff", in: encConcat(encHex(t, "feffffffff"), two[1:]), wantErr: ErrCountTooLarge},
		{name: "non-minimal count", in: encConcat(encHex(t, "fd0200"), two[1:]), wantErr: ErrNonMinimalVarint},
		{name: "truncated entry", in: two[:len(two)-1], wantErr: ErrCountTooLarge},
		{name: "trailing byte", in: append(append([]byte(nil), two...), 0), wantErr: ErrTrailingBytes},
		{name: "bad flags in second entry", in: badFlags, wantErr: ErrMalformed},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeUndo(tc.in); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestDecodeIndexEntry(t *testing.T) {
	genesis := RegTestParams().GenesisBlock.Header
	child := Header{Version: 1, Prev: genesis.BlockHash(), MerkleRoot: encTestHash(3), Time: genesis.Time + 60, Bits: genesis.Bits, Nonce: 99}
	root := newBlockNode(&genesis, nil)
	tests := []struct {
		name   string
		node   *blockNode
		status blockStatus
		seq    uint64
	}{
		{name: "genesis", node: root, status: statusDataStored, seq: 0},
		{name: "child", node: newBlockNode(&child, root), status: 0, seq: 1 << 40},
		{name: "every status bit", node: newBlockNode(&child, root), status: 0xff, seq: ^uint64(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.node.status, tc.node.seq = tc.status, tc.seq
			enc := encodeIndexEntry(indexEntryOf(tc.node))
			if len(enc) != indexEntrySize {
				t.Fatalf("encodeIndexEntry gave %d bytes, want %d", len(enc), indexEntrySize)
			}
			got, err := decodeIndexEntry(enc)
			if err != nil {
				t.Fatalf("decodeIndexEntry: %v", err)
			}
			// Memory-only status bits are not written.
			want := indexEntry{header: tc.node.header(), height: tc.node.height, status: tc.status & statusPersisted, seq: tc.seq}
			if got != want {
				t.Fatalf("decoded %+v, want %+v", got, want)
			}
			if got.header.BlockHash() != tc.node.hash {
				t.Errorf("decoded header hashes to %v, node hash %v", got.header.BlockHash(), tc.node.hash)
			}
		})
	}

	good := encodeIndexEntry(indexEntryOf(root))
	for _, n := range []int{0, HeaderSize, indexEntrySize - 1, indexEntrySize + 1} {
		in := make([]byte, n)
		copy(in, good)
		var ae AssertError
		if _, err := decodeIndexEntry(in); !errors.As(err, &ae) {
			t.Errorf("%d-byte record: err = %v, want AssertError", n, err)
		}
	}
}

func TestDecodeTxLocation(t *testing.T) {
	tests := []struct {
		name string
		loc  txLocation
	}{
		{name: "zero", loc: txLocation{}},
		{name: "typical", loc: txLocation{block: encTestHash(7), offset: 81, length: 200}},
		{name: "max", loc: txLocation{block: encTestHash(0xff), offset: ^uint32(0), length: ^uint32(0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeTxLocation(encodeTxLocation(tc.loc))
			if err != nil || got != tc.loc {
				t.Fatalf("round trip = %+v, %v; want %+v", got, err, tc.loc)
			}
		})
	}
	for _, n := range []int{0, HashSize + 7, HashSize + 9} {
		var ae AssertError
		if _, err := decodeTxLocation(make([]byte, n)); !errors.As(err, &ae) {
			t.Errorf("%d-byte record: err = %v, want AssertError", n, err)
		}
	}
}
