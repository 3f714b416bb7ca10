package mysqlaccesslogexporter

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFitJSONCutsBiggestValues: the biggest values go first, identity
// attributes and timestamps never, and the result is valid JSON within
// the limit.
func TestFitJSONCutsBiggestValues(t *testing.T) {
	doc := func() map[string]any {
		return map[string]any{
			"time": "2026-03-01T10:00:00Z",
			"attributes": map[string]any{
				"higress.ai_log":       map[string]any{"answer": strings.Repeat("a", 50_000), "model": "m"},
				"higress.request.body": strings.Repeat("\"", 20_000), // doubles when escaped
				"higress.request_id":   "req-1",
				"log.record.uid":       "uid-1",
				"url.path":             "/v1/chat",
			},
		}
	}
	for _, limit := range []int{60_000, 30_000, 2_000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			s := fitJSON(doc(), limit, identityKeys)
			assert.LessOrEqual(t, len(s), limit)
			require.True(t, json.Valid([]byte(s)), s)
			for _, want := range []string{`"higress.request_id":"req-1"`, `"log.record.uid":"uid-1"`, `"time":"2026-03-01T10:00:00Z"`, `"url.path":"/v1/chat"`, "truncated"} {
				assert.Contains(t, s, want)
			}
		})
	}
	assert.Equal(t, marshalJSON(doc()), fitJSON(doc(), 1<<20, identityKeys), "fits: unchanged")
}

// TestFitJSONManySmallValues: no value is big, so whole objects are cut;
// when even that is not enough, the identity is what remains.
func TestFitJSONManySmallValues(t *testing.T) {
	many := map[string]any{}
	for i := range 20_000 {
		many[fmt.Sprintf("k%05d", i)] = "v"
	}
	doc := map[string]any{"time": "t0", "attributes": map[string]any{"higress.ai_log": many, "higress.request_id": "req-2"}}
	s := fitJSON(doc, 1000, identityKeys)
	assert.LessOrEqual(t, len(s), 1000)
	assert.Contains(t, s, `"higress.request_id":"req-2"`)

	flat := map[string]any{"higress.request_id": "req-3"}
	for i := range 20_000 {
		flat[fmt.Sprintf("k%05d", i)] = i
	}
	s = fitJSON(map[string]any{"time": "t0", "attributes": flat}, 1000, identityKeys)
	assert.LessOrEqual(t, len(s), 1000)
	assert.Contains(t, s, `"higress.request_id":"req-3"`)
	assert.Contains(t, s, "cut to its identity")
}
