package main

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"
)

// instanceID is the gateway instance of the entries: the pod's name from
// the node metadata (read once per VM: it does not change), else the
// request's x-instance-id header, else the node id — db-log-pusher's
// order after the configured instance_id.
func (v *vmState) instanceID(header string) string {
	if !v.nodeRead {
		v.nodeRead = true
		v.nodeName = or(propString(propNodeName), propString(propNodePodName))
		v.nodeID = propString(propNodeID)
	}
	return or(v.nodeName, or(header, v.nodeID))
}

// entryID is the entry's idempotency key: the collector derives the
// record's uid from it, so an entry sent twice (a POST whose answer was
// lost, then retried) is stored once. Envoy's request id and start time
// (nanoseconds) name one request; without a request id, a random id of
// this VM and a counter do.
func entryID(requestID string, start time.Time) string {
	if requestID != "" {
		return requestID + "/" + strconv.FormatInt(start.UnixNano(), 10)
	}
	if vm.nonce == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		vm.nonce = hex.EncodeToString(b[:])
	}
	vm.entries++
	return vm.nonce + "-" + strconv.FormatUint(vm.entries, 10)
}
