package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
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
