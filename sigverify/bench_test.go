package sigverify

import (
	"fmt"
	"runtime"
	"testing"
)

// The benchmarks report µs/sig: one signature's share of the time, on one
// goroutine unless the name says otherwise. Run with -cpu 1 for one core.

func benchTriples(n int) []Triple {
	g := newTripleGen(7)
	ts := make([]Triple, n)
	for i := range ts {
		ts[i] = g.next()
	}
	return ts
}

// BenchmarkVerify is one signature at a time, key parsed once per triple.
func BenchmarkVerify(b *testing.B) {
	ts := benchTriples(256)
	for _, v := range verifiers(b) {
		b.Run(v.Name(), func(b *testing.B) {
			ps := startPerSig(b)
			for i := 0; b.Loop(); i++ {
				if !v.Verify(&ts[i%len(ts)]) {
					b.Fatal("a valid signature failed")
				}
			}
			ps.report(1)
		})
	}
}

// BenchmarkVerifyBatch is one VerifyBatch call per batch of valid
// signatures: the batch equation for purego, one cgo call for libsecp256k1.
func BenchmarkVerifyBatch(b *testing.B) {
	for _, size := range []int{64, 1024, 4000} {
		ts := benchTriples(size)
		bad := make([]bool, size)
		for _, v := range verifiers(b) {
			if v.Name() == "btcec" {
				continue // one at a time: BenchmarkVerify
			}
			b.Run(fmt.Sprintf("%s/%d", v.Name(), size), func(b *testing.B) {
				ps := startPerSig(b)
				for b.Loop() {
					if !v.VerifyBatch(ts, bad) {
						b.Fatal("a batch of valid signatures failed")
					}
				}
				ps.report(size)
			})
		}
	}
}

// BenchmarkVerifyParallel checks a 4,000-signature batch with VerifyParallel
// on GOMAXPROCS workers: compare -cpu 1 with -cpu 2.
func BenchmarkVerifyParallel(b *testing.B) {
	ts := benchTriples(4000)
	bad := make([]bool, len(ts))
	for _, v := range verifiers(b) {
		b.Run(v.Name(), func(b *testing.B) {
			ps := startPerSig(b)
			for b.Loop() {
				if !VerifyParallel(v, ts, bad, runtime.GOMAXPROCS(0)) {
					b.Fatal("a batch of valid signatures failed")
				}
			}
			ps.report(len(ts))
		})
	}
}
