package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

// buildLogs decodes a body into records grouped by gateway instance
// (instance_id → service.instance.id), one resource per instance.
func buildLogs(body []byte, received arrival, serviceName string, maxExtra int) (plog.Logs, report, error) {
	entries, rep, err := decodeBody(body, maxExtra)
	if err != nil {
		return plog.Logs{}, report{}, err
	}
	ld := plog.NewLogs()
	scopes := map[string]plog.LogRecordSlice{}
	now := pcommon.NewTimestampFromTime(received.at)
	for i := range entries {
		entry := &entries[i]
		var instance string
		switch v := &entry.known[idxInstanceID]; v.kind {
		case absent, null:
		case str:
			instance = v.s
		default:
			instance = accesslog.Text(v.any())
		}
		records, ok := scopes[instance]
		if !ok {
			records = newResource(ld, serviceName, instance)
			scopes[instance] = records
		}
		fillRecord(records.AppendEmpty(), entry, now, received.uidFor(i, entry, instance))
	}
	return ld, rep, nil
}

func newResource(ld plog.Logs, serviceName, instance string) plog.LogRecordSlice {
	rl := ld.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr(accesslog.AttrServiceName, serviceName)
	if instance != "" {
		attrs.PutStr(accesslog.AttrInstanceID, instance)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	return sl.LogRecords()
}
