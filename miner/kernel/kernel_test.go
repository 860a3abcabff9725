package kernel

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

var long = flag.Bool("long", false, "run the differential test on millions of headers")

// testKernels returns every kernel this CPU supports and logs the ones it
// cannot run.
func testKernels(t testing.TB) []Kernel {
	t.Helper()
	for _, n := range names {
		if _, err := ByName(n); err != nil {
			t.Logf("skipping kernel %s: %v", n, err)
		}
	}
	return Available()
}

// kernelNeeds says what each assembly kernel needs of the CPU.
var kernelNeeds = map[string]string{
	"avx512": "AVX-512F and AVX-512BW",
	"sha-ni": "the SHA extensions with SSSE3 and SSE4.1",
	"avx2":   "AVX2",
}

// forEachKernel runs f in a subtest named after each kernel of the package.
// A kernel this CPU cannot run is skipped with a sentence saying so; one
// that failed its self-test fails the subtest.
func forEachKernel(t *testing.T, f func(t *testing.T, ki int, k Kernel)) {
	for ki, n := range names {
		t.Run(n, func(t *testing.T) {
			k, err := ByName(n)
			if errors.Is(err, ErrUnsupportedKernel) {
				t.Skipf("kernel %s not tested: this CPU lacks %s", n, kernelNeeds[n])
			}
			if err != nil {
				t.Fatal(err)
			}
			f(t, ki, k)
		})
	}
}

// refHash is SHA256d(header with nonce) by crypto/sha256 alone.
func refHash(hdr [80]byte, nonce uint32) [32]byte {
	binary.LittleEndian.PutUint32(hdr[76:], nonce)
	first := sha256.Sum256(hdr[:])
	return sha256.Sum256(first[:])
}

// leInt reads b as a little-endian unsigned integer.
func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(r)
}

// refMeets is the reference proof-of-work check, independent of the
// package's own comparison.
func refMeets(hdr [80]byte, target [32]byte, nonce uint32) bool {
	h := refHash(hdr, nonce)
	return leInt(h[:]).Cmp(leInt(target[:])) <= 0
}

// refFirst is the first nonce of the window that meets the target.
func refFirst(hdr [80]byte, target [32]byte, start, count uint32) (uint32, bool) {
	for i := uint32(0); i < count; i++ {
		if refMeets(hdr, target, start+i) {
			return start + i, true
		}
	}
	return 0, false
}

// randomTarget returns a target that about one nonce in 2^shift meets.
func randomTarget(rng *rand.Rand, shift uint) [32]byte {
	var t [32]byte
	for i := range t {
		t[i] = byte(rng.Uint32())
	}
	top := uint32(1<<(32-shift)) - 1
	binary.LittleEndian.PutUint32(t[28:], top&rng.Uint32()|top>>1)
	return t
}

func randomHeader(rng *rand.Rand) [80]byte {
	var h [80]byte
	for i := range h {
		h[i] = byte(rng.Uint32())
	}
	return h
}

// checkScan scans the window with k and fails unless the result is the
// reference's first hit.
func checkScan(t *testing.T, k Kernel, hdr [80]byte, target [32]byte, start, count uint32) {
	t.Helper()
	w := NewWork(hdr, target)
	got, gotOK := k.Scan(w, start, count)
	want, wantOK := refFirst(hdr, target, start, count)
	if gotOK != wantOK || got != want {
		t.Fatalf("%s.Scan(header %x, target %x, start %#x, count %d) = %#x, %v; crypto/sha256 says %#x, %v",
			k.Name(), hdr, target, start, count, got, gotOK, want, wantOK)
	}
	if gotOK && !refMeets(hdr, target, got) {
		t.Fatalf("%s reported nonce %#x that does not meet the target", k.Name(), got)
	}
}

func TestDifferential(t *testing.T) {
	headers := 200_000
	switch {
	case *long:
		headers = 3_000_000
	case testing.Short():
		headers = 10_000
	}
	perKernel := headers / len(Available())
	forEachKernel(t, func(t *testing.T, ki int, k Kernel) {
		{
			rng := rand.New(rand.NewPCG(uint64(ki), 1))
			for i := 0; i < perKernel; i++ {
				hdr := randomHeader(rng)
				target := randomTarget(rng, 1+uint(rng.IntN(7)))
				count := uint32(rng.IntN(100))
				start := rng.Uint32()
				if rng.IntN(8) == 0 {
					start = ^uint32(0) - count + 1 // the window ends at 2^32-1
				} else if start > ^uint32(0)-count {
					start -= count
				}
				checkScan(t, k, hdr, target, start, count)
			}
		}
	})
}

// TestExactTarget puts the target exactly at one nonce's hash, and one
// below it, so the top words tie and only the full check decides.
func TestExactTarget(t *testing.T) {
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	forEachKernel(t, func(t *testing.T, ki int, k Kernel) {
		{
			rng := rand.New(rand.NewPCG(uint64(ki), 2))
			for i := 0; i < rounds; i++ {
				hdr := randomHeader(rng)
				n := rng.Uint32() | 64
				target := refHash(hdr, n)
				start := n - uint32(rng.IntN(20))
				checkScan(t, k, hdr, target, start, 40)
				if got, ok := k.Scan(NewWork(hdr, target), n, 1); !ok || got != n {
					t.Fatalf("target = hash(%#x): Scan(n, 1) = %#x, %v", n, got, ok)
				}
				below := leInt(target[:])
				if below.Sign() == 0 {
					continue
				}
				below.Sub(below, big.NewInt(1))
				var tb [32]byte
				be := below.FillBytes(make([]byte, 32))
				for j := range tb {
					tb[j] = be[31-j]
				}
				if got, ok := k.Scan(NewWork(hdr, tb), n, 1); ok {
					t.Fatalf("target = hash(%#x)-1: Scan(n, 1) reported %#x", n, got)
				}
				checkScan(t, k, hdr, tb, start, 40)
			}
		}
	})
}

// TestTopWordGeneric compares the portable kernel's shortened hash with
// crypto/sha256's full one.
func TestTopWordGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 20000; i++ {
		hdr := randomHeader(rng)
		n := rng.Uint32()
		w := NewWork(hdr, [32]byte{})
		h := refHash(hdr, n)
		if got, want := topWordGeneric(w, n), binary.BigEndian.Uint32(h[28:]); got != want {
			t.Fatalf("header %x nonce %#x: H7 = %#x, crypto/sha256 %#x", hdr, n, got, want)
		}
		if w.Hash(n) != h {
			t.Fatalf("Work.Hash disagrees with crypto/sha256")
		}
	}
}

// TestAllNoncesMeet scans with the largest target, so every nonce meets it
// and each Scan must return its start; with count 0 nothing is found.
func TestAllNoncesMeet(t *testing.T) {
	var target [32]byte
	for i := range target {
		target[i] = 0xff
	}
	hdr := randomHeader(rand.New(rand.NewPCG(4, 4)))
	w := NewWork(hdr, target)
	forEachKernel(t, func(t *testing.T, _ int, k Kernel) {
		for _, start := range []uint32{0, 1, 7, 1 << 31, ^uint32(0) - 16, ^uint32(0)} {
			for _, count := range []uint32{1, 2, 8, 17} {
				if start > ^uint32(0)-count+1 {
					continue
				}
				if got, ok := k.Scan(w, start, count); !ok || got != start {
					t.Errorf("%s.Scan(%#x, %d) = %#x, %v; want the start", k.Name(), start, count, got, ok)
				}
			}
			if got, ok := k.Scan(w, start, 0); ok {
				t.Errorf("%s.Scan(%#x, 0) found %#x", k.Name(), start, got)
			}
		}
	})
}

// compactTarget decodes Bitcoin's compact "bits" (mantissa * 256^(exp-3))
// into a little-endian 256-bit target.
func compactTarget(bits uint32) [32]byte {
	exp := int(bits >> 24)
	mant := big.NewInt(int64(bits & 0x007fffff))
	if exp <= 3 {
		mant.Rsh(mant, uint(8*(3-exp)))
	} else {
		mant.Lsh(mant, uint(8*(exp-3)))
	}
	var t [32]byte
	be := mant.FillBytes(make([]byte, 32))
	for i := range t {
		t[i] = be[31-i]
	}
	return t
}

func readHeaders(t *testing.T) [][80]byte {
	t.Helper()
	text, err := os.ReadFile("testdata/bitcoin_mainnet_headers.hex")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := parseHeaders(string(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 258 {
		t.Fatalf("read %d headers, want 258", len(hs))
	}
	return hs
}

// TestBitcoinHeaders scans a window around each real header's nonce with
// the header's own target: the first hit must be its nonce, or an earlier
// nonce that truly meets the target.
func TestBitcoinHeaders(t *testing.T) {
	hs := readHeaders(t)
	genesis := refHash(hs[0], binary.LittleEndian.Uint32(hs[0][76:]))
	if got := hex.EncodeToString(leInt(genesis[:]).FillBytes(make([]byte, 32))); got !=
		"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f" {
		t.Fatalf("genesis hash %s", got)
	}
	radius := uint32(5000)
	if testing.Short() {
		radius = 500
	}
	forEachKernel(t, func(t *testing.T, _ int, k Kernel) {
		{
			for i, hdr := range hs {
				nonce := binary.LittleEndian.Uint32(hdr[76:])
				target := compactTarget(binary.LittleEndian.Uint32(hdr[72:]))
				lo, hi := nonce-min(nonce, radius), nonce+min(^uint32(0)-nonce, radius)
				w := NewWork(hdr, target)
				got, ok := k.Scan(w, lo, hi-lo+1)
				if !ok || got > nonce || (got != nonce && !refMeets(hdr, target, got)) {
					t.Fatalf("header %d: Scan(%#x..%#x) = %#x, %v; want nonce %#x", i, lo, hi, got, ok, nonce)
				}
				if got, ok := k.Scan(w, nonce, 1); !ok || got != nonce {
					t.Fatalf("header %d: Scan(nonce, 1) = %#x, %v", i, got, ok)
				}
				if nonce > 0 && nonce-lo > 0 {
					if got, ok := k.Scan(w, lo, nonce-lo); ok && !refMeets(hdr, target, got) {
						t.Fatalf("header %d: false positive %#x", i, got)
					}
				}
			}
		}
	})
}

func TestByName(t *testing.T) {
	for _, n := range names {
		k, err := ByName(n)
		switch {
		case err == nil && k.Name() != n:
			t.Errorf("ByName(%q).Name() = %q", n, k.Name())
		case err != nil && !errors.Is(err, ErrUnsupportedKernel):
			t.Errorf("ByName(%q) = %v, want nil or ErrUnsupportedKernel", n, err)
		}
	}
	if _, err := ByName("avx-9000"); !errors.Is(err, ErrUnknownKernel) {
		t.Errorf("ByName(unknown) = %v, want ErrUnknownKernel", err)
	}
	if k, err := ByName("generic"); err != nil || k != Generic {
		t.Errorf("ByName(generic) = %v, %v", k, err)
	}
	av := Available()
	if Best() != av[0] || av[len(av)-1] != Generic {
		t.Errorf("Available() = %v, Best() = %v", av, Best())
	}
}

func TestBench(t *testing.T) {
	if r := Bench(Generic, 2, 20*time.Millisecond); r <= 0 {
		t.Errorf("Bench = %v, want > 0", r)
	}
}
