package loadgen

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// The direct encoder must send exactly what the map-based Entry describes
// (start_time aside, which both take from the clock).
func TestAppendBodyMatchesBody(t *testing.T) {
	for _, tc := range []struct{ seq0, n, padding int }{{0, 1, 0}, {7, 1, 100}, {123, 5, 0}, {99999, 3, 33}} {
		var entries []map[string]any
		for i := range tc.n {
			entries = append(entries, Entry("run\"x", tc.seq0+i, tc.padding))
		}
		var want, got any
		require.NoError(t, json.Unmarshal(Body(entries), &want))
		require.NoError(t, json.Unmarshal(AppendBody(nil, "run\"x", tc.seq0, tc.n, tc.padding), &got))
		for _, v := range []any{want, got} {
			objs, ok := v.([]any)
			if !ok {
				objs = []any{v}
			}
			for _, o := range objs {
				o.(map[string]any)["start_time"] = "t"
			}
		}
		require.Equal(t, want, got)
	}
}

func BenchmarkBody(b *testing.B) {
	b.Run("maps+json.Marshal", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			entries := make([]map[string]any, 100)
			for j := range entries {
				entries[j] = Entry("r", i*100+j, 0)
			}
			_ = Body(entries)
		}
	})
	b.Run("AppendBody", func(b *testing.B) {
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = AppendBody(buf[:0], "r", i*100, 100, 0)
		}
	})
}
