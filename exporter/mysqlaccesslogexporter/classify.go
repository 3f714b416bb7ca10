package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"errors"

	"github.com/go-sql-driver/mysql"
)

// errClass says what a failed write means for its rows.
type errClass int

const (
	// classRetry: the database or the connection failed, not the rows
	// (down, failing over, locked, out of resources, missing a grant).
	// The rows go back to the retry, unchanged, without limit.
	classRetry errClass = iota
	// classSchema: the table changed under us (dropped, column removed).
	// Retried, without limit, after reading the schema again.
	classSchema
	// classData: some row of the statement is unacceptable. The chunk is
	// bisected; a bad row alone goes to the dead-letter table.
	classData
	// classTooLarge: the statement exceeded max_allowed_packet. Bisected;
	// a row still too large alone is dead-lettered.
	classTooLarge
	// classRefused: the server answered with an error not known to be
	// about the rows or about itself (a trigger's SIGNAL, a CHECK a DBA
	// added, go-mysql-server's generic 1105). Bisected like data; a row
	// refused alone is retried a bounded number of times (maxRefusals)
	// and then dead-lettered, so it never holds a queue consumer for ever.
	classRefused
)

// Server errors that blame the rows.
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

// Server errors that say the server cannot take writes now, whatever the
// rows: retried until it can.
var serverErrors = map[uint16]bool{
	1021: true, // disk full
	1037: true, // out of memory
	1038: true, // out of sort memory
	1040: true, // too many connections
	1041: true, // out of memory
	1044: true, // access denied to the database
	1045: true, // access denied
	1053: true, // server shutdown in progress
	1114: true, // table is full
	1129: true, // host blocked
	1130: true, // host not allowed
	1142: true, // command denied (a grant is missing)
	1143: true, // column command denied
	1203: true, // too many connections for the user
	1205: true, // lock wait timeout
	1213: true, // deadlock
	1226: true, // user resource limit exceeded
	1227: true, // privilege needed
	1290: true, // --read-only
	1317: true, // query interrupted
	1792: true, // read-only transaction
	1836: true, // read-only mode
	1927: true, // connection killed (MariaDB)
	1969: true, // statement timeout (MariaDB)
	3024: true, // statement timeout (MySQL)
}

// classify decides from *mysql.MySQLError and the driver's own errors.
// An error that is not the server's answer (connection lost, timeout,
// context cancelled) is classRetry: the rows were not judged.
func classify(err error) errClass {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch {
		case dataErrors[me.Number]:
			return classData
		case tooLargeErrors[me.Number]:
			return classTooLarge
		case schemaErrors[me.Number]:
			return classSchema
		case serverErrors[me.Number]:
			return classRetry
		}
		return classRefused
	}
	if errors.Is(err, mysql.ErrPktTooLarge) {
		return classTooLarge
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
