// Package deps pins modules that components under construction will import,
// so that `go mod tidy` keeps them at the versions chosen. Delete an import
// here once a real package imports it.
package deps

import (
	_ "github.com/dolthub/go-mysql-server"
	_ "github.com/go-sql-driver/mysql"
	_ "go.opentelemetry.io/collector/config/configretry"
	_ "go.opentelemetry.io/collector/config/configtls"
	_ "go.opentelemetry.io/collector/exporter/exporterhelper"
)
