package higresslogreceiver

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	ours := reflect.TypeOf(Config{}).PkgPath()
	var keys []string
	var walk func(typ reflect.Type, prefix string, depth int)
	walk = func(typ reflect.Type, prefix string, depth int) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			switch {
			case strings.Contains(opts, "squash"):
				walk(f.Type, prefix, depth+1)
			case name == "" || name == "-":
			case f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == ours:
				walk(f.Type, prefix+name+"::", depth)
			default:
				keys = append(keys, prefix+name)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "", 0)
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
