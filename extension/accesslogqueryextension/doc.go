// Package accesslogqueryextension serves the access_logs table the
// mysqlaccesslog exporter writes: the db-log-collector POC's GET /query
// (same parameters and response shape, without its defects), usage
// statistics, a live tail over Server-Sent Events and a log explorer page.
package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

//go:generate go tool mdatagen metadata.yaml
