package mysqlaccesslogexporter

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoxer: values and texts copied into shared blocks stay intact
// across block boundaries and garbage collections.
func TestBoxer(t *testing.T) {
	b := newBoxer(3, nil)
	var got, want []any
	for i := range 3 * textBlock / 8 {
		s := fmt.Sprintf("s%d", i)
		tm := time.Unix(int64(i), 123).UTC()
		n, f := int64(i)*1e12, float64(i)/3
		text := b.text.copy([]byte(s + "-text"))
		got = append(got, b.str(s), b.int(n), b.float(f), b.time(tm), b.str(text))
		want = append(want, s, n, f, tm, s+"-text")
	}
	runtime.GC()
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i], got[i])
		require.Equal(t, reflect.TypeOf(want[i]), reflect.TypeOf(got[i]))
		require.True(t, want[i] == got[i], "== on interfaces")
		require.True(t, driver.IsValue(got[i]))
	}
	s, ok := got[0].(string)
	assert.True(t, ok)
	assert.Equal(t, "s0", s)
	assert.Empty(t, b.text.copy(nil))
}

// TestChunkArgs: consecutive rows of one batch are passed without a copy;
// any other chunk is copied in order.
func TestChunkArgs(t *testing.T) {
	cols := writableColumns(map[string]liveColumn{
		"request_id": {name: "request_id", dataType: "varchar", nullable: "YES"},
		"ai_log":     {name: "ai_log", dataType: "json", nullable: "YES"},
		"record_uid": {name: "record_uid", dataType: "varchar", nullable: "YES"},
	})
	rows := newMapper(cols).mapLogs(entryLogs(fullEntry(), fullEntry(), fullEntry(), fullEntry()))
	flat := func(rs []row) []any {
		var out []any
		for _, r := range rs {
			out = append(out, r.values...)
		}
		return out
	}
	args := chunkArgs(rows[1:3], len(cols))
	assert.Equal(t, flat(rows[1:3]), args)
	assert.Same(t, &rows[1].values[0], &args[0], "no copy")
	assert.Len(t, args, cap(args))

	stripped, ok := withoutAILog(cols, &rows[2], fmt.Errorf("refused"))
	require.True(t, ok)
	mixed := []row{rows[1], stripped, rows[3]}
	args = chunkArgs(mixed, len(cols))
	assert.Equal(t, flat(mixed), args)
	assert.Nil(t, args[len(cols)+aiLogColumn(cols)])
	assert.NotNil(t, rows[2].values[aiLogColumn(cols)], "the original row is unchanged")
}
