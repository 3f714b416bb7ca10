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
	require.Contains(t, configkeys.Of(reflect.TypeOf(Config{})), "timeout")
	assert.Empty(t, configkeys.MissingFromREADME(string(readme), reflect.TypeOf(Config{})), "keys without a README row")
}
