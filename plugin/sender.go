package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strconv"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

// tickMillis is the period of the host timer wasm-go sets for tick
// functions. The sender counts ticks rather than reading a clock, so its
// timing follows the host's timer.
const tickMillis = 100

// maxBackoffTicks caps the wait between two attempts of one batch (30 s).
const maxBackoffTicks = 300

// destination is where a sender POSTs: one collector, path and credentials.
type destination struct {
	cluster, authority, path string
	token                    string
	gzip                     bool
	timeoutMillis            uint32
}

func (d destination) key() string {
	return d.cluster + "\x00" + d.path + "\x00" + d.token + "\x00" + strconv.FormatBool(d.gzip) + "\x00" + strconv.Itoa(int(d.timeoutMillis))
}

// limits bound what a sender holds and how it flushes.
type limits struct {
	maxEntries int // entries per POST
	maxBytes   int // bytes buffered in this VM, open and closed batches
	maxRetries int // attempts after the first, per batch
	flushTicks int // an open batch is closed this many ticks after its first entry
}

// batch is one POST body: a JSON array of entries.
type batch struct {
	body     []byte
	entries  int
	gzipped  bool
	attempts int
}

// sender batches the entries of one worker VM for one destination. Entries
// are appended from request contexts; every HTTP call is made from the root
// context (the tick and the calls' own callbacks), because a call made from
// a request context loses its callback once the request is gone. One batch
// is in flight at a time, so batches arrive in order.
type sender struct {
	dest destination
	lim  limits

	open        []byte
	openEntries int
	openedAt    uint64 // tick of the open batch's first entry
	lastSize    int    // size of the last closed batch, to size the next

	ready    []*batch // closed, oldest first; ready[0] is in flight when inflight
	buffered int      // bytes of open + ready

	inflight bool
	seq      uint64 // identifies the call in flight; late callbacks are ignored
	deadline uint64 // tick after which a call without callback counts as failed
	retryAt  uint64 // first tick at which ready[0] may be sent again

	refusedLogged bool // the missing cluster was logged and no call went out since
}

// vmState is everything one worker VM keeps across requests and reloads.
type vmState struct {
	tick    uint64
	senders map[string]*sender
	order   []*sender
	// tickRegistered: wasm-go forgets tick functions at every plugin start;
	// the sender's tick is registered once per start, not once per rule.
	tickRegistered bool

	// The gateway's node metadata, read once.
	nodeRead         bool
	nodeName, nodeID string
	// nonce and entries make entry ids for requests without a request id.
	nonce   string
	entries uint64
}

var vm = newVMState()

func newVMState() *vmState { return &vmState{senders: map[string]*sender{}} }

// senderFor returns the sender for dest, creating it on first use; a reload
// keeps its buffer and takes the new limits.
func (v *vmState) senderFor(dest destination, lim limits) *sender {
	k := dest.key()
	s, ok := v.senders[k]
	if !ok {
		s = &sender{dest: dest}
		v.senders[k] = s
		v.order = append(v.order, s)
	}
	s.lim = lim
	if s.openEntries >= lim.maxEntries {
		s.closeOpen()
	}
	return s
}

func (v *vmState) registerTick() {
	if v.tickRegistered {
		return
	}
	v.tickRegistered = true
	// Period 0: run on every host tick; onTick counts them.
	wrapper.RegisterTickFunc(0, v.onTick)
}

func (v *vmState) onTick() {
	v.tick++
	for _, s := range v.order {
		s.onTick(v.tick)
	}
}

// add appends one encoded entry; a full buffer drops it and counts.
func (s *sender) add(entry []byte) {
	need := len(entry) + 2 // separator or '[', and ']' when closed
	if s.buffered+need > s.lim.maxBytes {
		metrics.drop(dropBufferFull, 1)
		return
	}
	if s.openEntries == 0 {
		s.open = make([]byte, 0, max(s.lastSize, need+1))
		s.open = append(s.open, '[')
		s.openedAt = vm.tick
	} else {
		s.open = append(s.open, ',')
	}
	s.open = append(s.open, entry...)
	s.openEntries++
	s.buffered += len(entry) + 1
	metrics.bufferedDelta(len(entry) + 1)
	metrics.add(metrics.logged, 1)
	if s.openEntries >= s.lim.maxEntries {
		s.closeOpen()
	}
}

func (s *sender) closeOpen() {
	if s.openEntries == 0 {
		return
	}
	s.open = append(s.open, ']')
	s.buffered++
	metrics.bufferedDelta(1)
	s.ready = append(s.ready, &batch{body: s.open, entries: s.openEntries})
	s.lastSize = len(s.open)
	s.open, s.openEntries = nil, 0
}

func (s *sender) onTick(now uint64) {
	if s.inflight {
		if now < s.deadline {
			return
		}
		// The callback never came: the root context that made the call
		// was replaced by a reload, which cancels its calls.
		s.failed("no answer within the timeout", false)
	}
	if s.openEntries > 0 && now-s.openedAt >= uint64(s.lim.flushTicks) {
		s.closeOpen()
	}
	if len(s.ready) > 0 && now >= s.retryAt {
		s.dispatch()
	}
}

// dispatch POSTs ready[0].
func (s *sender) dispatch() {
	b := s.ready[0]
	if s.dest.gzip && !b.gzipped {
		s.compress(b)
	}
	headers := [][2]string{
		{":method", "POST"},
		{":path", s.dest.path},
		{":authority", s.dest.authority},
		{"content-type", "application/json"},
	}
	if b.gzipped {
		headers = append(headers, [2]string{"content-encoding", "gzip"})
	}
	if s.dest.token != "" {
		headers = append(headers, [2]string{"authorization", "Bearer " + s.dest.token})
	}
	s.seq++
	seq := s.seq
	// Neither headers (the token) nor the body (request data) are logged.
	_, err := dispatchHTTPCall(s.dest.cluster, headers, b.body, nil, s.dest.timeoutMillis,
		func(numHeaders, _, _ int) { s.answered(seq, numHeaders) })
	if errors.Is(err, types.ErrorStatusBadArgument) {
		s.refused()
		return
	}
	if err != nil {
		s.failed("dispatch: "+err.Error(), false)
		return
	}
	if s.refusedLogged {
		s.refusedLogged = false
		log.Infof("the gateway has the collector's cluster %s now; sending", s.dest.cluster)
	}
	s.inflight = true
	s.deadline = vm.tick + uint64((s.dest.timeoutMillis+tickMillis-1)/tickMillis) + 10
}

// dispatchHTTPCall is proxywasm.DispatchHttpCall; Go-mode tests replace
// it to refuse calls as Envoy does, which the test host's emulator never
// does.
var dispatchHTTPCall = proxywasm.DispatchHttpCall

// refused handles a call Envoy refused with BadArgument: it has no cluster
// of that name (source/extensions/common/wasm/context.cc, Context::httpCall:
// getThreadLocalCluster == nullptr), which on a Higress installed with its
// defaults (global.onlyPushRouteCluster: true) is every Service no route
// points to (higress issues #1812, #2666). One error per VM says so and how
// to fix it; every refusal is counted; the batch is retried as any failure.
func (s *sender) refused() {
	metrics.add(metrics.dispatchRefused, 1)
	if !s.refusedLogged {
		s.refusedLogged = true
		log.Errorf("the gateway has no cluster %s, so no entry can be sent (each call is refused with bad argument "+
			"and counted in %sdispatch_refused). Higress only creates the clusters of Services a route points to "+
			"(global.onlyPushRouteCluster, true by default). Fix: install the otelcol-higress chart with "+
			"higress.clusterRoute.enabled=true (the default; an Ingress that references the collector Service and "+
			"serves no outside traffic), or set global.onlyPushRouteCluster=false in Higress; and check that "+
			"collector_service_name is <service>.<namespace>.svc.cluster.local and collector_port the Service's port",
			s.dest.cluster, metricPrefix)
	}
	s.failed("the gateway has no cluster "+s.dest.cluster, true)
}

func (s *sender) compress(b *batch) {
	var out bytes.Buffer
	out.Grow(len(b.body) / 4)
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	_, _ = zw.Write(b.body)
	if err := zw.Close(); err != nil {
		return // sent uncompressed
	}
	delta := out.Len() - len(b.body)
	b.body, b.gzipped = out.Bytes(), true
	s.buffered += delta
	metrics.bufferedDelta(delta)
}

// answered handles the collector's answer to call seq.
func (s *sender) answered(seq uint64, numHeaders int) {
	if !s.inflight || seq != s.seq {
		return
	}
	status := 0
	if numHeaders > 0 {
		headers, _ := proxywasm.GetHttpCallResponseHeaders()
		for _, h := range headers {
			if h[0] == ":status" {
				status, _ = strconv.Atoi(h[1])
			}
		}
	}
	switch {
	case status >= 200 && status < 300:
		s.inflight = false
		b := s.remove()
		metrics.add(metrics.sent, b.entries)
		s.retryAt = 0
		if len(s.ready) > 0 {
			s.dispatch()
		}
	case status >= 400 && status < 500 && status != 408 && status != 429:
		// The collector refuses this body (bad JSON, too large, wrong
		// token): sending it again would be refused again.
		s.inflight = false
		b := s.remove()
		metrics.add(metrics.flushesFailed, 1)
		metrics.drop(dropRejected, b.entries)
		log.Warnf("collector refused a batch of %d entries with status %d; dropped", b.entries, status)
	default:
		s.failed("status "+strconv.Itoa(status), false)
	}
}

// failed counts a failed attempt of ready[0] and schedules the next one,
// or drops the batch once max_retries is used up; quiet: the cause was
// logged once already.
func (s *sender) failed(why string, quiet bool) {
	s.inflight = false
	metrics.add(metrics.flushesFailed, 1)
	b := s.ready[0]
	b.attempts++
	if b.attempts > s.lim.maxRetries {
		s.remove()
		metrics.drop(dropRetriesExhausted, b.entries)
		s.retryAt = 0
		if !quiet {
			log.Warnf("batch of %d entries dropped after %d attempts (%s)", b.entries, b.attempts, why)
		}
		return
	}
	wait := uint64(maxBackoffTicks)
	if shift := b.attempts - 1; shift < 16 {
		wait = min(uint64(s.lim.flushTicks)<<shift, maxBackoffTicks)
	}
	s.retryAt = vm.tick + max(wait, 1)
	if quiet {
		return
	}
	log.Infof("batch of %d entries not sent (%s); attempt %d of %d in %d ms", b.entries, why, b.attempts+1, s.lim.maxRetries+1, wait*tickMillis)
}

func (s *sender) remove() *batch {
	b := s.ready[0]
	s.ready[0] = nil
	s.ready = s.ready[1:]
	s.buffered -= len(b.body)
	metrics.bufferedDelta(-len(b.body))
	return b
}
