//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// report is the e2e run's numbers, written as JSON to $FLINT_E2E_REPORT
// (default: flint-e2e-report.json in the temporary directory) and logged
// a line per scenario.
type report struct {
	mu        sync.Mutex
	path      string
	Started   time.Time          `json:"started"`
	Scenarios map[string]float64 `json:"scenarios_seconds"`
	// Numbers are the measurements: convergence after heal, catch-up
	// after restarts, block propagation percentiles, final height.
	Numbers map[string]float64 `json:"numbers"`
}

var (
	reportOnce sync.Once
	theReport  *report
)

func runReport() *report {
	reportOnce.Do(func() {
		path := os.Getenv("FLINT_E2E_REPORT")
		if path == "" {
			path = filepath.Join(os.TempDir(), "flint-e2e-report.json")
		}
		theReport = &report{path: path, Started: time.Now().UTC(), Scenarios: map[string]float64{}, Numbers: map[string]float64{}}
	})
	return theReport
}

// scenario runs f as a subtest, logs and records its duration.
func scenario(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	began := time.Now()
	ok := t.Run(name, f)
	d := time.Since(began)
	t.Logf("scenario %-22s %-4s %6.1fs", name, map[bool]string{true: "ok", false: "FAIL"}[ok], d.Seconds())
	r := runReport()
	r.mu.Lock()
	r.Scenarios[name] = round(d.Seconds())
	r.mu.Unlock()
	if !ok {
		t.FailNow()
	}
}

// number records and logs one measurement.
func number(t *testing.T, name string, v float64) {
	t.Helper()
	t.Logf("number %s = %g", name, round(v))
	r := runReport()
	r.mu.Lock()
	r.Numbers[name] = round(v)
	r.mu.Unlock()
	r.write(t)
}

func round(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

func (r *report) write(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(r.path, append(b, '\n'), 0o644); err != nil {
		t.Logf("writing the report %s: %v", r.path, err)
	}
}

// propagation records, for each block, when each node's /events stream
// announced it; a block's delay at a node is its arrival there minus its
// first arrival anywhere.
type propagation struct {
	mu     sync.Mutex
	seen   map[chain.Hash]map[int]time.Time
	cancel context.CancelFunc
	wg     sync.WaitGroup
	nodes  int
}

// watchBlocks follows the nodes' /events until stop.
func watchBlocks(t *testing.T, clients []*rpc.Client) *propagation {
	ctx, cancel := context.WithCancel(context.Background())
	p := &propagation{seen: map[chain.Hash]map[int]time.Time{}, cancel: cancel, nodes: len(clients)}
	for i, c := range clients {
		stream, err := c.Events(ctx, 0)
		if err != nil {
			cancel()
			t.Fatalf("node%d /events: %v", i, err)
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer stream.Close()
			for {
				ev, err := stream.Next()
				if err != nil {
					return
				}
				if ev.Type != rpc.EventBlockConnected {
					continue
				}
				var d rpc.BlockEventData
				if ev.Decode(&d) != nil {
					continue
				}
				at := time.Now()
				p.mu.Lock()
				if p.seen[d.Hash] == nil {
					p.seen[d.Hash] = map[int]time.Time{}
				}
				if _, dup := p.seen[d.Hash][i]; !dup {
					p.seen[d.Hash][i] = at
				}
				p.mu.Unlock()
			}
		}()
	}
	return p
}

// stop ends the watch and returns the delays, in seconds, of the blocks
// every node saw, sorted.
func (p *propagation) stop() []float64 {
	p.cancel()
	p.wg.Wait()
	var delays []float64
	for _, at := range p.seen {
		if len(at) < p.nodes {
			continue
		}
		first := time.Time{}
		for _, t := range at {
			if first.IsZero() || t.Before(first) {
				first = t
			}
		}
		for _, t := range at {
			if !t.Equal(first) {
				delays = append(delays, t.Sub(first).Seconds())
			}
		}
	}
	slices.Sort(delays)
	return delays
}

// percentile returns the p-th percentile (0–100) of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}
