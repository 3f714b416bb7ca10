package mysqlaccesslogexporter

import (
	"bytes"
	"database/sql/driver"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTextArena: texts copied into shared blocks stay intact across block
// boundaries and garbage collections.
func TestTextArena(t *testing.T) {
	a := newTextArena(3)
	var got, want []any
	for i := range 3 * textBlock / 8 {
		s := fmt.Sprintf("s%d", i)
		got = append(got, a.copy([]byte(s+"-text")))
		want = append(want, s+"-text")
	}
	runtime.GC()
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i], got[i])
		require.True(t, want[i] == got[i], "== on interfaces")
		require.True(t, driver.IsValue(got[i]))
	}
	assert.Empty(t, a.copy(nil))
	long := bytes.Repeat([]byte("x"), maxShared+1)
	assert.Equal(t, string(long), a.copy(long), "long texts get their own allocation")
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
