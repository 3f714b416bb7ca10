package loadgen

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// TestFieldsMatchTheTable checks AppendBody's field names against the
// table both ways: every key it sends is a field (ai_log's keys, ai_log
// keys), and every field is sent unless listed here, so a field the table
// gains or renames is not silently left out of the load.
func TestFieldsMatchTheTable(t *testing.T) {
	notSent := map[string]bool{
		"upstream_transport_failure_reason": true, "upstream_local_address": true, "istio_policy_status": true,
		"resp_headers": true, "req_body_truncated": true, "resp_body_truncated": true,
		"cached_tokens": true, "reasoning_tokens": true, "cost": true,
		// otelcol-log-pusher's own; loadgen sends what db-log-pusher sends.
		"entry_id": true, "ai_log_truncated": true,
	}
	e := Entry("run", 7, 10)
	for key := range e {
		_, known := accesslog.IndexOf(key)
		assert.True(t, known, "loadgen sends %s, which the table does not know", key)
	}
	for _, f := range accesslog.Fields {
		_, sent := e[f.JSON]
		assert.NotEqual(t, notSent[f.JSON], sent, "field %s: sent %v, listed as not sent %v", f.JSON, sent, notSent[f.JSON])
	}
	for key := range e["ai_log"].(map[string]any) {
		_, known := accesslog.AILogByKey(key)
		assert.True(t, known, "loadgen's ai_log has %s, which the ai_log table does not know", key)
	}
	_, padded := Entry("run", 7, 0)["req_body"]
	assert.False(t, padded, "bodies only with padding")
}

func BenchmarkAppendBody(b *testing.B) {
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = AppendBody(buf[:0], "r", i*100, 100, 0)
	}
}
