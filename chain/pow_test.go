package chain

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bitcoinPowLimit returns Bitcoin mainnet's proof of work limit, 2^224 - 1,
// whose compact form is 0x1d00ffff.
func bitcoinPowLimit() *big.Int {
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 224), big.NewInt(1))
}

// mustBig parses a hexadecimal integer for a test table, with an optional
// leading minus sign.
func mustBig(t testing.TB, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex integer %q", s)
	}
	return n
}

// TestCompactToTarget covers Bitcoin Core's SetCompact/GetCompact cases
// (arith_uint256_tests) plus the overflow boundaries and powLimit.
func TestCompactToTarget(t *testing.T) {
	tests := []struct {
		name     string
		bits     uint32
		powLimit *big.Int
		want     string // target in hex when valid
		compact  uint32 // TargetToCompact(target) when valid
		errMsg   string // part of the ErrBadBits description when invalid
	}{
		{name: "all zero", bits: 0, errMsg: "zero"},
		{name: "size 0", bits: 0x00123456, errMsg: "zero"},
		{name: "size 1 mantissa shifted out", bits: 0x01003456, errMsg: "zero"},
		{name: "size 2 mantissa shifted out", bits: 0x02000056, errMsg: "zero"},
		{name: "size 3 zero mantissa", bits: 0x03000000, errMsg: "zero"},
		{name: "size 4 zero mantissa", bits: 0x04000000, errMsg: "zero"},
		{name: "size 0 sign bit shifted out", bits: 0x00923456, errMsg: "zero"},
		{name: "size 1 sign bit, zero mantissa", bits: 0x01803456, errMsg: "zero"},
		{name: "size 2 sign bit, zero mantissa", bits: 0x02800056, errMsg: "zero"},
		{name: "size 3 sign bit, zero mantissa", bits: 0x03800000, errMsg: "zero"},
		{name: "size 4 sign bit, zero mantissa", bits: 0x04800000, errMsg: "zero"},
		{name: "size 1", bits: 0x01123456, want: "12", compact: 0x01120000},
		{name: "size 1 negative", bits: 0x01fedcba, errMsg: "negative"},
		{name: "size 2", bits: 0x02123456, want: "1234", compact: 0x02123400},
		{name: "size 3", bits: 0x03123456, want: "123456", compact: 0x03123456},
		{name: "size 4", bits: 0x04123456, want: "12345600", compact: 0x04123456},
		{name: "size 4 negative", bits: 0x04923456, errMsg: "negative"},
		{name: "leading zero byte", bits: 0x05009234, want: "92340000", compact: 0x05009234},
		{name: "high bit needs extra byte", bits: 0x02008000, want: "80", compact: 0x02008000},
		{name: "size 32", bits: 0x20123456,
			want:    "1234560000000000000000000000000000000000000000000000000000000000",
			compact: 0x20123456},
		{name: "size 32 sign bit", bits: 0x20ffffff, errMsg: "negative"},
		{name: "regtest limit 0x207fffff", bits: 0x207fffff,
			want:    "7fffff0000000000000000000000000000000000000000000000000000000000",
			compact: 0x207fffff},
		{name: "size 33 two bytes", bits: 0x2100ffff,
			want:    "ffff000000000000000000000000000000000000000000000000000000000000",
			compact: 0x2100ffff},
		{name: "size 33 overflow", bits: 0x21010000, errMsg: "256 bits"},
		{name: "size 34 one byte", bits: 0x220000ff,
			want:    "ff00000000000000000000000000000000000000000000000000000000000000",
			compact: 0x2100ff00},
		{name: "size 34 overflow", bits: 0x22000100, errMsg: "256 bits"},
		{name: "size 35 overflow", bits: 0x23000001, errMsg: "256 bits"},
		{name: "size 255 overflow", bits: 0xff123456, errMsg: "256 bits"},
		{name: "bitcoin genesis at powLimit", bits: 0x1d00ffff, powLimit: bitcoinPowLimit(),
			want:    "ffff0000000000000000000000000000000000000000000000000000",
			compact: 0x1d00ffff},
		{name: "bitcoin block 32256", bits: 0x1d00d86a, powLimit: bitcoinPowLimit(),
			want:    "d86a0000000000000000000000000000000000000000000000000000",
			compact: 0x1d00d86a},
		{name: "above powLimit", bits: 0x1d010000, powLimit: bitcoinPowLimit(), errMsg: "above"},
		{name: "far above powLimit", bits: 0x207fffff, powLimit: bitcoinPowLimit(), errMsg: "above"},
		{name: "smallest target", bits: 0x01010000, powLimit: bitcoinPowLimit(),
			want: "1", compact: 0x01010000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, err := CompactToTarget(tc.bits, tc.powLimit)
			if tc.errMsg != "" {
				if !errors.Is(err, ErrBadBits) {
					t.Fatalf("got (%v, %v), want ErrBadBits", target, err)
				}
				var ruleErr RuleError
				if !errors.As(err, &ruleErr) || !strings.Contains(ruleErr.Description, tc.errMsg) {
					t.Errorf("description %q does not mention %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if want := mustBig(t, tc.want); target.Cmp(want) != 0 {
				t.Errorf("target %x, want %x", target, want)
			}
			if got := TargetToCompact(target); got != tc.compact {
				t.Errorf("TargetToCompact = %08x, want %08x", got, tc.compact)
			}
		})
	}
}

// TestTargetToCompact covers GetCompact directly, including the sign-bit
// shift and the negative numbers Core can still encode.
func TestTargetToCompact(t *testing.T) {
	tests := []struct {
		name   string
		target string // hex, optionally negative
		want   uint32
	}{
		{"zero", "0", 0},
		{"one", "1", 0x01010000},
		{"0x12", "12", 0x01120000},
		{"0x80 takes a second byte", "80", 0x02008000},
		{"0x7fffff", "7fffff", 0x037fffff},
		{"0x800000 takes a fourth byte", "800000", 0x04008000},
		{"0x12345600", "12345600", 0x04123456},
		{"low bits truncated", "123456789a", 0x05123456},
		{"bitcoin powLimit", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0x1d00ffff},
		{"bitcoin genesis target", "ffff0000000000000000000000000000000000000000000000000000", 0x1d00ffff},
		{"2^255 - 1", "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0x207fffff},
		{"2^256 - 1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0x2100ffff},
		{"negative one", "-1", 0x01810000},
		{"negative 0x7e", "-7e", 0x01fe0000},
		{"negative 0x12345600", "-12345600", 0x04923456},
		{"negative 0x800000", "-800000", 0x04808000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := mustBig(t, tc.target)
			before := new(big.Int).Set(target)
			if got := TargetToCompact(target); got != tc.want {
				t.Errorf("got %08x, want %08x", got, tc.want)
			}
			if target.Cmp(before) != 0 {
				t.Errorf("TargetToCompact modified its argument")
			}
		})
	}
}

// TestCompactRoundTrip checks on random targets of every width that the
// compact form decodes to at most the target, loses only low bits, and is
// stable: encoding the decoded value gives the same bits.
func TestCompactRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for width := 1; width <= 256; width++ {
		for i := 0; i < 20; i++ {
			var buf [32]byte
			for j := range buf {
				buf[j] = byte(rng.Uint32())
			}
			target := new(big.Int).SetBytes(buf[:])
			target.Rsh(target, uint(256-width))
			target.SetBit(target, width-1, 1) // exactly width bits

			bits := TargetToCompact(target)
			back, err := CompactToTarget(bits, nil)
			if err != nil {
				t.Fatalf("%x -> %08x: %v", target, bits, err)
			}
			if back.Cmp(target) > 0 {
				t.Fatalf("%x -> %08x decodes to larger %x", target, bits, back)
			}
			// At least 15 significant bits survive.
			lost := new(big.Int).Sub(target, back)
			if width > 16 && lost.BitLen() > width-15 {
				t.Fatalf("%x -> %08x lost too much: %x", target, bits, lost)
			}
			if again := TargetToCompact(back); again != bits {
				t.Fatalf("%x -> %08x -> %x -> %08x", target, bits, back, again)
			}
		}
	}
}

// TestHashToBig checks that a hash is read little-endian: the printed
// (byte-reversed) hex is the big-endian number.
func TestHashToBig(t *testing.T) {
	tests := []struct {
		name string
		hash string
	}{
		{"bitcoin genesis", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{"one", "0000000000000000000000000000000000000000000000000000000000000001"},
		{"all ones", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHashFromStr(tc.hash)
			if err != nil {
				t.Fatal(err)
			}
			before := h
			if got, want := HashToBig(h), mustBig(t, tc.hash); got.Cmp(want) != 0 {
				t.Errorf("got %x, want %x", got, want)
			}
			if h != before {
				t.Error("HashToBig modified the hash")
			}
		})
	}
}

// TestCalcWork checks 2^256 / (target + 1) and zero work for invalid bits.
func TestCalcWork(t *testing.T) {
	tests := []struct {
		name string
		bits uint32
		want string // hex
	}{
		{"bitcoin difficulty 1", 0x1d00ffff, "100010001"},
		{"0x1b01ffff", 0x1b01ffff, "800040002000"},
		{"0x185fb28a", 0x185fb28a, "2acd33ddd458512da"},
		{"regtest limit", 0x207fffff, "2"},
		{"target 1", 0x01010000, "8000000000000000000000000000000000000000000000000000000000000000"},
		{"zero target", 0, "0"},
		{"negative", 0x01810000, "0"},
		{"overflow", 0xff123456, "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := CalcWork(tc.bits), mustBig(t, tc.want); got.Cmp(want) != 0 {
				t.Errorf("got %x, want %x", got, want)
			}
		})
	}
	// Repeated calls must not share state.
	a := CalcWork(0x1d00ffff)
	a.SetInt64(0)
	if CalcWork(0x1d00ffff).Sign() == 0 {
		t.Error("CalcWork results share storage")
	}
}

// TestCheckProofOfWork checks the comparison at and around the target and
// the bits errors.
func TestCheckProofOfWork(t *testing.T) {
	tests := []struct {
		name     string
		hash     string
		bits     uint32
		powLimit *big.Int
		err      error
	}{
		{"hash equals target", "00000000000000000000000000000000000000000000000000000000000001ff", 0x0201ff00, nil, nil},
		{"hash one below target", "00000000000000000000000000000000000000000000000000000000000001fe", 0x0201ff00, nil, nil},
		{"hash one above target", "0000000000000000000000000000000000000000000000000000000000000200", 0x0201ff00, nil, ErrHighHash},
		{"top bit above 0x207fffff", "8000000000000000000000000000000000000000000000000000000000000000", 0x207fffff, nil, ErrHighHash},
		{"just below 0x207fffff", "7ffffeffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0x207fffff, nil, nil},
		{"genesis at bitcoin powLimit", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", 0x1d00ffff, bitcoinPowLimit(), nil},
		{"genesis hash, harder bits", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", 0x1b00ffff, bitcoinPowLimit(), ErrHighHash},
		{"zero hash, zero target", "0000000000000000000000000000000000000000000000000000000000000000", 0, nil, ErrBadBits},
		{"zero hash, negative bits", "0000000000000000000000000000000000000000000000000000000000000000", 0x04923456, nil, ErrBadBits},
		{"zero hash, overflow bits", "0000000000000000000000000000000000000000000000000000000000000000", 0xff123456, nil, ErrBadBits},
		{"zero hash, above powLimit", "0000000000000000000000000000000000000000000000000000000000000000", 0x1d010000, bitcoinPowLimit(), ErrBadBits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHashFromStr(tc.hash)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckProofOfWork(h, tc.bits, tc.powLimit)
			if tc.err == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			var ruleErr RuleError
			if !errors.As(err, &ruleErr) {
				t.Fatalf("error %T is not a RuleError", err)
			}
		})
	}
}

// readMainnetHeaders reads testdata/bitcoin_mainnet_headers.hex: one 80-byte
// header in hex per line, '#' lines are comments.
func readMainnetHeaders(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "bitcoin_mainnet_headers.hex"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var headers [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("header %d: %v", len(headers), err)
		}
		if len(b) != 80 {
			t.Fatalf("header %d is %d bytes, want 80", len(headers), len(b))
		}
		headers = append(headers, b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return headers
}

// TestMainnetHeaderPow checks hashing, chaining and proof of work on real
// Bitcoin headers: heights 0..255 in order, then two recent blocks.
func TestMainnetHeaderPow(t *testing.T) {
	const chained = 256 // heights 0..255
	headers := readMainnetHeaders(t)
	if len(headers) != chained+2 {
		t.Fatalf("read %d headers, want %d", len(headers), chained+2)
	}

	hashes := make([]Hash, len(headers))
	for i, hdr := range headers {
		hashes[i] = DoubleSHA256(hdr)
	}

	const genesis = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
	if got := hashes[0].String(); got != genesis {
		t.Errorf("genesis hash %s, want %s", got, genesis)
	}
	for height := 1; height < chained; height++ {
		var prev Hash
		copy(prev[:], headers[height][4:36])
		if prev != hashes[height-1] {
			t.Errorf("height %d: prev %v, want %v", height, prev, hashes[height-1])
		}
	}
	// The file's comment names the two recent blocks by hash prefix.
	for i, prefix := range []string{"0000000000000000001602407ac49862", "00000000000000000021868c2cefc52a"} {
		if got := hashes[chained+i].String(); !strings.HasPrefix(got, prefix) {
			t.Errorf("recent block %d: hash %s, want prefix %s", i, got, prefix)
		}
	}

	for i, hdr := range headers {
		bits := binary.LittleEndian.Uint32(hdr[72:76])
		if err := CheckProofOfWork(hashes[i], bits, bitcoinPowLimit()); err != nil {
			t.Errorf("header %d (%v): %v", i, hashes[i], err)
		}

		// Another nonce gives an unrelated hash, which misses even the
		// difficulty-1 target with probability 1 - 2^-32.
		bad := append([]byte(nil), hdr...)
		nonce := binary.LittleEndian.Uint32(bad[76:80])
		binary.LittleEndian.PutUint32(bad[76:80], nonce+1)
		err := CheckProofOfWork(DoubleSHA256(bad), bits, nil)
		if !errors.Is(err, ErrHighHash) {
			t.Errorf("header %d with nonce %d: got %v, want ErrHighHash", i, nonce+1, err)
		}
	}
}

// BenchmarkCheckProofOfWork measures the check on a real header hash.
func BenchmarkCheckProofOfWork(b *testing.B) {
	h, err := NewHashFromStr("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
	if err != nil {
		b.Fatal(err)
	}
	powLimit := bitcoinPowLimit()
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckProofOfWork(h, 0x1d00ffff, powLimit); err != nil {
			b.Fatal(err)
		}
	}
}
