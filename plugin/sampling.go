package main

import "hash/fnv"

// sampled says whether a request is in the sample: the same request id
// gives the same answer on every gateway and worker, so a trace is either
// kept whole or not at all.
func sampled(rate float64, requestID string) bool {
	switch {
	case rate >= 1:
		return true
	case rate <= 0:
		return false
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(requestID))
	// FNV-1a alone leaves ids that differ in their last characters close
	// together in the high bits; a 64-bit finalizer (MurmurHash3's fmix64)
	// spreads them. The top 53 bits as a fraction in [0, 1).
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return float64(x>>11)/(1<<53) < rate
}

// isError is HiMarket's error: no response code or 4xx/5xx. Such requests
// are kept when always_log_errors is on, whatever the sample says.
func isError(code int) bool { return code == 0 || code >= 400 }
