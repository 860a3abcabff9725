package explorer

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// mempoolListMax is how many transactions the mempool page lists.
const mempoolListMax = 100

// feeBuckets are the lower bounds, in base units per byte, of the fee-rate
// histogram's bars; the last bar is open-ended.
var feeBuckets = []float64{0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500}

// mempoolSummary is the mempool at a glance.
type mempoolSummary struct {
	Off       bool
	Count     int
	Bytes     int64
	Fees      uint64
	Histogram chart
}

// mempoolRow is one listed mempool transaction.
type mempoolRow struct {
	MempoolTx
	Rate float64
}

// mempoolData is the mempool page.
type mempoolData struct {
	Summary mempoolSummary
	Txs     []mempoolRow
	More    int
}

// mempoolSummary counts the pool and draws its fee-rate histogram.
func (e *Explorer) mempoolSummary() mempoolSummary {
	if e.cfg.Mempool == nil {
		return mempoolSummary{Off: true}
	}
	txs := e.cfg.Mempool()
	var s mempoolSummary
	counts := make([]float64, len(feeBuckets))
	for _, tx := range txs {
		s.Count++
		s.Bytes += int64(tx.Size)
		s.Fees += tx.Fee
		counts[bucketOf(feeRate(tx))]++
	}
	labels := make([]string, len(feeBuckets))
	titles := make([]string, len(feeBuckets))
	for i, lo := range feeBuckets {
		labels[i] = strconv.FormatFloat(lo, 'f', -1, 64)
		if i == len(feeBuckets)-1 {
			labels[i] += "+"
			titles[i] = fmt.Sprintf("%v transactions paying %v units/B or more", counts[i], lo)
		} else {
			titles[i] = fmt.Sprintf("%v transactions paying %v to %v units/B", counts[i], lo, feeBuckets[i+1])
		}
	}
	s.Histogram = barChart("feerates", "Mempool by fee rate", "fee rate (units/B)", "transactions", labels, counts, titles)
	if s.Count == 0 {
		s.Histogram.Empty = "The mempool is empty."
	}
	return s
}

// feeRate is a transaction's fee per byte.
func feeRate(tx MempoolTx) float64 {
	if tx.Size <= 0 {
		return 0
	}
	return float64(tx.Fee) / float64(tx.Size)
}

// bucketOf returns the histogram bar of a fee rate.
func bucketOf(rate float64) int {
	i, _ := slices.BinarySearch(feeBuckets, rate)
	if i < len(feeBuckets) && feeBuckets[i] == rate {
		return i
	}
	return max(i-1, 0)
}

func (e *Explorer) mempoolPage(r *http.Request) (*view, error) {
	d := mempoolData{Summary: e.mempoolSummary()}
	if e.cfg.Mempool != nil {
		txs := e.cfg.Mempool()
		rows := make([]mempoolRow, len(txs))
		for i, tx := range txs {
			rows[i] = mempoolRow{MempoolTx: tx, Rate: feeRate(tx)}
		}
		slices.SortFunc(rows, func(a, b mempoolRow) int {
			if c := cmp.Compare(b.Rate, a.Rate); c != 0 {
				return c
			}
			return a.Added.Compare(b.Added)
		})
		if len(rows) > mempoolListMax {
			d.More = len(rows) - mempoolListMax
			rows = rows[:mempoolListMax]
		}
		d.Txs = rows
	}
	return &view{template: "mempool", title: "Mempool", data: d}, nil
}
