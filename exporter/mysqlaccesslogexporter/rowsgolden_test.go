package mysqlaccesslogexporter

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

var updateRows = flag.Bool("update-rows", false, "rewrite testdata/rows.golden from the current mapping")

// TestRowsGolden holds the mapping (record → row values) to
// testdata/rows.golden, value by value and type by type, for records of
// every shape (full, sparse, hostile, ai_log as map, string, too deep)
// into three column layouts: the exporter's DDL, all VARCHAR(255), and an
// odd table (JSON, small and unsigned integers, utf8mb3, NOT NULL, epoch
// start_time). A faster mapping must write the same rows; a deliberate
// change rewrites the file with -update-rows and shows in review.
func TestRowsGolden(t *testing.T) {
	var out strings.Builder
	logs := goldenLogs()
	for _, layout := range goldenLayouts() {
		m := newMapper(writableColumns(layout.live))
		fmt.Fprintf(&out, "## %s\n", layout.name)
		for i, r := range m.mapLogs(logs) {
			fmt.Fprintf(&out, "row %d uid=%q size=%d dropped=%q\n", i, r.uid, r.size, r.aiLogDropped)
			for j, v := range r.values {
				fmt.Fprintf(&out, "  %s = %s\n", m.cols[j].name, goldenValue(v))
			}
		}
		for _, c := range m.cols {
			if n := m.truncated[c.name]; n > 0 {
				fmt.Fprintf(&out, "truncated %s: %d\n", c.name, n)
			}
		}
	}
	const path = "testdata/rows.golden"
	if *updateRows {
		require.NoError(t, os.WriteFile(path, []byte(out.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), out.String())
}

func goldenValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "string " + strconv.Quote(x)
	case int64:
		return "int64 " + strconv.FormatInt(x, 10)
	case float64:
		return "float64 " + strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return "time " + x.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T %v", v, v)
}

type goldenLayout struct {
	name string
	live map[string]liveColumn
}

func goldenLayouts() []goldenLayout {
	varchars := map[string]liveColumn{}
	for _, f := range schemaFields() {
		varchars[f.Column] = liveColumn{Name: f.Column, DataType: "varchar", ColumnType: "varchar(255)",
			MaxChars: sql.NullInt64{Int64: 255, Valid: true}, MaxBytes: sql.NullInt64{Int64: 1020, Valid: true}, Nullable: true}
	}
	odd := ddlLiveColumns()
	set := func(name, dataType, columnType string, edit func(*liveColumn)) {
		lc := odd[name]
		lc.DataType, lc.ColumnType = dataType, columnType
		lc.Class = classOf(dataType)
		lc.MaxChars, lc.MaxBytes = sql.NullInt64{}, sql.NullInt64{}
		if edit != nil {
			edit(&lc)
		}
		odd[name] = lc
	}
	set("ai_log", "json", "json", nil)
	set("method", "json", "json", nil)
	set("response_code", "tinyint", "tinyint unsigned", nil)
	set("duration", "smallint", "smallint", func(lc *liveColumn) { lc.Nullable = false })
	set("start_time", "bigint", "bigint", nil)
	set("cost", "varchar", "varchar(4)", func(lc *liveColumn) {
		lc.MaxChars, lc.MaxBytes = sql.NullInt64{Int64: 4, Valid: true}, sql.NullInt64{Int64: 16, Valid: true}
	})
	set("bytes_sent", "double", "double", nil)
	set("model", "varchar", "varchar(8)", func(lc *liveColumn) {
		lc.MaxChars, lc.MaxBytes, lc.Charset = sql.NullInt64{Int64: 8, Valid: true}, sql.NullInt64{Int64: 24, Valid: true}, "utf8mb3"
	})
	set("user_agent", "text", "text", func(lc *liveColumn) {
		lc.MaxBytes, lc.Charset, lc.Nullable = sql.NullInt64{Int64: 12, Valid: true}, "utf8mb3", false
	})
	set("consumer", "int", "int", func(lc *liveColumn) { lc.Nullable = false })
	set("api", "datetime", "datetime(6)", func(lc *liveColumn) { lc.FracSecs = 6 })
	odd["request_body"] = liveColumn{Name: "request_body", DataType: "longtext", ColumnType: "longtext", Class: classString, Nullable: true}
	return []goldenLayout{{"ddl", ddlLiveColumns()}, {"varchar", varchars}, {"odd", odd}}
}

func classOf(dataType string) valueClass {
	switch dataType {
	case "tinyint", "smallint", "int", "bigint":
		return classInt
	case "double":
		return classFloat
	case "datetime", "timestamp":
		return classTime
	case "json":
		return classJSON
	}
	return classString
}

// goldenLogs are records of every shape, with fixed times and uids (some
// without, so the content hash is covered).
func goldenLogs() plog.Logs {
	full := fullEntry()
	aiMap := fullEntry()
	aiMap["request_id"] = "ai-map"
	aiMap["ai_log"] = map[string]any{
		"model": "qwen-max", "input_token": "10", "output_token": 20, "ratio": 0.5, "tiny": 1e-9, "big": 1e22,
		"question": "<&> \u2028\u2029 \x01\b\f\n\r\t \"q\" \\ é 🚀 \xff", "list": []any{1, "two", nil, true, map[string]any{"b": 1, "a": []any{}}},
		"nested": map[string]any{"z": map[string]any{}, "y": -0.0, "x": int64(-9223372036854775808)},
	}
	sparse := map[string]any{"start_time": "2026-03-01T10:00:00Z", "request_id": "sparse", "no_uid": true}
	hostile := map[string]any{
		"start_time": "2026-03-01T23:59:59.999999+00:00", "request_id": "hostile\x00\xff", "no_uid": true,
		"response_code": "abc", "bytes_received": 1 << 40, "duration": 70000, "path": strings.Repeat("/ä🚀", 900),
		"user_agent": "agent 🚀 with four-byte characters", "model": "a-very-long-model-name-🚀", "consumer": "alice",
		"api": "not a time", "cost": "0.000001234", "method": "GET", "bytes_sent": "12.5", "input_tokens": "1e3",
		"output_tokens": -5, "total_tokens": "7.5", "ai_log": `"just a string"`, "req_body": "body \xfe",
		"instance_id": "gw-\u2028",
	}
	aiString := fullEntry()
	aiString["request_id"] = "ai-string"
	aiString["ai_log"] = "not json {"
	aiEmpty := fullEntry()
	aiEmpty["request_id"] = "ai-empty"
	aiEmpty["ai_log"] = "{}"
	deep := fullEntry()
	deep["request_id"] = "ai-deep"
	deep["ai_log"] = strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	ld := entryLogs(full, aiMap, sparse, hostile, aiString, aiEmpty, deep)
	at := pcommon.NewTimestampFromTime(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	for i, lr := range allRecords(ld) {
		lr.SetObservedTimestamp(at)
		if _, ok := lr.Attributes().Get(accesslog.AttrRecordUID); ok {
			lr.Attributes().PutStr(accesslog.AttrRecordUID, fmt.Sprintf("uid-%d", i))
		}
	}
	// A record whose ai_log is a string the exporter parses itself, and
	// one with no timestamp at all but the observed one.
	lr := allRecords(ld)[0]
	lr.Attributes().PutStr(accesslog.AttrAILog, `{"model":"m","n":1.5,"s":"<x>"}`)
	allRecords(ld)[2].SetTimestamp(0)
	// Attributes in the other scope: for a resource field on both, the
	// resource's wins; a record field found only on the resource is used.
	own := allRecords(ld)[3].Attributes()
	own.PutStr(accesslog.AttrInstanceID, "on-the-record")
	res := ld.ResourceLogs().At(2).Resource().Attributes()
	res.PutStr(accesslog.AttrPath, "/from/the/resource")
	res.PutStr(accesslog.AttrInstanceID, "on-the-resource")
	return ld
}
