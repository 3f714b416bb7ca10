package mysqlaccesslogexporter

import (
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// TestREADMEListsEveryKey keeps the README's configuration table in step
// with Config (squashed structs included, so `timeout` is checked too).
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	keys := configkeys.Of(reflect.TypeOf(Config{}))
	require.NotEmpty(t, keys)
	for _, k := range keys {
		assert.Contains(t, string(readme), "| `"+k+"` |", "README lacks the row for %s", k)
	}
}
