package higresslogreceiver

import (
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// TestREADMEListsEveryKey keeps the README's configuration table in step
// with Config: confighttp's keys (squashed) and this receiver's own,
// nested ones as `wal::batch::min_size`.
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.Contains(t, configkeys.Of(reflect.TypeOf(Config{})), "wal::batch::min_size")
	assert.Empty(t, configkeys.MissingFromREADME(string(readme), reflect.TypeOf(Config{})), "keys without a README row")
}
