// Package deps pins modules that components under construction will import,
// so that `go mod tidy` keeps them at the versions chosen. Delete an import
// here once a real package imports it. Every module pinned so far is now
// imported by real code (the MySQL driver, exporterhelper, configretry and
// configtls by exporter/mysqlaccesslogexporter, go-mysql-server by
// internal/mysqltest), so nothing is left to pin.
package deps
