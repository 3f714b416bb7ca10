// Package mysqlaccesslogexporter writes Higress access-log records to the
// MySQL/MariaDB table `access_logs` that HiMarket reads: one row per record,
// mapped through the field table, written idempotently in atomic chunks,
// with data errors isolated into a dead-letter table.
package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

//go:generate go tool mdatagen metadata.yaml
