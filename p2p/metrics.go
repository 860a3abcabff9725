package p2p

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the layer's Prometheus series.
type metrics struct {
	bytesIn, bytesOut *prometheus.CounterVec
	validations       *prometheus.CounterVec
	rateLimited       *prometheus.CounterVec
	bans              prometheus.Counter
}

// newMetrics creates the series and registers them, with gauges read from
// the node at scrape time, on reg (nothing is registered when reg is nil).
func newMetrics(n *Node, reg prometheus.Registerer) *metrics {
	m := &metrics{
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "flint", Subsystem: "p2p", Name: "received_bytes_total",
			Help: "Bytes received on the request protocols, by protocol.",
		}, []string{"protocol"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "flint", Subsystem: "p2p", Name: "sent_bytes_total",
			Help: "Bytes sent on the request protocols, by protocol.",
		}, []string{"protocol"}),
		validations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "flint", Subsystem: "p2p", Name: "gossip_validations_total",
			Help: "Gossip validation verdicts, by topic (blocks, txs) and result (accept, reject, ignore).",
		}, []string{"topic", "result"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "flint", Subsystem: "p2p", Name: "rate_limited_total",
			Help: "Requests refused by a per-peer rate limit, by protocol.",
		}, []string{"protocol"}),
		bans: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "flint", Subsystem: "p2p", Name: "bans_total",
			Help: "Peers banned since start.",
		}),
	}
	if reg == nil {
		return m
	}
	reg.MustRegister(m.bytesIn, m.bytesOut, m.validations, m.rateLimited, m.bans,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Subsystem: "p2p", Name: "peers", Help: "Connected peers.",
		}, func() float64 { return float64(len(n.host.Network().Peers())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Subsystem: "sync", Name: "header_height", Help: "Height of the best header.",
		}, func() float64 { _, h, _ := n.sync.bestHeader(); return float64(h) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Subsystem: "sync", Name: "progress", Help: "Best block height over best header height (1 when caught up).",
		}, func() float64 { return n.sync.progress() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "flint", Subsystem: "sync", Name: "initial_download", Help: "1 while in initial block download.",
		}, func() float64 {
			if n.sync.inIBD() {
				return 1
			}
			return 0
		}),
	)
	return m
}
