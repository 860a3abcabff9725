package explorer

import (
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/flint-chain/flint/chain"
)

// Overview sizes.
const (
	// chartBlocks is how many recent blocks the overview's charts cover.
	chartBlocks = 500
	// hashRateWindow is how many blocks each hash-rate estimate spans.
	hashRateWindow = 20
	// recentBlocks is how many blocks the overview lists.
	recentBlocks = 10
)

// overviewData is the overview page.
type overviewData struct {
	Network    string
	Tip        blockSummary
	TipAge     string
	Difficulty float64
	HashRate   float64 // hashes per second, over the last blocks
	Spacing    time.Duration
	Intervals  chart
	HashChart  chart
	Recent     []blockSummary
	Mempool    mempoolSummary
	Peers      int
	PeersOff   bool
	Sync       *SyncStatus
	Reorgs     int
	StaleTips  int
}

// blockSummary is a block in lists.
type blockSummary struct {
	Hash   chain.Hash
	Height uint32
	Time   time.Time
	Age    string
	Txs    int
	Size   int
	Bits   uint32
}

// headerPoint is one main-chain header for the charts.
type headerPoint struct {
	height uint32
	time   int64
	work   *big.Int
}

func (e *Explorer) overviewPage(r *http.Request) (*view, error) {
	d, err := e.overview()
	if err != nil {
		return nil, err
	}
	return &view{template: "overview", title: "Overview", data: d, live: true}, nil
}

// liveOverviewFragment is the overview's live part alone, which the page's
// script swaps in when the tip changes.
func (e *Explorer) liveOverviewFragment(r *http.Request) (*view, error) {
	d, err := e.overview()
	if err != nil {
		return nil, err
	}
	return &view{template: "overview", data: d, fragment: true}, nil
}

func (e *Explorer) overview() (*overviewData, error) {
	p := e.cfg.Params
	best := e.cfg.Chain.BestState()
	now := e.cfg.Now()
	d := &overviewData{
		Network:    p.Name,
		TipAge:     formatAge(now, best.Header.Timestamp()),
		Difficulty: difficulty(p, best.Header.Bits),
		Spacing:    p.TargetSpacing,
	}
	points, err := e.recentHeaders(best, chartBlocks+1)
	if err != nil {
		return nil, err
	}
	d.Intervals, d.HashChart, d.HashRate = e.charts(points)
	for h := int64(best.Height); h >= 0 && h > int64(best.Height)-recentBlocks; h-- {
		s, err := e.summaryAt(uint32(h), now)
		if err != nil {
			return nil, err
		}
		if h == int64(best.Height) {
			d.Tip = s
		}
		d.Recent = append(d.Recent, s)
	}
	d.Mempool = e.mempoolSummary()
	if e.cfg.Peers == nil {
		d.PeersOff = true
	} else {
		d.Peers = len(e.cfg.Peers())
	}
	if e.cfg.Sync != nil {
		if s := e.cfg.Sync(); s.Syncing {
			d.Sync = &s
		}
	}
	d.Reorgs = len(e.Reorgs())
	d.StaleTips = e.staleTips(best.Hash)
	return d, nil
}

// tipsCount is the number of stale branches seen at one tip.
type tipsCount struct {
	tip   chain.Hash
	count int
}

// staleTips returns the number of branches off the main chain, counted
// once per tip: ChainTips walks the whole block index, which the overview,
// refreshed on every block by every open page, should not do each time.
func (e *Explorer) staleTips(tip chain.Hash) int {
	if c := e.tipsCache.Load(); c != nil && c.tip == tip {
		return c.count
	}
	n := max(len(e.cfg.Chain.ChainTips())-1, 0)
	e.tipsCache.Store(&tipsCount{tip: tip, count: n})
	return n
}

// recentHeaders returns up to n main-chain headers ending at best, oldest
// first.
func (e *Explorer) recentHeaders(best chain.BestState, n int) ([]headerPoint, error) {
	first := int64(best.Height) - int64(n) + 1
	first = max(first, 0)
	points := make([]headerPoint, 0, int64(best.Height)-first+1)
	for h := first; h <= int64(best.Height); h++ {
		hash, err := e.cfg.Chain.BlockHashByHeight(uint32(h))
		if err != nil {
			// A reorganisation shortened the chain under us: draw what
			// there is.
			break
		}
		info, err := e.cfg.Chain.HeaderByHash(hash)
		if err != nil {
			return nil, err
		}
		points = append(points, headerPoint{height: info.Height, time: int64(info.Header.Time), work: chain.CalcWork(info.Header.Bits)})
	}
	return points, nil
}

// charts draws the block-interval and hash-rate charts, and returns the
// latest hash-rate estimate.
func (e *Explorer) charts(points []headerPoint) (intervals, hashes chart, rate float64) {
	// The genesis block's time is fixed long before the chain was mined:
	// its interval would dwarf every other.
	if len(points) > 0 && points[0].height == 0 {
		points = points[1:]
	}
	var iv, hr series
	for i := 1; i < len(points); i++ {
		iv.X = append(iv.X, float64(points[i].height))
		iv.Y = append(iv.Y, float64(points[i].time-points[i-1].time))
	}
	for i := hashRateWindow; i < len(points); i++ {
		if r, ok := hashRate(points[i-hashRateWindow : i+1]); ok {
			hr.X = append(hr.X, float64(points[i].height))
			hr.Y = append(hr.Y, r)
		}
	}
	if len(hr.Y) == 0 && len(points) > 1 {
		// A short chain: one estimate over all of it.
		if r, ok := hashRate(points); ok {
			hr.X, hr.Y = []float64{float64(points[0].height), float64(points[len(points)-1].height)}, []float64{r, r}
		}
	}
	if len(hr.Y) > 0 {
		rate = hr.Y[len(hr.Y)-1]
	}
	spacing := e.cfg.Params.TargetSpacing.Seconds()
	intervals = lineChart("intervals", "Time between blocks", "block height", "seconds", iv, spacing,
		fmt.Sprintf("target %v", e.cfg.Params.TargetSpacing), compact)
	unit := siUnit(maxOf(hr.Y))
	hashes = lineChart("hashrate", fmt.Sprintf("Estimated network hash rate (%d-block window)", hashRateWindow), "block height",
		unit.name+"H/s", scaled(hr, unit.scale), 0, "", compact)
	return intervals, hashes, rate
}

// compact prints an axis value short: 1500 as 1.5k, 2000000 as 2M.
func compact(v float64) string {
	for _, p := range []unitPrefix{{"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
		if v >= p.scale || v <= -p.scale {
			return strconv.FormatFloat(v/p.scale, 'g', 3, 64) + p.name
		}
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// hashRate estimates the hashes per second behind the blocks of pts: the
// expected work of all but the first over the time they took.
func hashRate(pts []headerPoint) (float64, bool) {
	span := pts[len(pts)-1].time - pts[0].time
	if span <= 0 {
		return 0, false
	}
	work := new(big.Int)
	for _, p := range pts[1:] {
		work.Add(work, p.work)
	}
	w, _ := new(big.Float).SetInt(work).Float64()
	return w / float64(span), true
}

// unitPrefix is an SI prefix and its scale.
type unitPrefix struct {
	name  string
	scale float64
}

// siUnit returns the SI prefix under which v reads between 1 and 1000.
func siUnit(v float64) unitPrefix {
	u := unitPrefix{"", 1}
	for _, p := range []unitPrefix{{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18}} {
		if v >= p.scale {
			u = p
		}
	}
	return u
}

func maxOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}

func scaled(s series, by float64) series {
	out := series{X: s.X, Y: make([]float64, len(s.Y))}
	for i, y := range s.Y {
		out.Y[i] = y / by
	}
	return out
}

// summaryAt summarises the main-chain block at height.
func (e *Explorer) summaryAt(height uint32, now time.Time) (blockSummary, error) {
	hash, err := e.cfg.Chain.BlockHashByHeight(height)
	if err != nil {
		return blockSummary{}, err
	}
	b, err := e.cfg.Chain.BlockByHash(hash)
	if err != nil {
		return blockSummary{}, err
	}
	return summarise(b, hash, height, now), nil
}

func summarise(b *chain.Block, hash chain.Hash, height uint32, now time.Time) blockSummary {
	t := b.Header.Timestamp()
	return blockSummary{Hash: hash, Height: height, Time: t, Age: formatAge(now, t), Txs: len(b.Txs),
		Size: b.SerializeSize(), Bits: b.Header.Bits}
}

// difficulty is how many times harder than the network's easiest target
// bits are (1 on regtest), as getblockchaininfo reports it.
func difficulty(p *chain.Params, bits uint32) float64 {
	target, err := chain.CompactToTarget(bits, p.PowLimit)
	if err != nil || target.Sign() == 0 {
		return 0
	}
	easiest, err := chain.CompactToTarget(p.PowLimitBits, p.PowLimit)
	if err != nil {
		return 0
	}
	d, _ := new(big.Rat).SetFrac(easiest, target).Float64()
	return d
}
