// Package higresslogreceiver receives the JSON access logs that Higress's
// db-log-pusher WASM plugin POSTs and turns each entry into a log record.
package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

//go:generate go tool mdatagen metadata.yaml
