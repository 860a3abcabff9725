package node

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flint-chain/flint/chain"
)

// metrics are the node's Prometheus series, on a registry of its own so
// that several nodes in one test process do not collide.
type metrics struct {
	registry        *prometheus.Registry
	blocksConnected prometheus.Counter
	reorgs          prometheus.Counter
	blockProcess    prometheus.Histogram
}

// newMetrics registers the node's series. Gauges that mirror state (tip
// height, hash rate) are read from their owners at scrape time.
func newMetrics(n *Node) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		blocksConnected: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "flint", Name: "blocks_connected_total",
			Help: "Blocks connected to the main chain since start.",
		}),
		reorgs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "flint", Name: "reorgs_total",
			Help: "Reorganisations (a main-chain block disconnected for another branch) since start.",
		}),
		blockProcess: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "flint", Name: "block_process_seconds",
			Help:    "Time to validate and store one block, including connecting it.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.blocksConnected, m.reorgs, m.blockProcess,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Name: "tip_height", Help: "Height of the main chain's tip.",
		}, func() float64 { return float64(n.chain.BestState().Height) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Name: "peers", Help: "Connected peers (0 when the node runs alone).",
		}, func() float64 {
			if n.p2p == nil {
				return 0
			}
			in, out := n.p2p.ConnectionCount()
			return float64(in + out)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Name: "mempool_txs", Help: "Transactions in the mempool.",
		}, func() float64 { return float64(n.mempool.Count()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Name: "mempool_bytes", Help: "Serialized bytes of the mempool's transactions.",
		}, func() float64 { return float64(n.mempool.Bytes()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Name: "hashrate", Help: "Local mining hash rate, hashes per second.",
		}, func() float64 {
			if n.miner == nil {
				return 0
			}
			total, _ := n.miner.HashRate()
			return total
		}),
	)
	return m
}

// observe updates the counters from a chain notification.
func (m *metrics) observe(ev chain.Notification, prev chain.NotificationType) {
	switch {
	case ev.Type == chain.BlockConnected:
		m.blocksConnected.Inc()
	case ev.Type == chain.BlockDisconnected && prev != chain.BlockDisconnected:
		m.reorgs.Inc() // the first disconnect of a run starts a reorg
	}
}

// processBlock is the chain's ProcessBlock, timed.
func (n *Node) processBlock(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
	if err := n.guardDisk(); err != nil {
		return chain.ProcessResult{}, err
	}
	start := time.Now()
	res, err := n.chain.ProcessBlock(ctx, b)
	n.metrics.blockProcess.Observe(time.Since(start).Seconds())
	return res, err
}

// serveMetrics serves /metrics (Prometheus) and /healthz on ln until ctx
// ends.
func (n *Node) serveMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(n.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", n.healthz)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// healthz answers 200 when the node is synced and 503 otherwise. Synced
// means the tip is recent — no older than 12 target spacings (or two hours
// where the network does not retarget) — and, with p2p on, the node is not
// syncing: not in initial download and holding every body of its best
// header chain ("status": "syncing" until then).
func (n *Node) healthz(w http.ResponseWriter, _ *http.Request) {
	best := n.chain.BestState()
	age := time.Since(best.Header.Timestamp())
	limit := 12 * n.cfg.Params.TargetSpacing
	if limit == 0 {
		limit = 2 * time.Hour
	}
	syncing := n.p2p != nil && (n.p2p.InitialDownload() || n.p2p.Progress() < 1)
	synced := age <= limit && !syncing
	status := "ok"
	switch {
	case syncing:
		status = "syncing"
	case !synced:
		status = "stale"
	}
	w.Header().Set("Content-Type", "application/json")
	if !synced {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(map[string]any{
		"status":      status,
		"synced":      synced,
		"height":      best.Height,
		"tip":         best.Hash,
		"tip_age_sec": int64(age.Seconds()),
	})
}
