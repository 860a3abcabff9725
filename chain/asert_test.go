package chain

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// asertVectors mirrors testdata/asert_dcp0011_vectors.json, the DCP0011
// reference vectors. Each scenario names a parameter set, a starting (anchor)
// target, height and time, and a series of blocks with the bits expected for
// them.
type asertVectors struct {
	Comments []string `json:"comments"`
	Params   map[string]struct {
		PowLimit           string `json:"powLimit"`
		PowLimitBits       uint32 `json:"powLimitBits"`
		TargetSecsPerBlock int64  `json:"targetSecsPerBlock"`
		HalfLifeSecs       int64  `json:"halfLifeSecs"`
	} `json:"params"`
	Scenarios []struct {
		Description   string `json:"description"`
		Params        string `json:"params"`
		StartDiffBits uint32 `json:"startDiffBits"`
		StartHeight   int64  `json:"startHeight"`
		StartTime     int64  `json:"startTime"`
		Tests         []struct {
			Height           uint64 `json:"height"`
			Timestamp        int64  `json:"timestamp"`
			ExpectedDiffBits uint32 `json:"expectedDiffBits"`
		} `json:"tests"`
	} `json:"scenarios"`
}

// TestCalcASERTBitsVectors runs every DCP0011 reference vector through
// CalcASERTBits and requires the expected bits exactly.
func TestCalcASERTBitsVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "asert_dcp0011_vectors.json"))
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	var vectors asertVectors
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatalf("parsing vectors: %v", err)
	}

	run := 0
	for _, sc := range vectors.Scenarios {
		params, ok := vectors.Params[sc.Params]
		if !ok {
			t.Errorf("%q: unknown params %q", sc.Description, sc.Params)
			continue
		}
		powLimit, ok := new(big.Int).SetString(params.PowLimit, 16)
		if !ok {
			t.Errorf("%q: malformed powLimit %q", sc.Description, params.PowLimit)
			continue
		}
		for _, v := range sc.Tests {
			// DCP0011 deltas are taken from the scenario's anchor. The
			// height is unsigned in the file; the difference is small.
			heightDelta := int64(v.Height - uint64(sc.StartHeight))
			timeDelta := v.Timestamp - sc.StartTime
			got := CalcASERTBits(sc.StartDiffBits, powLimit,
				params.TargetSecsPerBlock, timeDelta, heightDelta,
				params.HalfLifeSecs)
			run++
			if got != v.ExpectedDiffBits {
				t.Errorf("%q at height %d: got bits %08x, want %08x",
					sc.Description, v.Height, got, v.ExpectedDiffBits)
			}
		}
	}
	if run == 0 {
		t.Fatal("no ASERT vectors were read")
	}
	t.Logf("ran %d ASERT vectors from %d scenarios", run, len(vectors.Scenarios))
}

// refASERTBits is a direct transcription of the DCP0011 computation with
// arbitrary-precision arithmetic throughout and no shortcuts, used to check
// CalcASERTBits' int64 fast path and its early clamping of huge shifts.
func refASERTBits(startBits uint32, powLimit *big.Int, spacing, timeDelta,
	heightDelta, halfLife int64) uint32 {

	start, err := CompactToTarget(startBits, powLimit)
	if err != nil {
		panic(err)
	}
	x := big.NewInt(timeDelta - heightDelta*spacing)
	x.Lsh(x, 16)
	x.Quo(x, big.NewInt(halfLife))
	f := new(big.Int).And(x, big.NewInt(0xffff)).Uint64() // two's complement
	n := new(big.Int).Rsh(x, 16)

	poly := new(big.Int).SetUint64(195766423245049 * f)
	poly.Add(poly, new(big.Int).SetUint64(971821376*f*f))
	poly.Add(poly, new(big.Int).SetUint64(5127*f*f*f))
	poly.Add(poly, new(big.Int).Lsh(big.NewInt(1), 47))
	poly.Rsh(poly, 48)
	poly.Add(poly, big.NewInt(1<<16))

	target := new(big.Int).Mul(start, poly)
	n.Sub(n, big.NewInt(16))
	if n.Sign() >= 0 {
		target.Lsh(target, uint(n.Uint64()))
	} else {
		target.Rsh(target, uint(new(big.Int).Neg(n).Uint64()))
	}
	if target.Sign() == 0 {
		target.SetInt64(1)
	} else if target.Cmp(powLimit) > 0 {
		target.Set(powLimit)
	}
	return TargetToCompact(target)
}

// TestCalcASERTBitsReference compares CalcASERTBits with refASERTBits over
// random inputs, including offsets of many half-lives that hit both clamps.
// The ranges keep the reference's shifts to a few hundred thousand bits.
func TestCalcASERTBitsReference(t *testing.T) {
	powLimit := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 224), big.NewInt(1))
	powLimitBits := TargetToCompact(powLimit)
	rng := rand.New(rand.NewPCG(1, 2))

	tests := []struct {
		name      string
		startBits uint32
		spacing   int64
		halfLife  int64
		maxTime   int64 // |timeDelta| bound
		maxHeight int64 // heightDelta bound
	}{
		{"near schedule", 0x1b00a5a6, 60, 7200, 1 << 24, 1 << 18},
		{"many half-lives", 0x1b00a5a6, 60, 7200, 1 << 29, 1 << 22},
		{"from powLimit", powLimitBits, 10, 600, 1 << 24, 1 << 20},
		{"from hardest", 0x01010000, 10, 600, 1 << 24, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < 2000; i++ {
				timeDelta := rng.Int64N(2*tc.maxTime) - tc.maxTime
				heightDelta := rng.Int64N(tc.maxHeight)
				got := CalcASERTBits(tc.startBits, powLimit, tc.spacing,
					timeDelta, heightDelta, tc.halfLife)
				want := refASERTBits(tc.startBits, powLimit, tc.spacing,
					timeDelta, heightDelta, tc.halfLife)
				if got != want {
					t.Fatalf("Δt=%d Δh=%d: got %08x, want %08x",
						timeDelta, heightDelta, got, want)
				}
			}
		})
	}
}

// TestCalcASERTBitsExtremes checks offsets far beyond any real chain, where
// CalcASERTBits settles the clamp without shifting: thousands of half-lives
// behind schedule give powLimit, thousands ahead give the target 1.
func TestCalcASERTBitsExtremes(t *testing.T) {
	powLimit := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 224), big.NewInt(1))
	powLimitBits := TargetToCompact(powLimit)
	const hardestBits = 0x01010000 // target 1
	tests := []struct {
		name        string
		spacing     int64
		timeDelta   int64
		heightDelta int64
		halfLife    int64
		want        uint32
	}{
		{"just past powLimit clamp", 60, 7200 * 300, 0, 7200, powLimitBits},
		{"just past target 1 clamp", 60, 0, 120 * 300, 7200, hardestBits},
		{"max time delta", 60, 1<<63 - 1, 0, 1, powLimitBits},
		{"min time delta", 60, -1 << 63, 0, 1, hardestBits},
		{"max height delta", 1, 0, 1<<63 - 1, 1, hardestBits},
		{"beyond int64 fast path", 1, 1 << 62, 0, 7200, powLimitBits},
		{"beyond int64 fast path ahead", 1, -1 << 62, 0, 7200, hardestBits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CalcASERTBits(0x1b00a5a6, powLimit, tc.spacing,
				tc.timeDelta, tc.heightDelta, tc.halfLife)
			if got != tc.want {
				t.Errorf("got %08x, want %08x", got, tc.want)
			}
		})
	}
}

// TestASERTExponent checks the int64 fast path of the exponent against the
// big.Int path, including negative offsets whose fraction wraps.
func TestASERTExponent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name     string
		offset   int64
		halfLife int64
	}{
		{"zero", 0, 7200},
		{"one second behind", 1, 7200},
		{"one second ahead", -1, 7200},
		{"one half-life behind", 7200, 7200},
		{"one half-life ahead", -7200, 7200},
		{"largest fast offset", asertSmallOffset - 1, 1},
		{"smallest fast offset", -asertSmallOffset + 1, 3},
	}
	for i := 0; i < 1000; i++ {
		tests = append(tests, struct {
			name     string
			offset   int64
			halfLife int64
		}{"random", rng.Int64N(2*asertSmallOffset) - asertSmallOffset, rng.Int64N(1<<20) + 1})
	}
	for _, tc := range tests {
		n, f := asertExponent(tc.offset, tc.halfLife)
		bn, bf := asertExponentBig(tc.offset, tc.halfLife)
		if n != bn || f != bf {
			t.Errorf("%s (%d/%d): fast (%d, %d), big (%d, %d)", tc.name,
				tc.offset, tc.halfLife, n, f, bn, bf)
		}
	}
}

// TestASERTFactorRange checks the polynomial at the ends of its domain: it
// starts at exactly 2^16 and stays below 2^17 without overflowing uint64.
func TestASERTFactorRange(t *testing.T) {
	if got := asertFactor(0); got != 1<<16 {
		t.Errorf("asertFactor(0) = %d, want %d", got, 1<<16)
	}
	prev := uint32(0)
	for f := uint64(0); f < 1<<16; f++ {
		got := asertFactor(f)
		if got < prev || got >= 1<<17 {
			t.Fatalf("asertFactor(%d) = %d after %d", f, got, prev)
		}
		prev = got
	}
}

// TestCalcASERTBitsPanics checks that parameter bugs are reported as
// AssertError panics rather than wrong bits.
func TestCalcASERTBitsPanics(t *testing.T) {
	powLimit, _ := CompactToTarget(0x1d00ffff, nil)
	tests := []struct {
		name        string
		startBits   uint32
		powLimit    *big.Int
		heightDelta int64
		halfLife    int64
	}{
		{"zero start target", 0, powLimit, 0, 43200},
		{"start above powLimit", 0x1d010000, powLimit, 0, 43200},
		{"nil powLimit", 0x1b00a5a6, nil, 0, 43200},
		{"negative height delta", 0x1b00a5a6, powLimit, -1, 43200},
		{"zero half-life", 0x1b00a5a6, powLimit, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				var assertErr AssertError
				if err, ok := r.(error); !ok || !errors.As(err, &assertErr) {
					t.Fatalf("panic %v is not an AssertError", r)
				}
			}()
			CalcASERTBits(tc.startBits, tc.powLimit, 300, 0, tc.heightDelta, tc.halfLife)
		})
	}
}

// BenchmarkCalcASERTBits measures one retarget with mainnet-like parameters.
func BenchmarkCalcASERTBits(b *testing.B) {
	powLimit := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 224), big.NewInt(1))
	b.ReportAllocs()
	for b.Loop() {
		CalcASERTBits(0x1b00a5a6, powLimit, 60, 6_000_123, 100_000, 7200)
	}
}
