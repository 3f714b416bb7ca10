package higresslogreceiver

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// TestREADMEListsEveryKey keeps the README's configuration table in step
// with Config: confighttp's keys (squashed) and this receiver's own,
// nested ones as `group_commit::enabled`.
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var rows []string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	keys := configkeys.Of(reflect.TypeOf(Config{}))
	require.Contains(t, keys, "wal::drain_timeout")
	for _, k := range keys {
		found := false
		for _, row := range rows {
			if strings.Contains(row, "`"+k+"`") {
				found = true
				break
			}
		}
		assert.True(t, found, "README lacks a row for %s", k)
	}
}
