package ailogprocessor

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// TestREADMEListsEveryKey keeps the README in step with Config (every key
// has a row) and with the ai_log table in internal/accesslog.
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, k := range accesslog.AILogKeys {
		row := "| `" + k.Key + "` | `" + k.Attr
		assert.True(t, strings.Contains(string(readme), row), "README lacks the row for %s → %s", k.Key, k.Attr)
	}
	require.Contains(t, configkeys.Of(reflect.TypeOf(Config{})), "pricing::models[]::cached_input_per_million")
	assert.Empty(t, configkeys.MissingFromREADME(string(readme), reflect.TypeOf(Config{})), "keys without a README row")
}
