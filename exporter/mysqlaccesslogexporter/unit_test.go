package mysqlaccesslogexporter

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

func TestChunkRowsLimits(t *testing.T) {
	rows := make([]row, 10000)
	for i := range rows {
		rows[i].size = 100
	}
	// Placeholders: 40 columns → at most 1638 rows per statement.
	for _, c := range chunkRows(rows, 40, 5000, 1<<30) {
		assert.LessOrEqual(t, len(c)*40, maxPlaceholders)
	}
	// Rows limit.
	chunks := chunkRows(rows, 10, 1000, 1<<30)
	assert.Len(t, chunks, 10)
	// Packet: 64 KiB of budget after the reserve → few rows per statement.
	small := chunkRows(rows, 1, 100000, 64<<10+packetReserve+100)
	total := 0
	for _, c := range small {
		assert.LessOrEqual(t, len(c), 656)
		total += len(c)
	}
	assert.Equal(t, len(rows), total, "nothing lost by chunking")
	// A row bigger than the budget still goes, alone.
	huge := []row{{size: 10}, {size: 1 << 20}, {size: 10}}
	assert.Len(t, chunkRows(huge, 1, 1000, 64<<10), 3)
	// Statement text: 1 KiB rows fill the driver's buffer at about 250.
	for i := range rows {
		rows[i].text = 1000
	}
	total = 0
	byText := chunkRows(rows, 40, 1000, 1<<30)
	for i, c := range byText {
		assert.LessOrEqual(t, len(c)*1003+40*64, statementBuffer*7/8)
		if i < len(byText)-1 {
			assert.Greater(t, len(c), 200)
		}
		total += len(c)
	}
	assert.Equal(t, len(rows), total, "nothing lost by chunking")
	// A row bigger than the buffer still goes, alone.
	big := []row{{text: 10}, {text: statementBuffer}, {text: 10}}
	assert.Len(t, chunkRows(big, 1, 1000, 1<<30), 3)
}

// TestStatementFitsDriverBuffer: production rows are chunked so that the
// interpolated statement fits the driver's reusable buffer, and they are
// not cut into needlessly small statements.
func TestStatementFitsDriverBuffer(t *testing.T) {
	cols := writableColumns(ddlLiveColumns())
	rows := newMapper(cols).mapLogs(productionLogs(t, 2000))
	chunks := chunkRows(rows, len(cols), 1000, 1<<30)
	require.Greater(t, len(chunks), 2)
	for _, c := range chunks[:len(chunks)-1] {
		n := len(insertSQL("d", "t", cols, len(c), true))
		for i := range c {
			for _, v := range c[i].values {
				n += len(literal(v)) - 1 // a value replaces its "?"
			}
		}
		assert.LessOrEqual(t, n, statementBuffer)
		assert.Greater(t, n, statementBuffer*2/3)
	}
}

// literal is v as the driver interpolates it (backslash escapes).
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.NewReplacer("\\", `\\`, "'", `\'`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\x00", `\0`, "\x1a", `\Z`).Replace(x) + "'"
	case time.Time:
		return "'" + x.Format("2006-01-02 15:04:05.999999") + "'"
	}
	return fmt.Sprint(v)
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want errClass
	}{
		{&mysql.MySQLError{Number: 1213}, classRetry}, // deadlock
		{&mysql.MySQLError{Number: 1205}, classRetry}, // lock wait
		{&mysql.MySQLError{Number: 1290}, classRetry}, // read-only
		{&mysql.MySQLError{Number: 1040}, classRetry}, // too many connections
		{&mysql.MySQLError{Number: 1142}, classRetry}, // a grant is missing
		{&mysql.MySQLError{Number: 1114}, classRetry}, // table full
		{&mysql.MySQLError{Number: 1406}, classData},  // data too long
		{&mysql.MySQLError{Number: 4025}, classData},  // MariaDB CHECK (json_valid)
		{&mysql.MySQLError{Number: 3140}, classData},  // MySQL invalid JSON
		{&mysql.MySQLError{Number: 1153}, classTooLarge},
		{&mysql.MySQLError{Number: 1146}, classSchema},
		{&mysql.MySQLError{Number: 1105}, classRefused}, // go-mysql-server's generic error
		{&mysql.MySQLError{Number: 1644}, classRefused}, // a trigger's SIGNAL
		{&mysql.MySQLError{Number: 9999}, classRefused}, // the server answered: bounded attempts
		{mysql.ErrInvalidConn, classRetry},
		{driver.ErrBadConn, classRetry},
		{context.DeadlineExceeded, classRetry},
		{mysql.ErrPktTooLarge, classTooLarge},
		{fmt.Errorf("wrapped: %w", &mysql.MySQLError{Number: 1366}), classData},
		{errors.New("dial tcp: connection refused"), classRetry},
	} {
		assert.Equal(t, tc.want, classify(tc.err), "%v", tc.err)
	}
}

func TestFitText(t *testing.T) {
	varchar := &column{maxChars: 5, maxBytes: 20}
	v, cut := fitText("日本語テキスト", varchar)
	assert.Equal(t, "日本語テキ", v)
	assert.True(t, cut)
	text := &column{maxChars: 65535, maxBytes: 10}
	v, _ = fitText("ééééééé", text) // 14 bytes → 5 characters, 10 bytes
	assert.Equal(t, "ééééé", v)
	mb3 := &column{utf8mb3: true}
	v, _ = fitText("ok 🚀", mb3)
	assert.Equal(t, "ok \uFFFD", v)
	v, _ = fitText("a\xffb", &column{})
	assert.Equal(t, "a\uFFFDb", v)
}

func TestAILogColumnValue(t *testing.T) {
	c := &column{name: "ai_log", field: accesslog.ByAttr(accesslog.AttrAILog), class: classJSON, nullable: true}
	m := newMapper([]column{*c})
	val := func(v pcommon.Value) any { return m.convert(c, v) }
	obj := pcommon.NewValueMap()
	obj.Map().PutStr("model", "qwen")
	obj.Map().PutStr("answer", "<b>&</b>")
	assert.JSONEq(t, `{"model":"qwen","answer":"<b>&</b>"}`, val(obj).(string))
	assert.NotContains(t, val(obj), `\u003c`, "values as sent")
	assert.Nil(t, val(pcommon.NewValueMap()), "{} is NULL")
	assert.Nil(t, val(pcommon.NewValueStr("null")))
	assert.Nil(t, val(pcommon.NewValueStr("not json")))
	assert.JSONEq(t, `{"a":1}`, val(pcommon.NewValueStr(`"{\"a\":1}"`)).(string), "quoted twice")
	assert.Nil(t, val(pcommon.NewValueInt(3)))
	nan := pcommon.NewValueMap()
	nan.Map().PutDouble("x", math.NaN())
	assert.Nil(t, val(nan), "not encodable: NULL")
}

func TestInsertSQL(t *testing.T) {
	cols := []column{{name: "start_time"}, {name: "record_uid"}}
	assert.Equal(t, "INSERT INTO `d`.`t` (`start_time`,`record_uid`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `record_uid` = `record_uid`",
		insertSQL("d", "t", cols, 2, true))
	assert.NotContains(t, insertSQL("d", "t", cols, 1, false), "DUPLICATE")
	assert.Equal(t, "`we``ird`", accesslog.QuoteIdent("we`ird"))
	assert.False(t, strings.Contains(strings.ToUpper(insertSQL("d", "t", cols, 1, true)), "IGNORE"))
}

func TestIntRange(t *testing.T) {
	lo, hi := intRange(&column{dataType: "int"})
	assert.Equal(t, int64(-2147483648), lo)
	assert.Equal(t, int64(2147483647), hi)
	_, hi = intRange(&column{dataType: "smallint", unsigned: true})
	assert.Equal(t, int64(65535), hi)
}

// TestRecordUIDStable: records without the receiver's uid get a content
// hash, identical across retries of the same data.
func TestRecordUIDStable(t *testing.T) {
	ld := entryLogs(map[string]any{"request_id": "x", "no_uid": true})
	rl := ld.ResourceLogs().At(0)
	ref := recordRef{resource: rl.Resource(), record: rl.ScopeLogs().At(0).LogRecords().At(0)}
	a := recordUID(ref)
	cp := entryLogs()
	ld.CopyTo(cp)
	rl2 := cp.ResourceLogs().At(0)
	b := recordUID(recordRef{resource: rl2.Resource(), record: rl2.ScopeLogs().At(0).LogRecords().At(0)})
	assert.Equal(t, a, b)
	assert.True(t, strings.HasPrefix(a, "h:"))
	assert.LessOrEqual(t, len(a), 64)
}
