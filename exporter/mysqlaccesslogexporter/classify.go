package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/go-sql-driver/mysql"
)

// errClass says what a failed write means for its rows.
type errClass int

const (
	// classRetry: the database or the connection failed, not the rows.
	// The rows go back to the queue's retry, unchanged.
	classRetry errClass = iota
	// classData: some row in the statement is unacceptable. The chunk is
	// bisected; the single bad row goes to the dead-letter table.
	classData
	// classTooLarge: the statement exceeded max_allowed_packet. Split; a
	// single row that is still too large is dead-lettered.
	classTooLarge
	// classSchema: the table changed under us (dropped, column removed).
	// Retry after reading the schema again.
	classSchema
	// classSuspect: a generic server error (1105) that may be about a row
	// or about the server; go-mysql-server reports constraint violations so.
	// Bisected like data, but a lone row is only dead-lettered when other
	// rows of the same push were written, proving the server takes writes.
	classSuspect
)

// Server error numbers that blame the rows, not the server. Anything not
// listed is retried: an unknown error must never make us drop data.
var dataErrors = map[uint16]bool{
	1048: true, // column cannot be null
	1062: true, // duplicate entry on a unique key other than ours
	1264: true, // out of range value
	1265: true, // data truncated
	1292: true, // incorrect datetime/truncated incorrect value
	1300: true, // invalid character string
	1366: true, // incorrect string value (charset)
	1367: true, // illegal value
	1406: true, // data too long
	1411: true, // incorrect value for function
	1416: true, // cannot get geometry object
	1451: true, // foreign key (parent)
	1452: true, // foreign key (child)
	1690: true, // value out of range
	3140: true, // invalid JSON text (MySQL)
	3146: true, // invalid data type for JSON
	3156: true, // invalid JSON value for CAST
	3819: true, // check constraint violated (MySQL)
	4025: true, // CONSTRAINT failed (MariaDB JSON columns are CHECK(json_valid))
}

var tooLargeErrors = map[uint16]bool{
	1153: true, // packet bigger than max_allowed_packet
	1301: true, // result of a function larger than max_allowed_packet
}

var schemaErrors = map[uint16]bool{
	1049: true, // unknown database
	1054: true, // unknown column
	1146: true, // table doesn't exist
}

// classify decides from *mysql.MySQLError and the driver's own errors.
// Connection loss, deadlocks (1213), lock waits (1205), read-only/failover
// (1290, 1792, 1836), too many connections (1040) and timeouts all land in
// classRetry by falling through.
func classify(err error) errClass {
	if errors.Is(err, errLoadDataRefused) {
		// The server's configuration, not the rows.
		return classRetry
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch {
		case dataErrors[me.Number]:
			return classData
		case tooLargeErrors[me.Number]:
			return classTooLarge
		case schemaErrors[me.Number]:
			return classSchema
		case me.Number == 1105:
			return classSuspect
		}
		return classRetry
	}
	switch {
	case errors.Is(err, mysql.ErrPktTooLarge):
		return classTooLarge
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return classRetry
	}
	return classRetry
}

// isPrivilegeError is a missing grant (CREATE DATABASE refused).
func isPrivilegeError(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, 1045, 1142, 1227:
			return true
		}
	}
	return false
}
