package sigverify

import "sync"

// MaxChunk bounds how many signatures VerifyParallel gives one batch: a
// batch's cost per signature falls slowly past a few thousand, while a
// failing batch is checked again one by one.
const MaxChunk = 4096

// VerifyParallel checks ts with v on up to workers goroutines, splitting
// them into near-equal chunks each checked by one VerifyBatch call, and
// reports whether all verified; if not, bad[i] is set for exactly the
// triples that fail. bad must be as long as ts and all false on entry.
func VerifyParallel(v Verifier, ts []Triple, bad []bool, workers int) bool {
	n, workers := len(ts), max(1, workers)
	if n == 0 {
		return true
	}
	chunks := max(1, min(workers, n), (n+MaxChunk-1)/MaxChunk)
	if chunks == 1 {
		return v.VerifyBatch(ts, bad)
	}
	size := (n + chunks - 1) / chunks
	results := make([]bool, chunks)
	var wg sync.WaitGroup
	next := make(chan int, chunks)
	for c := range chunks {
		next <- c
	}
	close(next)
	for range min(workers, chunks) {
		wg.Go(func() {
			for c := range next {
				lo, hi := c*size, min(n, (c+1)*size)
				results[c] = lo >= hi || v.VerifyBatch(ts[lo:hi], bad[lo:hi])
			}
		})
	}
	wg.Wait()
	for _, ok := range results {
		if !ok {
			return false
		}
	}
	return true
}
