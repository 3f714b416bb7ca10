package main

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// README.md's configuration table lists exactly the keys the plugin reads,
// and its metrics table every metric it defines.
func TestREADMEListsEveryKeyAndMetric(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (?:string|int|bool|float|list of strings) \\|").FindAllStringSubmatch(string(raw), -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(documented)
	keys := slices.Clone(configKeys)
	slices.Sort(keys)
	assert.Equal(t, keys, documented)

	for _, name := range []string{"entries_logged", "entries_sampled_out", "entries_sent", "flushes_failed", "dispatch_refused",
		"entries_dropped_" + dropBufferFull, "entries_dropped_" + dropRetriesExhausted, "entries_dropped_" + dropRejected,
		"entries_dropped_" + dropEncodeError, "buffered_bytes"} {
		assert.Contains(t, string(raw), "`"+metricPrefix+name+"`")
	}
}
