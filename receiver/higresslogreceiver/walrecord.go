package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/binary"
	"errors"
	"time"
)

// A log record is a header, then the body as received (decompressed):
// the header holds what decoding the body again needs to make the same
// records (receive time, uid seed). The handler reads a body behind room
// for the header, so the stored record needs no second copy.
const (
	walVersion    = 1
	walHeaderSize = 1 + 8 + 16
)

var errCorruptRecord = errors.New("not a write-ahead log record of this version")

// sealRecord writes a's header into the room left before the body.
func sealRecord(rec []byte, a arrival) {
	rec[0] = walVersion
	binary.BigEndian.PutUint64(rec[1:9], uint64(a.at.UnixNano()))
	copy(rec[9:walHeaderSize], a.seed[:])
}

// openRecord splits a stored record into its arrival and body.
func openRecord(rec []byte) (arrival, []byte, error) {
	if len(rec) < walHeaderSize || rec[0] != walVersion {
		return arrival{}, nil, errCorruptRecord
	}
	a := arrival{at: time.Unix(0, int64(binary.BigEndian.Uint64(rec[1:9])))}
	copy(a.seed[:], rec[9:walHeaderSize])
	return a, rec[walHeaderSize:], nil
}
