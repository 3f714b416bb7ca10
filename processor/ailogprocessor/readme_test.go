package ailogprocessor

import (
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// TestREADMEListsEveryKey keeps the README in step with Config: every key
// has a row. (The ai_log table is generated: internal/accesslog's
// TestGeneratedDocs.)
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.Contains(t, configkeys.Of(reflect.TypeOf(Config{})), "pricing::models[]::cached_input_per_million")
	assert.Empty(t, configkeys.MissingFromREADME(string(readme), reflect.TypeOf(Config{})), "keys without a README row")
}
