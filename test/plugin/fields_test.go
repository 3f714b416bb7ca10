// Package plugin checks, from the collector's side and both ways, the JSON
// the gateway plugin (plugin/, its own module) sends: its tests record their
// POST bodies in plugin/testdata/posts.jsonl.
package plugin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

const postsPath = "../../plugin/testdata/posts.jsonl"

// readPosts returns the plugin's recorded POST bodies, one JSON array each.
func readPosts(t *testing.T) [][]byte {
	t.Helper()
	f, err := os.Open(postsPath)
	require.NoError(t, err)
	defer f.Close()
	var posts [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			posts = append(posts, bytes.Clone(line))
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, posts, "no POST bodies in %s", postsPath)
	return posts
}

// Every field the plugin writes is a field of the table, with the table's
// JSON type: a name the table does not know would land only as
// higress.extra.<name>, in no column.
func TestPluginWritesOnlyTableFields(t *testing.T) {
	n := 0
	for i, body := range readPosts(t) {
		var entries []map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &entries), "POST %d is not a JSON array of objects", i)
		for _, e := range entries {
			n++
			for name, raw := range e {
				idx, ok := accesslog.IndexOf(name)
				if !ok {
					t.Errorf("POST %d: the plugin writes %q, which internal/accesslog does not know", i, name)
					continue
				}
				if err := checkKind(accesslog.Fields[idx].Kind, raw); err != "" {
					t.Errorf("POST %d: %s: %s", i, name, err)
				}
			}
		}
	}
	require.Positive(t, n)
}

// notSentByThePlugin are the table's fields the plugin does not send, and
// why; every other field must be in the recorded POSTs, so that a field the
// plugin stops sending fails here rather than leaving a column empty.
var notSentByThePlugin = map[string]string{
	"istio_policy_status": "Istio's mixer status, gone from Istio; db-log-pusher never sent it",
	"input_tokens":        "usage travels in ai_log; the ailog processor fills the column",
	"output_tokens":       "usage travels in ai_log; the ailog processor fills the column",
	"total_tokens":        "usage travels in ai_log; the ailog processor fills the column",
	"cached_tokens":       "usage travels in ai_log; the ailog processor fills the column",
	"reasoning_tokens":    "usage travels in ai_log; the ailog processor fills the column",
	"cost":                "priced by the ailog processor",
}

// Every field of the table the plugin is meant to send is in its recorded
// POSTs (its main scenario has a request of every kind).
func TestPluginSendsEveryFieldItShould(t *testing.T) {
	sent := map[string]bool{}
	for _, body := range readPosts(t) {
		var entries []map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &entries))
		for _, e := range entries {
			for name := range e {
				sent[name] = true
			}
		}
	}
	for _, f := range accesslog.Fields {
		if why, ok := notSentByThePlugin[f.JSON]; ok {
			if sent[f.JSON] {
				t.Errorf("the plugin sends %s, listed as not sent (%s)", f.JSON, why)
			}
			continue
		}
		if !sent[f.JSON] {
			t.Errorf("the plugin no longer sends %s (column %q)", f.JSON, f.Column)
		}
	}
	for name := range notSentByThePlugin {
		_, ok := accesslog.IndexOf(name)
		require.True(t, ok, "%s is not in the field table", name)
	}
}

func checkKind(k accesslog.Kind, raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err.Error()
	}
	ok := false
	switch k {
	case accesslog.String, accesslog.Time:
		_, ok = v.(string)
	case accesslog.Int:
		f, isNum := v.(float64)
		ok = isNum && f == float64(int64(f))
	case accesslog.Bool:
		_, ok = v.(bool)
	case accesslog.StringMap:
		m, isMap := v.(map[string]any)
		ok = isMap
		for _, x := range m {
			if _, s := x.(string); !s {
				ok = false
			}
		}
	case accesslog.JSONObject:
		_, ok = v.(map[string]any)
	}
	if !ok {
		return "sent as " + string(raw) + ", the table says " + k.String()
	}
	return ""
}
