package kernel

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The known-answer self-test. Before a kernel is offered it scans
// selfTestNonces consecutive nonces of a few real Bitcoin headers against
// two easy targets, and the set of nonces it reports must equal the set
// crypto/sha256 finds. Comparing whole sets rather than single hashes
// catches a wrong early exit (a candidate dropped, a lane skipped, a bad
// top-word comparison) as well as a wrong hash. A kernel that disagrees is
// left out of Available, Best and ByName.

//go:embed testdata/bitcoin_mainnet_headers.hex
var mainnetHeadersHex string

const (
	// selfTestNonces is the length of each nonce window of the self-test.
	selfTestNonces = 10_000
	// selfTestEasyTop and selfTestHalfTop are the top 32 bits of the two
	// self-test targets: about one nonce in 256 meets the first; the second,
	// just above 2^31, catches a signed comparison of the top word.
	selfTestEasyTop = 0x00ffffff
	selfTestHalfTop = 0x80ffffff
)

// selfTestHeaders are the lines of the embedded header file the self-test
// scans: the genesis block, block 1 and the two recent blocks (version bits,
// a large timestamp, a tiny target).
var selfTestHeaders = []int{0, 1, 256, 257}

// selfTestCase is one header and target with the nonces of its window that
// meet the target, as crypto/sha256 finds them.
type selfTestCase struct {
	header [80]byte
	target [32]byte
	start  uint32
	want   []uint32
}

// parseHeaders reads headers written one a line in hex, skipping blank
// lines and lines starting with #.
func parseHeaders(text string) ([][80]byte, error) {
	var hs [][80]byte
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil || len(b) != 80 {
			return nil, fmt.Errorf("line %q is not an 80-byte header in hex", line)
		}
		hs = append(hs, [80]byte(b))
	}
	return hs, sc.Err()
}

// selfTestCases parses the embedded headers and computes the reference
// answers once per process.
var selfTestCases = sync.OnceValue(func() []selfTestCase {
	hs, err := parseHeaders(mainnetHeadersHex)
	if err != nil {
		panic("kernel: embedded headers: " + err.Error())
	}
	var cases []selfTestCase
	for _, i := range selfTestHeaders {
		hdr := hs[i]
		// The window ends just past the header's own nonce, so the real
		// solution is among the answers.
		nonce := binary.LittleEndian.Uint32(hdr[76:])
		start := nonce - min(nonce, selfTestNonces-100)
		start = min(start, ^uint32(0)-selfTestNonces+1)
		easy, half := selfTestCase{header: hdr, start: start}, selfTestCase{header: hdr, start: start}
		for j := range easy.target {
			easy.target[j], half.target[j] = 0xff, 0xff
		}
		binary.LittleEndian.PutUint32(easy.target[28:], selfTestEasyTop)
		binary.LittleEndian.PutUint32(half.target[28:], selfTestHalfTop)
		for n := start; n-start < selfTestNonces; n++ {
			binary.LittleEndian.PutUint32(hdr[76:], n)
			first := sha256.Sum256(hdr[:])
			h := sha256.Sum256(first[:])
			if HashMeetsTarget(&h, &easy.target) {
				easy.want = append(easy.want, n)
			}
			if HashMeetsTarget(&h, &half.target) {
				half.want = append(half.want, n)
			}
		}
		cases = append(cases, easy, half)
	}
	return cases
})

// SelfTest runs the known-answer test on k: for each case it collects
// every nonce k reports in the window, resuming after each, and compares
// the set with crypto/sha256's. It returns nil or an error saying where k
// disagreed.
func SelfTest(k Kernel) error {
	for _, c := range selfTestCases() {
		w := NewWork(c.header, c.target)
		var got []uint32
		start, count := c.start, uint32(selfTestNonces)
		for count > 0 {
			n, ok := k.Scan(w, start, count)
			if !ok {
				break
			}
			if n < start || n-start >= count {
				return fmt.Errorf("kernel %s reported nonce %#x outside the window %#x+%d", k.Name(), n, start, count)
			}
			got = append(got, n)
			count -= n - start + 1
			start = n + 1
		}
		if !slices.Equal(got, c.want) {
			return fmt.Errorf("kernel %s found %d nonces of header %x in %#x+%d, crypto/sha256 %d (first difference at %s)",
				k.Name(), len(got), c.header[:8], c.start, selfTestNonces, len(c.want), firstDifference(got, c.want))
		}
	}
	return nil
}

// firstDifference describes where two sorted nonce lists first differ.
func firstDifference(got, want []uint32) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("missing %#x", want[i])
		case i >= len(want) || got[i] < want[i]:
			return fmt.Sprintf("extra %#x", got[i])
		case got[i] > want[i]:
			return fmt.Sprintf("missing %#x", want[i])
		}
	}
	return "none"
}

// SelfTestResult is the outcome of one kernel's self-test.
type SelfTestResult struct {
	Kernel string
	Err    error // nil when the kernel agreed with crypto/sha256
}

// selfTestResults runs the self-test of every kernel this CPU supports,
// once per process.
var selfTestResults = sync.OnceValue(func() []SelfTestResult {
	var rs []SelfTestResult
	for _, k := range supported() {
		rs = append(rs, SelfTestResult{Kernel: k.Name(), Err: SelfTest(k)})
	}
	return rs
})

// SelfTestResults returns the self-test outcome of every kernel this CPU
// supports, fastest first; the tests run on the first call (about a tenth
// of a second). A node logs the failures: those kernels are never used.
func SelfTestResults() []SelfTestResult {
	return slices.Clone(selfTestResults())
}

// selfTestError returns the self-test error of the kernel called name, or
// nil if it passed or was not tested.
func selfTestError(name string) error {
	for _, r := range selfTestResults() {
		if r.Kernel == name {
			return r.Err
		}
	}
	return nil
}

// passing returns the kernels of ks whose test succeeds.
func passing(ks []Kernel, test func(name string) error) []Kernel {
	var ok []Kernel
	for _, k := range ks {
		if test(k.Name()) == nil {
			ok = append(ok, k)
		}
	}
	return ok
}
