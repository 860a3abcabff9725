package sigverify

import (
	"fmt"
	"testing"
)

// TestBatchFindsOneBad: in batches of 1, 2, 1,000 and 4,000 valid
// signatures with one made invalid, first, in the middle or last, every
// backend's VerifyBatch and VerifyParallel fail and name exactly that one.
// btcec, whose VerifyBatch checks one signature after another, is held to
// sizes up to 1,000: 4,000 would only repeat it, slowly under -race.
func TestBatchFindsOneBad(t *testing.T) {
	g := newTripleGen(3)
	valid := make([]Triple, 4000)
	for i := range valid {
		valid[i] = g.next()
	}
	for _, v := range verifiers(t) {
		for _, size := range []int{1, 2, 1000, 4000} {
			if size > 1000 && v.Name() == "btcec" {
				break
			}
			ts := append([]Triple(nil), valid[:size]...)
			if bad := make([]bool, size); !v.VerifyBatch(ts, bad) {
				t.Fatalf("%s: %d valid signatures failed as a batch", v.Name(), size)
			}
			positions := []struct {
				where   string
				pos     int
				workers int // 1: one VerifyBatch call; 3: VerifyParallel's chunks
			}{{"first", 0, 1}, {"middle", size / 2, 3}, {"last", size - 1, 1}}
			if size == 1 {
				positions = positions[:1]
			}
			for _, p := range positions {
				where, pos, workers := p.where, p.pos, p.workers
				t.Run(fmt.Sprintf("%s/%d/%s", v.Name(), size, where), func(t *testing.T) {
					ts[pos].Sig[33] ^= 0x80
					defer func() { ts[pos].Sig[33] ^= 0x80 }()
					bad := make([]bool, size)
					var all bool
					if workers == 1 {
						all = v.VerifyBatch(ts, bad)
					} else {
						all = VerifyParallel(v, ts, bad, workers)
					}
					if all {
						t.Fatalf("%d workers: the batch passed", workers)
					}
					for i, b := range bad {
						if b != (i == pos) {
							t.Fatalf("%d workers: signature %d named %v, the bad one is %d", workers, i, b, pos)
						}
					}
				})
			}
		}
	}
}

// TestVerifyParallelChunks: VerifyParallel splits work into chunks of at
// most MaxChunk and still names each bad signature.
func TestVerifyParallelChunks(t *testing.T) {
	g := newTripleGen(4)
	ts := make([]Triple, MaxChunk+3)
	for i := range ts {
		ts[i] = g.next()
	}
	ts[MaxChunk+1].Msg[0] ^= 1
	for _, workers := range []int{0, 2} {
		bad := make([]bool, len(ts))
		if VerifyParallel(Default(), ts, bad, workers) {
			t.Fatalf("%d workers: the batch passed", workers)
		}
		for i, b := range bad {
			if b != (i == MaxChunk+1) {
				t.Fatalf("%d workers: signature %d named %v", workers, i, b)
			}
		}
	}
	if !VerifyParallel(Default(), nil, nil, 2) {
		t.Error("an empty batch failed")
	}
}
