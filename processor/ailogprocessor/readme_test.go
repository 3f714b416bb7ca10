package ailogprocessor

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// TestREADMEListsEveryKey keeps the README's key → attribute table in step
// with the table in internal/accesslog.
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, k := range accesslog.AILogKeys {
		row := "| `" + k.Key + "` | `" + k.Attr
		assert.True(t, strings.Contains(string(readme), row), "README lacks the row for %s → %s", k.Key, k.Attr)
	}
	for _, key := range []string{"from_attribute", "keep_original", "include", "exclude", "content::action", "content::max_bytes", "content::keys",
		"pricing::currency", "pricing::models", "pricing::models[]::model", "pricing::models[]::input_per_million",
		"pricing::models[]::cached_input_per_million", "pricing::models[]::output_per_million", "pricing::models[]::currency"} {
		assert.Contains(t, string(readme), "| `"+key+"` |")
	}
}
