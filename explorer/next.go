package explorer

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/flint-chain/flint/chain"
)

// asertRecent is how many recent intervals the difficulty widget draws.
const asertRecent = 60

// nextData is the next-block page.
type nextData struct {
	Off      bool
	Error    string
	Height   uint32
	Txs      []nextTx
	Count    int
	Bytes    int
	Fees     uint64
	Subsidy  uint64
	MinRate  float64
	MaxRate  float64
	HaveRate bool
	Asert    *asertData
}

// nextTx is one transaction of the template.
type nextTx struct {
	TxID     chain.Hash
	Size     int
	Fee      uint64
	FeeKnown bool
	Rate     float64
}

// asertData is the difficulty widget: where the chain stands against
// ASERT's schedule and where the target goes next.
type asertData struct {
	Spacing, HalfLife time.Duration
	// Offset is how far the tip is behind (positive) or ahead (negative)
	// of the ideal schedule anchored at genesis.
	Offset      time.Duration
	HalfLives   float64
	TipBits     uint32
	NextBits    uint32
	NextDiff    float64
	TipDiff     float64
	NextMatches bool
	Intervals   chart
	Curve       chart
}

func (e *Explorer) nextPage(r *http.Request) (*view, error) {
	best := e.cfg.Chain.BestState()
	d := &nextData{Height: best.Height + 1, Subsidy: e.cfg.Params.CalcBlockSubsidy(best.Height + 1)}
	if e.cfg.NextBlock == nil {
		d.Off = true
	} else if b, err := e.cfg.NextBlock(); err != nil {
		d.Error = err.Error()
	} else {
		e.fillTemplate(d, b)
	}
	a, err := e.asert(best)
	if err != nil {
		return nil, err
	}
	d.Asert = a
	return &view{template: "next", title: "Next block", data: d}, nil
}

// fillTemplate lists the template's transactions with their fees.
func (e *Explorer) fillTemplate(d *nextData, b *chain.Block) {
	d.MinRate = math.Inf(1)
	for _, tx := range b.Txs {
		if tx.IsCoinbase() {
			continue
		}
		t := nextTx{TxID: tx.TxID(), Size: tx.SerializeSize()}
		if m, ok := e.mempoolTx(t.TxID); ok {
			t.Fee, t.FeeKnown, t.Rate = m.Fee, true, feeRate(m)
			d.MinRate, d.MaxRate, d.HaveRate = math.Min(d.MinRate, t.Rate), math.Max(d.MaxRate, t.Rate), true
			d.Fees += t.Fee
		}
		d.Count++
		d.Bytes += t.Size
		if len(d.Txs) < mempoolListMax {
			d.Txs = append(d.Txs, t)
		}
	}
}

// asert builds the difficulty widget from Flint's own CalcASERTBits; nil on
// a network without retargeting (regtest).
func (e *Explorer) asert(best chain.BestState) (*asertData, error) {
	p := e.cfg.Params
	if p.NoRetarget || p.ASERTHalfLife <= 0 || p.TargetSpacing <= 0 {
		return nil, nil
	}
	genesis := p.GenesisBlock.Header
	spacing, halfLife := int64(p.TargetSpacing/time.Second), int64(p.ASERTHalfLife/time.Second)
	bitsAfter := func(parentTime int64, parentHeight uint32) uint32 {
		return chain.CalcASERTBits(genesis.Bits, p.PowLimit, spacing, parentTime-int64(genesis.Time), int64(parentHeight), halfLife)
	}
	offset := int64(best.Header.Time) - int64(genesis.Time) - int64(best.Height)*spacing
	a := &asertData{
		Spacing: p.TargetSpacing, HalfLife: p.ASERTHalfLife,
		Offset:    time.Duration(offset) * time.Second,
		HalfLives: float64(offset) / float64(halfLife),
		TipBits:   best.Header.Bits,
		NextBits:  bitsAfter(int64(best.Header.Time), best.Height),
	}
	a.NextMatches = a.NextBits == best.NextBits
	a.TipDiff, a.NextDiff = difficulty(p, a.TipBits), difficulty(p, a.NextBits)

	points, err := e.recentHeaders(best, asertRecent+1)
	if err != nil {
		return nil, err
	}
	var iv series
	for i := 1; i < len(points); i++ {
		iv.X = append(iv.X, float64(points[i].height))
		iv.Y = append(iv.Y, float64(points[i].time-points[i-1].time))
	}
	a.Intervals = lineChart("asert-intervals", fmt.Sprintf("The last %d intervals", len(iv.X)), "block height", "seconds",
		iv, float64(spacing), fmt.Sprintf("target %v", p.TargetSpacing), compact)

	// Where the target goes: the difficulty of the block after next, by
	// how long the next block takes.
	var curve series
	for i := 0; i <= 40; i++ {
		t := float64(i) * float64(4*spacing) / 40
		curve.X = append(curve.X, t)
		curve.Y = append(curve.Y, difficulty(p, bitsAfter(int64(best.Header.Time)+int64(t), best.Height+1)))
	}
	a.Curve = lineChart("asert-curve", "Difficulty of the block after next, by when the next block comes",
		"seconds until the next block", "difficulty", curve, 0, "",
		compact)
	return a, nil
}
