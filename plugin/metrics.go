package main

import "github.com/higress-group/proxy-wasm-go-sdk/proxywasm"

// Drop reasons, each its own counter.
const (
	dropBufferFull       = "buffer_full"
	dropRetriesExhausted = "retries_exhausted"
	dropRejected         = "rejected"
	dropEncodeError      = "encode_error"
)

const metricPrefix = "otelcol_log_pusher_"

// counters are the plugin's proxy-wasm metrics. Envoy keeps a metric by
// name across VMs and reloads; the ids are defined again at every plugin
// start because a new host (or a test host) does not know the old ones.
type counters struct {
	logged, sampledOut, sent, flushesFailed proxywasm.MetricCounter
	dispatchRefused                         proxywasm.MetricCounter
	dropped                                 map[string]proxywasm.MetricCounter
	buffered                                proxywasm.MetricGauge
	defined                                 bool
}

var metrics counters

func (c *counters) define() {
	c.logged = proxywasm.DefineCounterMetric(metricPrefix + "entries_logged")
	c.sampledOut = proxywasm.DefineCounterMetric(metricPrefix + "entries_sampled_out")
	c.sent = proxywasm.DefineCounterMetric(metricPrefix + "entries_sent")
	c.flushesFailed = proxywasm.DefineCounterMetric(metricPrefix + "flushes_failed")
	c.dispatchRefused = proxywasm.DefineCounterMetric(metricPrefix + "dispatch_refused")
	c.dropped = map[string]proxywasm.MetricCounter{}
	for _, r := range []string{dropBufferFull, dropRetriesExhausted, dropRejected, dropEncodeError} {
		c.dropped[r] = proxywasm.DefineCounterMetric(metricPrefix + "entries_dropped_" + r)
	}
	c.buffered = proxywasm.DefineGaugeMetric(metricPrefix + "buffered_bytes")
	c.defined = true
}

func (c *counters) add(m proxywasm.MetricCounter, n int) {
	if c.defined && n > 0 {
		m.Increment(uint64(n))
	}
}

func (c *counters) drop(reason string, n int) {
	if c.defined && n > 0 {
		c.dropped[reason].Increment(uint64(n))
	}
}

func (c *counters) bufferedDelta(n int) {
	if c.defined && n != 0 {
		c.buffered.Add(int64(n))
	}
}
