package kernel

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSelfTestCases(t *testing.T) {
	cases := selfTestCases()
	if len(cases) != 2*len(selfTestHeaders) {
		t.Fatalf("%d self-test cases, want %d", len(cases), 2*len(selfTestHeaders))
	}
	for i, c := range cases {
		nonce := binary.LittleEndian.Uint32(c.header[76:])
		if !slices.Contains(c.want, nonce) {
			t.Errorf("case %d: the header's own nonce %#x is not among the %d answers", i, nonce, len(c.want))
		}
		// About 1 in 256 of the nonces meets the easy target, half the other.
		lo, hi := 10, 100
		if i%2 == 1 {
			lo, hi = 4500, 5500
		}
		if len(c.want) < lo || len(c.want) > hi {
			t.Errorf("case %d: %d nonces meet the target, want %d..%d", i, len(c.want), lo, hi)
		}
	}
}

func TestSelfTestPasses(t *testing.T) {
	forEachKernel(t, func(t *testing.T, _ int, k Kernel) {
		if err := SelfTest(k); err != nil {
			t.Fatal(err)
		}
	})
	for _, r := range SelfTestResults() {
		if r.Err != nil {
			t.Errorf("self-test of %s at start: %v", r.Kernel, r.Err)
		}
	}
}

// broken wraps a correct kernel and corrupts what it reports.
type broken struct {
	name string
	k    Kernel
	// drop reports whether the found nonce n of w is to be dropped, as if
	// an early exit had discarded it; nil keeps every nonce.
	drop func(w *Work, n uint32) bool
	// shift is added to each reported nonce.
	shift uint32
}

func (b broken) Name() string { return b.name }

func (b broken) Scan(w *Work, start, count uint32) (uint32, bool) {
	for count > 0 {
		n, ok := b.k.Scan(w, start, count)
		if !ok {
			return 0, false
		}
		if b.drop == nil || !b.drop(w, n) {
			return n + b.shift, true
		}
		count -= n - start + 1
		start = n + 1
	}
	return 0, false
}

func TestSelfTestCatchesBrokenKernels(t *testing.T) {
	best := Best()
	for _, b := range []broken{
		{name: "lost-lane", k: best, drop: func(_ *Work, n uint32) bool { return n%16 == 13 }},
		{name: "off-by-one", k: best, shift: 1},
		{name: "signed-top-word", k: best, drop: func(w *Work, n uint32) bool {
			h := w.Hash(n)
			return int32(binary.LittleEndian.Uint32(h[28:])) < 0
		}},
		{name: "strict-top-word", k: best, drop: func(w *Work, n uint32) bool {
			h := w.Hash(n)
			return binary.LittleEndian.Uint32(h[28:])>>24 == 0x80
		}},
	} {
		err := SelfTest(b)
		if err == nil {
			t.Errorf("kernel %s passed the self-test", b.name)
			continue
		}
		if !strings.Contains(err.Error(), b.name) {
			t.Errorf("self-test error %q does not name the kernel %s", err, b.name)
		}
		ks := passing([]Kernel{b, Generic}, func(name string) error {
			if name == b.name {
				return SelfTest(b)
			}
			return SelfTest(Generic)
		})
		if len(ks) != 1 || ks[0] != Generic {
			t.Errorf("kernels passing with %s among them: %v, want only generic", b.name, ks)
		}
	}
}

func TestByNameSelfTestFailed(t *testing.T) {
	if err := (KernelError{Err: ErrSelfTestFailed, Description: "x"}); !errors.Is(err, ErrSelfTestFailed) {
		t.Fatalf("KernelError does not unwrap to ErrSelfTestFailed")
	}
	for _, r := range SelfTestResults() {
		k, err := ByName(r.Kernel)
		if (r.Err == nil) != (err == nil) || (err != nil && !errors.Is(err, ErrSelfTestFailed)) {
			t.Errorf("ByName(%s) = %v, %v; self-test said %v", r.Kernel, k, err, r.Err)
		}
	}
}
