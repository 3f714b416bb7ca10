package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// arrival is what a body is given when it is received: its receive time
// (the timestamp of entries without a usable start_time) and the seed of
// its records' uids. Both are stored with the body in the write-ahead log,
// so that decoding it again after a crash makes exactly the same records,
// and a record written before the crash is recognised by its uid.
type arrival struct {
	at   time.Time
	seed [16]byte
}

func newArrival(now time.Time) arrival {
	a := arrival{at: now}
	_, _ = rand.Read(a.seed[:])
	return a
}

// recordUID is the uid of the body's i-th record: a UUIDv7 of the receive
// time whose random bits are the seed with i mixed in, so ids are unique
// within a body, random across bodies, and time-ordered for the exporter's
// unique index.
func (a arrival) recordUID(i int) string {
	b := a.seed
	binary.BigEndian.PutUint64(b[0:8], uint64(a.at.UnixMilli())<<16|uint64(binary.BigEndian.Uint16(b[6:8])))
	b[6] = 0x70 | b[6]&0x0f // version 7
	b[8] = 0x80 | b[8]&0x3f // RFC 9562 variant
	idx := binary.BigEndian.Uint32(b[12:16]) ^ uint32(i)
	binary.BigEndian.PutUint32(b[12:16], idx)
	return uuid.UUID(b).String()
}

// Indexes of the fields a sender's idempotency key is read from.
var (
	idxEntryID   = accesslog.IndexOfAttr(accesslog.AttrEntryID)
	idxStartTime = accesslog.IndexOfAttr(accesslog.AttrStartTime)
)

// uidFor is the uid of the body's i-th record, entry e of gateway instance:
// derived from the entry's entry_id when the sender gave one
// (otelcol-log-pusher does), so that the same entry sent again — a POST
// whose answer was lost, then retried — gets the same uid and the
// exporter's unique key stores it once; recordUID(i) otherwise (db-log-pusher
// sends no key, and each POST is new).
func (a arrival) uidFor(i int, e *entry, instance string) string {
	v := &e.known[idxEntryID]
	if (v.kind != str && v.kind != num) || v.s == "" {
		return a.recordUID(i)
	}
	return keyedUID(instance, v.s, e)
}

// keyedUID is an RFC 9562 version 8 UUID laid out like a version 7: the
// entry's start time (ms) first, so uids stay time-ordered for the
// exporter's unique index, then SHA-256 of the instance and the key (two
// gateways may see the same request id).
func keyedUID(instance, key string, e *entry) string {
	var in [256]byte // the usual instance and key fit: hashed without a heap buffer
	sum := sha256.Sum256(append(append(append(in[:0], instance...), 0), key...))
	var b [16]byte
	copy(b[:], sum[:])
	var ms uint64
	if ts, ok := parseStartTime(&e.known[idxStartTime]); ok {
		ms = uint64(ts.AsTime().UnixMilli())
	}
	binary.BigEndian.PutUint64(b[0:8], ms<<16|uint64(binary.BigEndian.Uint16(b[6:8])))
	b[6] = 0x80 | b[6]&0x0f // version 8
	b[8] = 0x80 | b[8]&0x3f // RFC 9562 variant
	return uuid.UUID(b).String()
}
