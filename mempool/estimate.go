package mempool

// Fee estimation follows the idea of Bitcoin Core's estimator, simplified:
// transactions the pool saw enter and then confirm are counted in fee-rate
// buckets (each 25% above the last, from 1 unit per byte up), with how many
// blocks each waited. Counts decay by estDecay per block, so recent blocks
// weigh most (a half-life of about 70 blocks). For a target of n blocks the
// estimate is the average fee rate of the lowest bucket such that, walking
// down from the highest bucket in groups of at least estMinSamples
// transactions, every group confirmed within n blocks at least estSuccess
// of the time. While there is too little data the estimate falls back to
// the pool's minimum fee rate (the minimum relay fee rate unless the pool
// is full), so a fresh network never refuses to send for want of an
// estimate.

const (
	// MaxEstimateTarget is the largest confirmation target estimated;
	// larger targets are treated as this one.
	MaxEstimateTarget = 48
	estDecay          = 0.99
	estSuccess        = 0.85
	estMinSamples     = 10.0
	estBucketGrowth   = 1.25
	estMaxRate        = 10_000_000 // 10,000 units per byte
)

// confirmation is one pool transaction seen confirming.
type confirmation struct {
	rate   FeeRate
	blocks int // blocks it waited: confirmation height - tip height on entry
}

// feeEstimator keeps decayed confirmation statistics per fee-rate bucket.
// Guarded by TxPool.mu.
type feeEstimator struct {
	bounds  []FeeRate // bounds[i] is the lowest rate of bucket i
	total   []float64 // transactions confirmed, per bucket
	rateSum []float64 // sum of their fee rates
	within  [][]float64
	last    uint32 // height of the last block counted
}

func newFeeEstimator() *feeEstimator {
	bounds := []FeeRate{0}
	for r := float64(DefaultMinRelayFeeRate); r <= estMaxRate; r *= estBucketGrowth {
		bounds = append(bounds, FeeRate(r))
	}
	fe := &feeEstimator{
		bounds:  bounds,
		total:   make([]float64, len(bounds)),
		rateSum: make([]float64, len(bounds)),
		within:  make([][]float64, len(bounds)),
	}
	for i := range fe.within {
		fe.within[i] = make([]float64, MaxEstimateTarget)
	}
	return fe
}

// bucket returns the bucket of a fee rate.
func (fe *feeEstimator) bucket(r FeeRate) int {
	lo, hi := 0, len(fe.bounds)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fe.bounds[mid] <= r {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// blockConnected decays the statistics and counts the confirmations of a
// block at height. A height not above the last one counted (a block
// connected again after a reorganisation) only counts its transactions.
func (fe *feeEstimator) blockConnected(height uint32, seen []confirmation) {
	if height > fe.last {
		fe.last = height
		for b := range fe.total {
			fe.total[b] *= estDecay
			fe.rateSum[b] *= estDecay
			for k := range fe.within[b] {
				fe.within[b][k] *= estDecay
			}
		}
	}
	for _, c := range seen {
		b := fe.bucket(c.rate)
		fe.total[b]++
		fe.rateSum[b] += float64(c.rate)
		for k := max(c.blocks, 1) - 1; k < MaxEstimateTarget; k++ {
			fe.within[b][k]++
		}
	}
}

// estimate returns the fee rate for confirmation within target blocks, or
// zero when the data do not support one.
func (fe *feeEstimator) estimate(target int) FeeRate {
	k := min(max(target, 1), MaxEstimateTarget) - 1
	var best FeeRate
	var tot, ok float64
	lowest := -1 // lowest bucket with data in the current group
	for b := len(fe.total) - 1; b >= 0; b-- {
		if fe.total[b] <= 0 {
			continue
		}
		tot += fe.total[b]
		ok += fe.within[b][k]
		lowest = b
		if tot < estMinSamples {
			continue
		}
		if ok/tot < estSuccess {
			break
		}
		best = FeeRate(fe.rateSum[lowest] / fe.total[lowest])
		tot, ok = 0, 0
	}
	return best
}

// EstimateFeeRate returns the fee rate a transaction should pay to confirm
// within targetBlocks blocks (1 to MaxEstimateTarget; others are clamped),
// from the transactions seen confirming in recent blocks. With too little
// data, it returns the pool's minimum fee rate: the minimum relay fee rate
// (1 unit per byte by default) unless evictions raised it. The result is
// never below that minimum.
func (mp *TxPool) EstimateFeeRate(targetBlocks int) FeeRate {
	floor := mp.MinFeeRate()
	mp.mu.RLock()
	est := mp.est.estimate(targetBlocks)
	mp.mu.RUnlock()
	return max(est, floor)
}
