package mysqlaccesslogexporter

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEListsEveryKey keeps the README's configuration table in step
// with Config (squashed structs included, so `timeout` is checked too).
func TestREADMEListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var keys []string
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("mapstructure")
			name, opts, _ := strings.Cut(tag, ",")
			switch {
			case strings.Contains(opts, "squash"):
				walk(f.Type)
			case name != "" && name != "-":
				keys = append(keys, name)
			}
		}
	}
	walk(reflect.TypeOf(Config{}))
	require.NotEmpty(t, keys)
	for _, k := range keys {
		assert.Contains(t, string(readme), "| `"+k+"` |", "README lacks the row for %s", k)
	}
}
