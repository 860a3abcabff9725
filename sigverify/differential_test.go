package sigverify

import (
	"runtime"
	"sync"
	"testing"
)

// differentialCount is how many random triples TestDifferential checks:
// a million in a plain run (.ci/run runs it), fewer under -short or the race
// detector, which is there for the concurrency, not for the arithmetic.
func differentialCount() int {
	switch {
	case testing.Short():
		return 2_000
	case raceEnabled:
		return 3_000
	}
	return 1_000_000
}

// TestDifferential checks random valid and invalid triples through every
// backend, one at a time and in batches, against the reference btcec:
// every verdict must agree.
func TestDifferential(t *testing.T) {
	n := differentialCount()
	vs := verifiers(t)
	workers := runtime.GOMAXPROCS(0)
	const chunk = 500
	var wg sync.WaitGroup
	var mu sync.Mutex
	validSeen, invalidSeen := 0, 0
	for w := range workers {
		wg.Go(func() {
			g := newTripleGen(uint64(100 + w))
			ts := make([]Triple, chunk)
			want := make([]bool, chunk)
			why := make([]string, chunk)
			valid, total := 0, 0
			for done := w * chunk; done < n; done += workers * chunk {
				m := min(chunk, n-done)
				total += m
				for i := range m {
					ts[i], want[i], why[i] = g.next(), true, "valid"
					if g.rng.IntN(2) == 0 {
						ts[i], why[i] = g.mutate(ts[i])
						want[i] = btcecVerifier{}.Verify(&ts[i])
					}
					if want[i] {
						valid++
					}
				}
				for _, v := range vs {
					for i := range m {
						if got := v.Verify(&ts[i]); got != want[i] {
							t.Errorf("%s on %s %x: %v, btcec %v", v.Name(), why[i], ts[i], got, want[i])
						}
					}
					if v.Name() == "btcec" {
						continue // its VerifyBatch is Verify in a loop
					}
					// A batch of valid signatures only, then one with all of them.
					var good []Triple
					for i := range m {
						if want[i] {
							good = append(good, ts[i])
						}
					}
					if !v.VerifyBatch(good, make([]bool, len(good))) {
						t.Errorf("%s: a batch of %d valid signatures failed", v.Name(), len(good))
					}
					bad := make([]bool, m)
					v.VerifyBatch(ts[:m], bad)
					for i := range m {
						if bad[i] == want[i] {
							t.Errorf("%s in a batch on %s %x: %v, btcec %v", v.Name(), why[i], ts[i], !bad[i], want[i])
						}
					}
				}
			}
			mu.Lock()
			validSeen += valid
			invalidSeen += total - valid
			mu.Unlock()
		})
	}
	wg.Wait()
	if validSeen < n/3 || invalidSeen < n/3 {
		t.Errorf("%d valid and %d invalid triples: want plenty of both", validSeen, invalidSeen)
	}
	t.Logf("%d triples (%d valid) through %d backends", n, validSeen, len(vs))
}
